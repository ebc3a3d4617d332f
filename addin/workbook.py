"""The working workbook: the sheets both front doors (ribbon and CLI) share.

Sheet names and headers are the contract between the engine, the ribbon and the
CLI; they are defined once here.
"""

from __future__ import annotations

from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from .cells import append_text, clean_text
from .decompose import TaskRow
from .findings import Finding, rule_name
from .layout import row_height
from .outline import Outline
from .safe_io import write_atomically
from .titles import TITLE_LABEL, TITLE_NOTE, plan_name
from .typography import typeset
from .units.directory import DIRECTORY_HEADERS, UnitDirectory

SHEET_PLAN = "上级要点"
SHEET_TASKS = "任务分解"
SHEET_UNITS = "单位名录"
SHEET_FINDINGS = "校验结果"
SHEET_LEDGER = "工作台账"

TASK_HEADERS = ("序号", "章节", "小节", "任务名称", "任务内容", "牵头单位", "责任单位",
                "配合单位", "完成时限", "来源", "单位来源", "到期日期")
TASK_WIDTHS = (6, 14, 14, 18, 46, 12, 16, 12, 11, 18, 22, 12)
TASK_PRINTED = "A:I"  # 序号 … 完成时限 on paper; 来源, 单位来源, 到期日期 are for the screen
BLOCK_COLUMNS = ("章节", "小节", "任务名称")  # shown once per block of rows
BODY_FONT, HEADER_FONT = ("仿宋", 11), ("黑体", 11)
FINDING_HEADERS = ("序号", "级别", "规则", "工作表", "单元格", "说明", "建议修改")
FINDING_WIDTHS = (6, 8, 18, 10, 8, 70, 20)
PLAN_HEADERS = ("层级", "编号", "路径", "标题", "正文", "原文位置")
PLAN_WIDTHS = (8, 8, 14, 30, 80, 14)
UNIT_SEPARATOR = "、"
_KIND_NAMES = {"part": "部分", "chapter": "章", "section": "节", "item": "条", "subitem": "款",
               "circled": "目"}


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def task_values(row: TaskRow) -> list[object]:
    """One 任务分解 sheet row, in :data:`TASK_HEADERS` order (task text in Chinese typography)."""
    from .units.infer import unit_source_text

    return [row.seq, typeset(row.chapter), typeset(row.section), typeset(row.name), typeset(row.content),
            UNIT_SEPARATOR.join(row.lead), UNIT_SEPARATOR.join(row.units),
            UNIT_SEPARATOR.join(row.assist), row.deadline, f"{row.source}（{row.where}）",
            unit_source_text(row), row.due]


def plan_values(outline: Outline) -> list[list[object]]:
    """The 上级要点 sheet rows: document metadata, then one row per outline node."""
    rows: list[list[object]] = [
        ["文件", "", "", outline.title, f"{outline.issuer} {outline.doc_number}".strip(), ""],
        [TITLE_LABEL, "", "", plan_name(outline.title), TITLE_NOTE, ""],
    ]
    if outline.addressees:  # who the plan is addressed to: the fallback subject of its tasks
        rows.append(["主送", "", "", outline.addressees, "", ""])
    for node in outline.walk():
        rows.append([_KIND_NAMES.get(node.kind, node.kind), node.label, node.path,
                     node.heading, "\n".join(node.body), node.line.where])
    return rows


def cell_text(value: object) -> object:
    """A value safe for a cell: control characters Excel rejects are removed."""
    return clean_text(value)


def _append_literal(sheet: Worksheet, values) -> None:
    append_text(sheet, values)  # plan text is never a formula: "=…" pasted from a document stays text


