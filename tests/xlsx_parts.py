"""Compare .xlsx files part by part, as XlsxWriter's tests do.

Unzip, drop the volatile timestamps of docProps/core.xml, split the XML at tag
boundaries so a difference shows as a short list of elements.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

_VOLATILE = re.compile(r"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def xlsx_parts(path: Path) -> dict[str, list[str]]:
    """Every part of the package, as a list of XML elements (timestamps removed)."""
    parts = {}
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            text = archive.read(name).decode("utf-8")
            text = _VOLATILE.sub("", text)
            pieces = re.split(r"(?<=>)\s*(?=<)", text.strip())
            # One element per line in the golden files: escape line breaks inside text.
            parts[name] = [piece.replace("\n", "\\n") for piece in pieces if piece]
    return parts


def extract_golden(path: Path, folder: Path) -> None:
    """Write the parts of ``path`` under ``folder`` (to create or refresh a golden file)."""
    for name, pieces in xlsx_parts(path).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(pieces) + "\n", encoding="utf-8")


def golden_parts(folder: Path) -> dict[str, list[str]]:
    """The parts stored under ``folder`` by :func:`extract_golden`."""
    return {
        str(p.relative_to(folder)): p.read_text(encoding="utf-8").rstrip("\n").split("\n")
        for p in sorted(folder.rglob("*")) if p.is_file()
    }
