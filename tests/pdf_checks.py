"""Read a LibreOffice PDF render of a table back, column by column."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber


def render_pdf(xlsx: Path, out_dir: Path) -> Path:
    """Convert ``xlsx`` to PDF with headless LibreOffice (own profile, so runs can overlap)."""
    subprocess.run(["soffice", f"-env:UserInstallation=file://{out_dir}/lo-profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out_dir), str(xlsx)],
                   check=True, capture_output=True, timeout=300)
    return out_dir / (xlsx.stem + ".pdf")


def column_texts(pdf_path: Path, column: int) -> list[str]:
    """Per page, the text inside table column ``column`` (0-based), found by the cell borders."""
    texts = []
    with pdfplumber.open(str(pdf_path)) as pdf:
        for page in pdf.pages:
            xs = sorted({round(e["x0"]) for e in page.edges if e["orientation"] == "v"})
            xs = [x for i, x in enumerate(xs) if i == 0 or x - xs[i - 1] > 3]
            if len(xs) <= column + 1:
                texts.append("")
                continue
            box = page.crop((xs[column] + 1, 0, xs[column + 1] - 1, page.height))
            texts.append(box.extract_text() or "")
    return texts


def squeeze(text: str) -> str:
    """Text without whitespace, for comparing wrapped cell text."""
    return re.sub(r"\s+", "", text)


def soffice_available() -> bool:
    return shutil.which("soffice") is not None


def pdf_text(pdf_path: Path) -> str:
    """All the text of a PDF, page after page."""
    with pdfplumber.open(str(pdf_path)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)