def _fill_sheet(sheet: Worksheet, headers, widths, rows, printed: str = "") -> None:
    """Header, rows, widths, fonts, heights, filter and print setup of a working sheet."""
    sheet.append(list(headers))
    for values in rows:
        _append_literal(sheet, values)
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    for cell in sheet[1]:
        cell.font = Font(name=HEADER_FONT[0], size=HEADER_FONT[1])
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = width
    wrap, body = Alignment(wrap_text=True, vertical="top"), Font(name=BODY_FONT[0], size=BODY_FONT[1])
    line = Side(style="thin", color="A6A6A6")
    grid = Border(left=line, right=line, top=line, bottom=line)
    blocks = [i for i, h in enumerate(headers) if h in BLOCK_COLUMNS]
    previous: list[object] = []
    styled: dict[tuple[int, ...] | None, StyleArray] = {}
    for row in sheet.iter_rows(min_row=2):
        values = [c.value for c in row]
        for cell in row:
            key = tuple(cell._style) if cell._style is not None else None
            if key not in styled:  # one style lookup per kind of cell, not an Alignment/Font/Border hash per cell
                cell.alignment, cell.font, cell.border = wrap, body, grid
                styled[key] = cell._style
            cell._style = copy(styled[key])
        # a repeated 章节/小节 takes no height: it is shown once, on its block's first row
        counted = [None if i in blocks and previous[i:i + 1] == [v] else v for i, v in enumerate(values)]
        sheet.row_dimensions[row[0].row].height = row_height(counted, list(widths), BODY_FONT[1], slack=True)
        previous = values
    _show_blocks_once(sheet, headers, len(rows))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    _print_setup(sheet, printed)


def _show_blocks_once(sheet: Worksheet, headers, count: int) -> None:
    """章节/小节/任务名称 equal to the row above are drawn in white: one label per block on screen
    and paper, while every row keeps its value for filters, sorting and reading back."""
    from openpyxl.formatting.rule import FormulaRule

    for index, header in enumerate(headers):
        if header not in BLOCK_COLUMNS or count < 2:
            continue
        letter = column_letter(index)
        rule = FormulaRule(formula=[f"AND({letter}3<>\"\",{letter}3={letter}2)"], font=Font(color="FFFFFF"))
        sheet.conditional_formatting.add(f"{letter}3:{letter}{count + 1}", rule)


def _print_setup(sheet: Worksheet, printed: str = "") -> None:
    """A4 landscape, the (printed) columns on the page width, header row on every page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True  # fitTo* is ignored without it
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"
    if printed:  # "A:I": those columns of every row
        first, last = printed.split(":")
        sheet.print_area = f"{first}1:{last}{max(sheet.max_row, 1)}"
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"


def directory_values(directory: UnitDirectory) -> list[list[object]]:
    """The 单位名录 sheet rows of a directory."""
    return [[u.name, "；".join(u.aliases), u.category, "、".join(u.groups), "、".join(u.keywords),
             "是" if u.default else "", u.contact, u.phone, u.email] for u in directory.units]


def finding_values(findings: list[Finding]) -> list[list[object]]:
    """The 校验结果 sheet rows."""
    return [[i, f.severity.value, rule_name(f.rule), f.sheet, f.cell, f.message, f.fix]
            for i, f in enumerate(findings, start=1)]


def _link_findings(sheet: Worksheet, findings: list[Finding]) -> None:
    cell_column = FINDING_HEADERS.index("单元格") + 1
    for i, finding in enumerate(findings, start=2):
        if finding.cell:
            cell = sheet.cell(i, cell_column)
            # An internal link (location), not an external target: Excel and WPS jump to the cell.
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{finding.sheet}'!{finding.cell}")
            cell.style = "Hyperlink"


def build_draft_workbook(outline: Outline, rows: list[TaskRow], findings: list[Finding] | None = None,
                         directory: UnitDirectory | None = None) -> Workbook:
    """The working workbook of a decomposed plan.

    Sheets: 任务分解, 上级要点, and when given 单位名录 and 校验结果.
    """
    workbook = Workbook()
    tasks = workbook.active
    tasks.title = SHEET_TASKS
    _fill_sheet(tasks, TASK_HEADERS, TASK_WIDTHS, [task_values(r) for r in rows], TASK_PRINTED)
    _fill_sheet(workbook.create_sheet(SHEET_PLAN), PLAN_HEADERS, PLAN_WIDTHS, plan_values(outline))
    if directory is not None:
        widths = (26, 26, 10, 16, 40, 8, 10, 14, 24)
        _fill_sheet(workbook.create_sheet(SHEET_UNITS), DIRECTORY_HEADERS, widths, directory_values(directory))
    if findings:
        sheet = workbook.create_sheet(SHEET_FINDINGS)
        _fill_sheet(sheet, FINDING_HEADERS, FINDING_WIDTHS, finding_values(findings))
        _link_findings(sheet, findings)
    workbook.properties.title = outline.title or "任务分解表"
    workbook.properties.creator = "FenJie 任务分解助手"
    return workbook


def save_workbook(workbook: Workbook, path: str | Path) -> Path | None:
    """Save atomically, backing up an existing file; returns the backup path if any."""
    return write_atomically(path, lambda temp: workbook.save(temp))
