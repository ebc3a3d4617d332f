"""Build the bundled .xlsx templates (run after changing their design; commit the output).

Each template is an ordinary workbook a user may open and restyle in Excel: cells
hold jinja2 placeholders ({{ title }}, {{ task.content }}, …); the row with
{{ task.… }} placeholders is repeated for every task with its styles; a row with
{{ section.title }} becomes each 一、 section row; the hidden sheet 模板设置 holds
options. Placeholders of a task: seq, id, chapter, section, name, content, lead,
units, units_starred (lead units marked * then the others), assist, deadline, due,
and for ledgers and feedback forms progress, status, done_date, evidence, updated,
reporter, role. Usage: python workbook_templates/make_templates.py
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from addin.print_layout import page_numbers  # the footer of every printed output, one definition

HERE = Path(__file__).parent
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TITLE_FONT, HEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312"


def _columns(sheet, columns: list[tuple[str, str, float, bool]], header_row: int, data_row: int) -> None:
    """(header, placeholder, width, left aligned) per column."""
    for index, (header, placeholder, width, left) in enumerate(columns, start=1):
        head = sheet.cell(header_row, index, header)
        head.font, head.alignment, head.border = Font(name=HEADING_FONT, size=12), CENTER, BOX
        data = sheet.cell(data_row, index, placeholder)
        data.font, data.alignment, data.border = Font(name=BODY_FONT, size=12), LEFT if left else CENTER, BOX
        sheet.column_dimensions[head.column_letter].width = width


def _title_rows(sheet, last_column: int, title: str, attachment: bool = True) -> None:
    if attachment:  # the 附件 label belongs on the official attachment only
        sheet["A1"] = "{{ attachment_label }}"
        sheet["A1"].font = Font(name=HEADING_FONT, size=16)
    sheet.cell(2, 1, title).font = Font(name=TITLE_FONT, size=22)
    sheet.cell(2, 1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_column)
    sheet.row_dimensions[1].height = 24
    sheet.row_dimensions[2].height = 48
    sheet.row_dimensions[3].height = 30


def _section_row(sheet, row: int, last_column: int) -> None:
    cell = sheet.cell(row, 1, "{{ section.title }}")
    cell.font, cell.alignment = Font(name=HEADING_FONT, size=12), LEFT
    for column in range(1, last_column + 1):
        sheet.cell(row, column).border = BOX
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)


def _print_setup(sheet, title_rows: str, landscape: bool = True) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = title_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.6
    sheet.page_margins.top, sheet.page_margins.bottom = 0.8, 0.8
    page_numbers(sheet)


def _settings(workbook: Workbook, options: dict[str, str]) -> None:
    sheet = workbook.create_sheet("模板设置")
    sheet.append(["选项", "值", "说明"])
    notes = {"合并相同任务名称": "是/否：相邻任务名称相同时合并单元格",
             "章节行": "是/否：在每个“一、”章节前插入一行章节标题",
             "长单位名称在词间换行": "是/否：单位栏放不下的长单位名称在两个词之间换行（如“区人力资源／社会保障局”），"
                               "否则由 Excel 在行满处换行"}
    for key, value in options.items():
        sheet.append([key, value, notes.get(key, "")])
    sheet.column_dimensions["A"].width, sheet.column_dimensions["C"].width = 18, 50
    sheet.sheet_state = "hidden"


def task_table() -> Workbook:
    """任务分解表: the official attachment."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务分解表"
    columns = [("序号", "{{ task.seq }}", 6, False), ("任务名称", "{{ task.name }}", 18, False),
               ("任务内容", "{{ task.content }}", 62, True), ("牵头单位", "{{ task.lead }}", 15, False),
               ("责任单位", "{{ task.units }}", 18, False), ("配合单位", "{{ task.assist }}", 14, False),
               ("完成时限", "{{ task.deadline }}", 11, False)]
    _title_rows(sheet, len(columns), "{{ title }}")
    _columns(sheet, columns, 3, 5)
    _section_row(sheet, 4, len(columns))
    sheet.freeze_panes = "A4"
    _print_setup(sheet, "3:3")
    _settings(workbook, {"合并相同任务名称": "是", "章节行": "是", "长单位名称在词间换行": "是"})
    return workbook


