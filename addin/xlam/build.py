"""Assemble dist/fenjie.xlam: workbook parts, the customUI part and its relationship,
the add-in's own ``fenjie.conf`` sheet, and vbaProject.bin built from macros/*.bas plus
xlwings' module for custom add-ins.

``xlwings_custom_addin.bas`` is read from the installed xlwings package at build time,
so the VBA module always matches the Python package (and the version of its DLL).
It is the module xlwings ships for add-ins: RunPython passes ``ActiveWorkbook`` (the
user's workbook) to Python, where ``xlwings.bas`` would pass the add-in itself, and
it reads its settings from the add-in's own ``<PROJECT_NAME>.conf`` sheet.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import xlwings
from openpyxl import Workbook

from ..errors import FenJieError
from ..safe_io import write_atomically
from .vbaproject import Module, build_vba_project, document_module

ADDIN_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VBA_TYPE = "application/vnd.ms-office.vbaProject"
UI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
# xlwings' PROJECT_NAME: names the settings sheet (fenjie.conf) and the user config file
# (%USERPROFILE%\.fenjie\fenjie.conf), so FenJie's settings never mix with another add-in's.
PROJECT_NAME = "fenjie"
CONF_SHEET = f"{PROJECT_NAME}.conf"
CONF_PART = "xl/worksheets/sheet1.xml"
# The VBA project's own name (what the VB editor shows): it must differ from every module
# name, and VBA names ignore case, so "fenjie" would clash with the FenJie module.
VBA_PROJECT_NAME = "FenJieAddin"
XLWINGS_MODULE = "xlwings_custom_addin.bas"
_PROJECT_NAME_LINE = re.compile(r'^Public Const PROJECT_NAME As String = "[^"]*"', re.MULTILINE)
# What every built add-in says in its conf sheet. The UDF server keeps one Python process
# resident, so only the first click pays for starting Python and importing FenJie. The
# workbook's folder stays off sys.path: a user's 'pandas.py' or 'addin' folder next to
# their workbook must not shadow FenJie's own modules.
DEFAULT_CONF: dict[str, str] = {
    "USE UDF SERVER": "True",
    "ADD_WORKBOOK_TO_PYTHONPATH": "False",
    "SHOW CONSOLE": "False",
}


def macros_dir() -> Path:
    """The macros/ folder of the source tree (VBA and ribbon XML as text)."""
    return Path(__file__).resolve().parents[2] / "macros"


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def xlwings_module_path() -> Path:
    """xlwings' VBA module for custom add-ins, from the installed package."""
    return Path(xlwings.__file__).parent / XLWINGS_MODULE


def _source_module(path: Path, text: str) -> Module:
    if not text.isascii():
        raise FenJieError(f"VBA 模块“{path.name}”含有非 ASCII 字符：中文请放在 ribbon XML 或 Python 中。")
    match = re.search(r'^Attribute VB_Name = "([^"]+)"', text, re.MULTILINE)
    if not match:
        raise FenJieError(f"VBA 模块“{path.name}”缺少 Attribute VB_Name 行。")
    return Module(match.group(1), _crlf(text))


def xlwings_module() -> Module:
    """The custom add-in module with FenJie's PROJECT_NAME put in."""
    path = xlwings_module_path()
    text = path.read_bytes().decode("ascii", errors="replace")
    if not _PROJECT_NAME_LINE.search(text):
        raise FenJieError(f"“{path}”中没有 PROJECT_NAME 常量：这个 xlwings 版本不受支持。")
    text = _PROJECT_NAME_LINE.sub(f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"', text, count=1)
    return _source_module(path, text)


def vba_modules(macros: Path | None = None) -> list[Module]:
    """ThisWorkbook, Sheet1 (the conf sheet), every macros/*.bas, and xlwings' custom add-in module."""
    macros = macros or macros_dir()
    modules = [document_module("ThisWorkbook"), document_module("Sheet1")]
    for path in sorted(macros.glob("*.bas")):
        modules.append(_source_module(path, path.read_bytes().decode("ascii", errors="replace")))
    modules.append(xlwings_module())
    return modules


def conf_sheet_xml(conf: dict[str, str]) -> bytes:
    """The ``fenjie.conf`` worksheet: key in column A, value in column B, from row 1 (as xlwings reads it).

    Inline strings keep every cell Unicode without a shared-strings part, and let
    ``fenjie addin install`` replace this one part of a built add-in.
    """
    rows = []
    for number, (key, value) in enumerate(conf.items(), start=1):
        cells = [f'<c r="A{number}" t="inlineStr"><is><t>{escape(key)}</t></is></c>']
        if value != "":
            cells.append(f'<c r="B{number}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>')
        rows.append(f'<row r="{number}">{"".join(cells)}</row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetPr codeName="Sheet1"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="32" customWidth="1"/>'
            '<col min="2" max="2" width="80" customWidth="1"/></cols>'
            f'<sheetData>{"".join(rows)}</sheetData>'
            '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>'
            ).encode()


def _skeleton() -> dict[str, bytes]:
    """The parts of a one-sheet workbook, as openpyxl writes them; the sheet is the conf sheet."""
    workbook = Workbook()
    workbook.code_name = "ThisWorkbook"
    workbook.active.title = CONF_SHEET
    workbook.active.sheet_properties.codeName = "Sheet1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def build_parts(macros: Path | None = None, conf: dict[str, str] | None = None) -> dict[str, bytes]:
    """Every part of the add-in package, by name; ``conf`` adds to (or overrides) DEFAULT_CONF."""
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
    parts[CONF_PART] = conf_sheet_xml({**DEFAULT_CONF, **(conf or {})})
    parts["customUI/customUI14.xml"] = (macros / "customUI14.xml").read_bytes()
    parts["xl/vbaProject.bin"] = build_vba_project(VBA_PROJECT_NAME, vba_modules(macros))
    return parts


def write_parts(out: Path, parts: dict[str, bytes]) -> Path:
    """Zip ``parts`` into ``out`` atomically ([Content_Types].xml first, as Office writes it)."""
    out.parent.mkdir(parents=True, exist_ok=True)

    def write(temp: Path) -> None:
        with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in ["[Content_Types].xml", *sorted(p for p in parts if p != "[Content_Types].xml")]:
                archive.writestr(name, parts[name])

    write_atomically(out, write, backup=False)
    return out


def build_addin(out: str | Path = "dist/fenjie.xlam", macros: Path | None = None,
                conf: dict[str, str] | None = None) -> Path:
    """Write the .xlam; returns its path."""
    return write_parts(Path(out), build_parts(macros, conf))


def read_parts(xlam: Path) -> dict[str, bytes]:
    """Every part of a built add-in, by name."""
    try:
        with zipfile.ZipFile(xlam) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    except (OSError, zipfile.BadZipFile) as exc:
        raise FenJieError(f"“{xlam}”不是有效的加载项文件（{exc}）：请重新运行 fenjie addin build。") from None


def read_conf(parts: dict[str, bytes]) -> dict[str, str]:
    """The key/value cells of the conf sheet of a built add-in."""
    import xml.etree.ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    conf: dict[str, str] = {}
    for row in ET.fromstring(parts[CONF_PART]).iterfind(".//m:row", ns):
        cells = {c.get("r", "")[:1]: "".join(t.text or "" for t in c.iterfind(".//m:t", ns))
                 for c in row.iterfind("m:c", ns)}
        if cells.get("A"):
            conf[cells["A"]] = cells.get("B", "")
    return conf
