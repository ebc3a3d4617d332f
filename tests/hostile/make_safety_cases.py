"""Regenerate the hostile cases 31–36 (issue 15: nothing lost): ``python tests/hostile/make_safety_cases.py``.

Each starts from 01_good.xlsx and breaks one thing the way a real file does.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
from docx import Document

HERE = Path(__file__).parent
GOOD = HERE / "01_good.xlsx"
BILLION_LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')


def _rewrite_part(path: Path, part: str, change) -> None:
    """Replace one zip part through ``change(bytes) -> bytes``, keeping every other part as it is."""
    temp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, change(data) if info.filename == part else data)
    temp.replace(path)


def _with_doctype(xml: bytes) -> bytes:
    head, _, rest = xml.partition(b"?>") if xml.startswith(b"<?xml") else (b"", b"", xml)
    return (head + b"?>" if head else b"") + BILLION_LAUGHS + rest


def vertical_tab(path: Path) -> None:
    """A Word line break pasted into a cell: stored as _x000B_, which openpyxl refuses to write back."""
    workbook = openpyxl.load_workbook(GOOD)
    workbook.active["C3"] = "系统清理现行有效的行政规范性文件，集中公开。VTAB同时做好解读。"
    workbook.save(path)
    _rewrite_part(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"VTAB", b"_x000B_"))


def stray_cell(path: Path) -> None:
    """One stray value at XFD1048576: a used range of 17 billion cells in a 10 KB file."""
    workbook = openpyxl.load_workbook(GOOD)
    workbook.active["XFD1048576"] = "x"
    workbook.save(path)


def xml_entities(path: Path) -> None:
    """A worksheet part with a DOCTYPE declaring nested entities (billion laughs)."""
    shutil.copy(GOOD, path)
    _rewrite_part(path, "xl/worksheets/sheet1.xml", _with_doctype)


def docx_entities(path: Path) -> None:
    """A plan whose document.xml declares entities and uses them."""
    document = Document()
    for line in ("2024年政务公开工作要点", "一、规范信息管理", "（一）系统清理现行有效的行政规范性文件。"):
        document.add_paragraph(line)
    document.save(path)
    _rewrite_part(path, "word/document.xml", _with_doctype)


def long_unit_names(path: Path) -> None:
    """A real 33-character unit name and a 200-character one (no file system takes it as a name)."""
    workbook = openpyxl.load_workbook(GOOD)
    sheet = workbook.active
    sheet["D3"] = "上海市普陀区长征镇社区党群服务中心暨新时代文明实践中心办公室"[:33]
    sheet["D5"] = "区政府办公室" + "（区大数据中心、区政务服务中心）" * 12
    workbook.save(path)


def slash_units(path: Path) -> None:
    """Units "区府办/区大数据中心" and "区府办区大数据中心": one file name for both, before issue 15."""
    workbook = openpyxl.load_workbook(GOOD)
    sheet = workbook.active
    sheet["D3"], sheet["D5"] = "区府办/区大数据中心", "区府办区大数据中心"
    workbook.save(path)


CASES = {"31_vertical_tab.xlsx": vertical_tab, "32_stray_cell.xlsx": stray_cell,
         "33_xml_entities.xlsx": xml_entities, "34_xml_entities.docx": docx_entities,
         "35_long_unit_names.xlsx": long_unit_names, "36_slash_units.xlsx": slash_units}

if __name__ == "__main__":
    for name, make in CASES.items():
        make(HERE / name)
        print(name)