def ledger() -> Workbook:
    """工作台账: the master table with progress columns and filters."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "工作台账"
    columns = [("序号", "{{ task.seq }}", 6, False), ("任务ID", "{{ task.id }}", 10, False),
               ("章节", "{{ task.chapter }}", 14, True), ("任务名称", "{{ task.name }}", 16, False),
               ("任务内容", "{{ task.content }}", 48, True), ("牵头单位", "{{ task.lead }}", 12, False),
               ("责任单位", "{{ task.units }}", 14, False), ("配合单位", "{{ task.assist }}", 12, False),
               ("完成时限", "{{ task.deadline }}", 10, False), ("到期日期", "{{ task.due }}", 13, False),
               ("进展情况", "{{ task.progress }}", 30, True), ("完成状态", "{{ task.status }}", 9, False),
               ("完成进度(%)", "{{ task.percent | default('') }}", 8, False),
               ("各单位状态", "{{ task.unit_statuses | default('') }}", 26, True),
               ("完成日期", "{{ task.done_date }}", 13, False), ("佐证材料", "{{ task.evidence }}", 16, True),
               ("最近更新", "{{ task.updated }}", 19, False), ("反馈单位", "{{ task.reporter }}", 12, False),
               ("核实情况", "{{ task.check | default('') }}", 16, True)]
    _title_rows(sheet, len(columns), "{{ title }}", attachment=False)
    _columns(sheet, columns, 3, 4)
    sheet.column_dimensions["B"].hidden = True
    sheet.freeze_panes = "A4"
    sheet.auto_filter.ref = f"A3:{sheet.cell(3, len(columns)).column_letter}3"
    _print_setup(sheet, "3:3")
    _settings(workbook, {"合并相同任务名称": "否", "章节行": "否"})
    return workbook


def feedback() -> Workbook:
    """单位反馈表: one unit's own tasks, progress columns to fill in."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务进展反馈"
    columns = [("序号", "{{ task.seq }}", 6, False), ("任务ID", "{{ task.id }}", 10, False),
               ("任务名称", "{{ task.name }}", 16, False), ("任务内容", "{{ task.content }}", 46, True),
               ("本单位角色", "{{ task.role }}", 12, False), ("完成时限", "{{ task.deadline }}", 10, False),
               ("进展情况", "{{ task.progress }}", 36, True), ("完成状态", "{{ task.status }}", 10, False),
               ("完成进度(%)", "{{ task.percent | default('') }}", 9, False),
               ("完成日期", "{{ task.done_date }}", 13, False), ("佐证材料", "{{ task.evidence }}", 18, True)]
    _title_rows(sheet, len(columns), "{{ title }}", attachment=False)
    _columns(sheet, columns, 3, 4)
    _signature_row(sheet, 5)
    sheet.column_dimensions["B"].hidden = True
    sheet.freeze_panes = "A4"
    _print_setup(sheet, "3:3")
    _settings(workbook, {"合并相同任务名称": "否", "章节行": "否"})
    return workbook


def _signature_row(sheet, row: int) -> None:
    """填报人 / 联系电话 / 审核人 under the tasks: labels, each followed by a cell to fill in."""
    spans = [("填报人", 1, 3), (None, 4, 4), ("联系电话", 5, 6), (None, 7, 7), ("审核人（单位负责人）", 8, 9),
             (None, 10, 11)]
    for label, first, last in spans:
        cell = sheet.cell(row, first, label)
        cell.font = Font(name=HEADING_FONT if label else BODY_FONT, size=12)
        cell.alignment = CENTER if label else LEFT
        for column in range(first, last + 1):
            sheet.cell(row, column).border = BOX
        if last > first:
            sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    sheet.row_dimensions[row].height = 36


def default_font(workbook: Workbook) -> Workbook:
    """Arial as the workbook's default font: column widths are measured in its digits, and
    LibreOffice has the metric-compatible Liberation Sans, so pages lay out as in Excel
    (Calibri becomes the wider DejaVu Sans there). openpyxl has no public call for it."""
    fonts = list(workbook._fonts)
    workbook._fonts = type(workbook._fonts)([Font(name="Arial", sz=11, family=2), *fonts[1:]])
    return workbook


def main() -> None:
    for name, build in (("任务分解表", task_table), ("工作台账", ledger), ("单位反馈表", feedback)):
        default_font(build()).save(HERE / f"{name}.xlsx")
        print(HERE / f"{name}.xlsx")


if __name__ == "__main__":
    main()
