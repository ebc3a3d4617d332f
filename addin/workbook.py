"""The working workbook: the sheets both front doors (ribbon and CLI) share.

Sheet names and headers are the contract between the engine, the ribbon and the
CLI; they are defined once here.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from .decompose import TaskRow
from .layout import row_height
from .outline import Outline
from .safe_io import write_atomically

SHEET_PLAN = "上级要点"
SHEET_TASKS = "任务分解"
SHEET_UNITS = "单位名录"
SHEET_FINDINGS = "校验结果"
SHEET_LEDGER = "工作台账"

TASK_HEADERS = ("序号", "章节", "小节", "任务名称", "任务内容", "牵头单位", "责任单位",
                "配合单位", "完成时限", "来源")
TASK_WIDTHS = (6, 22, 22, 24, 60, 14, 18, 14, 12, 18)
PLAN_HEADERS = ("层级", "编号", "路径", "标题", "正文", "原文位置")
PLAN_WIDTHS = (8, 8, 14, 30, 80, 14)
UNIT_SEPARATOR = "、"
_KIND_NAMES = {"part": "部分", "chapter": "章", "section": "节", "item": "条", "subitem": "款",
               "circled": "目"}


def task_values(row: TaskRow) -> list[object]:
    """One 任务分解 sheet row, in :data:`TASK_HEADERS` order."""
    return [row.seq, row.chapter, row.section, row.name, row.content,
            UNIT_SEPARATOR.join(row.lead), UNIT_SEPARATOR.join(row.units),
            UNIT_SEPARATOR.join(row.assist), row.deadline, f"{row.source}（{row.where}）"]


def plan_values(outline: Outline) -> list[list[object]]:
    """The 上级要点 sheet rows: document metadata, then one row per outline node."""
    rows: list[list[object]] = [
        ["文件", "", "", outline.title, f"{outline.issuer} {outline.doc_number}".strip(), ""],
    ]
    for node in outline.walk():
        rows.append([_KIND_NAMES.get(node.kind, node.kind), node.label, node.path,
                     node.heading, "\n".join(node.body), node.line.where])
    return rows


def cell_text(value: object) -> object:
    """A value safe for a cell: control characters Excel rejects are removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _append_literal(sheet: Worksheet, values) -> None:
    sheet.append([cell_text(v) for v in values])
    for cell in sheet[sheet.max_row]:
        # Plan text is never a formula: "=…" pasted from a document stays text.
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def _fill_sheet(sheet: Worksheet, headers, widths, rows) -> None:
    sheet.append(list(headers))
    for values in rows:
        _append_literal(sheet, values)
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
        sheet.row_dimensions[row[0].row].height = row_height([c.value for c in row], list(widths))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    _print_setup(sheet)


def _print_setup(sheet: Worksheet) -> None:
    """A4 landscape, all columns on the page width, header row on every page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True  # fitTo* is ignored without it
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"


def build_draft_workbook(outline: Outline, rows: list[TaskRow]) -> Workbook:
    """A workbook with the 任务分解 and 上级要点 sheets of a decomposed plan."""
    workbook = Workbook()
    tasks = workbook.active
    tasks.title = SHEET_TASKS
    _fill_sheet(tasks, TASK_HEADERS, TASK_WIDTHS, [task_values(r) for r in rows])
    _fill_sheet(workbook.create_sheet(SHEET_PLAN), PLAN_HEADERS, PLAN_WIDTHS, plan_values(outline))
    workbook.properties.title = outline.title or "任务分解表"
    workbook.properties.creator = "FenJie 任务分解助手"
    return workbook


def save_workbook(workbook: Workbook, path: str | Path) -> Path | None:
    """Save atomically, backing up an existing file; returns the backup path if any."""
    return write_atomically(path, lambda temp: workbook.save(temp))
