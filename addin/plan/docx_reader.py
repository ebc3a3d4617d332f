"""Word (.docx) plans through python-docx, with automatic numbering rendered."""

from __future__ import annotations

import zipfile
from pathlib import Path

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..errors import PlanReadError
from .model import PlanText, SourceLine
from .numbering import load_numbering, paragraph_numbering


def _open(path: Path):
    if not zipfile.is_zipfile(path):
        raise PlanReadError(
            f"文件“{path.name}”不是有效的 Word 文档（.docx）：文件可能已损坏，"
            "或是被改了扩展名的其他文件。"
        )
    try:
        return Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile):
        raise PlanReadError(
            f"文件“{path.name}”无法作为 Word 文档打开：请用 Word 另存为 .docx 后重试。"
        ) from None


def _body_items(document):
    """Paragraphs and tables of the body in document order (python-docx lists them apart)."""
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document)
        elif child.tag == qn("w:tbl"):
            yield Table(child, document)


def _table_rows(table: Table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            cells.append("\n".join(p.text for p in cell.paragraphs).strip())
        rows.append(cells)
    return rows


def read_docx_plan(path: Path) -> PlanText:
    """Read a .docx plan: paragraphs with their list numbers, and its tables."""
    document = _open(path)
    numbering = load_numbering(document)
    lines: list[SourceLine] = []
    tables: list[list[list[str]]] = []
    for number, item in enumerate(_body_items(document), start=1):
        if isinstance(item, Table):
            tables.append(_table_rows(item))
            continue
        numbered = paragraph_numbering(item)
        label = numbering.label(*numbered) if numbered else ""
        text = label + item.text
        if text.strip():
            lines.append(SourceLine(text, f"第{number}段", len(lines)))
    return PlanText(path, lines, tables)
