"""Assemble dist/fenjie.xlam: workbook parts, the customUI part and its relationship,
and vbaProject.bin built from macros/*.bas plus xlwings' own VBA module.

xlwings.bas is read from the installed xlwings package at build time, so the VBA
module always matches the Python package (and its DLL version).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import xlwings
from openpyxl import Workbook

from ..errors import FenJieError
from ..safe_io import write_atomically
from .vbaproject import Module, build_vba_project, document_module

ADDIN_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VBA_TYPE = "application/vnd.ms-office.vbaProject"
UI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
PROJECT_NAME = "VBAProject"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"


def macros_dir() -> Path:
    """The macros/ folder of the source tree (VBA and ribbon XML as text)."""
    return Path(__file__).resolve().parents[2] / "macros"


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def vba_modules(macros: Path | None = None) -> list[Module]:
    """ThisWorkbook, Sheet1, every macros/*.bas, and xlwings.bas from the installed package."""
    macros = macros or macros_dir()
    modules = [document_module("ThisWorkbook"), document_module("Sheet1")]
    sources = sorted(macros.glob("*.bas")) + [Path(xlwings.__file__).parent / "xlwings.bas"]
    for path in sources:
        raw = path.read_bytes()
        if not raw.isascii():
            raise FenJieError(f"VBA 模块“{path.name}”含有非 ASCII 字符：中文请放在 ribbon XML 或 Python 中。")
        match = re.search(r'^Attribute VB_Name = "([^"]+)"', raw.decode("ascii"), re.MULTILINE)
        if not match:
            raise FenJieError(f"VBA 模块“{path.name}”缺少 Attribute VB_Name 行。")
        modules.append(Module(match.group(1), _crlf(raw.decode("ascii"))))
    return modules


def _skeleton() -> dict[str, bytes]:
    """The parts of a one-sheet workbook, as openpyxl writes them."""
    workbook = Workbook()
    workbook.code_name = "ThisWorkbook"
    workbook.active.title = "FenJie"
    workbook.active.sheet_properties.codeName = "Sheet1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def build_parts(macros: Path | None = None) -> dict[str, bytes]:
    """Every part of the add-in package, by name."""
    macros = macros or macros_dir()
    parts = _skeleton()
    types = parts["[Content_Types].xml"].decode("utf-8").replace(WORKBOOK_TYPE, ADDIN_TYPE)
    types = types.replace("<Default ", f'<Default Extension="bin" ContentType="{VBA_TYPE}"/><Default ', 1)
    parts["[Content_Types].xml"] = types.encode("utf-8")
    rels = parts["_rels/.rels"].decode("utf-8")
    rels = rels.replace("</Relationships>",
                        f'<Relationship Id="rIdFenJieUI" Type="{UI_REL}" Target="customUI/customUI14.xml"/>'
                        "</Relationships>")
    parts["_rels/.rels"] = rels.encode("utf-8")
    book_rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    book_rels = book_rels.replace("</Relationships>",
                                  f'<Relationship Id="rIdVBA" Type="{VBA_REL}" Target="vbaProject.bin"/>'
                                  "</Relationships>")
    parts["xl/_rels/workbook.xml.rels"] = book_rels.encode("utf-8")
    parts["customUI/customUI14.xml"] = (macros / "customUI14.xml").read_bytes()
    # "VBAProject" is the name Excel itself gives a project; LibreOffice shows it as Basic/VBAProject.
    parts["xl/vbaProject.bin"] = build_vba_project(PROJECT_NAME, vba_modules(macros))
    return parts


def build_addin(out: str | Path = "dist/fenjie.xlam", macros: Path | None = None) -> Path:
    """Write the .xlam; returns its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    parts = build_parts(macros)

    def write(temp: Path) -> None:
        with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in ["[Content_Types].xml", *sorted(p for p in parts if p != "[Content_Types].xml")]:
                archive.writestr(name, parts[name])

    write_atomically(out, write, backup=False)
    return out
