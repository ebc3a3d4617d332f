"""Peer programs for benchmarks/round_speed.py: the same work done by well-known libraries.

Usage:
    python benchmarks/peers.py xlsxwriter-forms LEDGER OUT_DIR ROUND
    python benchmarks/peers.py openpyxl-forms LEDGER OUT_DIR ROUND
    python benchmarks/peers.py calamine-read FOLDER
    python benchmarks/peers.py xlsxwriter-table TABLE OUT

The form writers read the ledger the way ``fenjie split`` does and write each unit's form
with the same rows, column widths, fonts, locked and unlocked cells, drop-down and date
validations, sheet protection, merged title, frozen header, print titles, guide sheet and
very hidden 反馈信息 sheet (checked: ``fenjie merge`` accepts their files). Each run is one
whole process, like the FenJie command it is compared with.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

HEADERS = ("序号", "任务ID", "任务名称", "任务内容", "本单位角色", "完成时限", "进展情况", "完成状态", "完成日期",
           "佐证材料")
WIDTHS = (6, 10, 16, 46, 10, 10, 36, 10, 12, 18)
EDITABLE = {6, 7, 8, 9}  # 0-based columns a unit fills in


def _forms(ledger_path: str, round_label: str):
    """(unit, title, rows, meta) of every form, from the ledger as FenJie reads it."""
    from addin.progress.ledger import load_ledger
    from addin.progress.model import text_checksum
    from addin.progress.split import GUIDE, recipients

    ledger = load_ledger(ledger_path)
    now = datetime.now().isoformat(timespec="seconds")
    for unit, tasks in recipients(ledger).items():
        rows = []
        for task in tasks:
            report = task.reports.get(unit)
            rows.append([task.seq, task.id, task.name, task.content, task.role_of(unit), task.deadline,
                         report.progress if report else "", report.status if report else "",
                         str(report.done_date or "") if report else "", report.evidence if report else ""])
        meta = [("台账编号", ledger.id), ("单位", unit), ("轮次", round_label),
                ("校验码", text_checksum([t.content for t in tasks])), ("任务数", len(tasks)), ("生成时间", now)]
        title = f"{ledger.title.removesuffix('工作台账')}任务进展反馈表（{unit}，{round_label}）"
        yield unit, title, rows, meta, GUIDE


def xlsxwriter_forms(ledger_path: str, out_dir: str, round_label: str) -> None:
    import xlsxwriter

    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for unit, title, rows, meta, guide in _forms(ledger_path, round_label):
        book = xlsxwriter.Workbook(str(Path(out_dir) / f"{unit}.xlsx"), {"in_memory": True})  # no temp files
        title_format = book.add_format({"font_name": "宋体", "bold": True, "font_size": 18, "align": "center",
                                        "valign": "vcenter"})
        head = book.add_format({"font_name": "黑体", "font_size": 12, "border": 1, "align": "center",
                                "valign": "vcenter", "text_wrap": True})
        locked = book.add_format({"font_name": "仿宋", "font_size": 12, "border": 1, "valign": "vcenter",
                                  "text_wrap": True})
        unlocked = book.add_format({"font_name": "仿宋", "font_size": 12, "border": 1, "valign": "vcenter",
                                    "text_wrap": True, "locked": False})
        dated = book.add_format({"font_name": "仿宋", "font_size": 12, "border": 1, "locked": False,
                                 "num_format": "yyyy-mm-dd"})
        sheet = book.add_worksheet("任务进展反馈")
        for column, width in enumerate(WIDTHS):
            sheet.set_column(column, column, width, None, {"hidden": column == 1})
        sheet.set_row(0, 24)
        sheet.merge_range(1, 0, 1, 9, title, title_format)
        sheet.set_row(1, 48)
        sheet.write_row(2, 0, HEADERS, head)
        for r, values in enumerate(rows, start=3):
            for c, value in enumerate(values):
                sheet.write(r, c, value, dated if c == 8 else unlocked if c in EDITABLE else locked)
        last = 2 + len(rows)
        sheet.data_validation(3, 7, last, 7, {"validate": "list", "source": ["已完成", "推进中", "未启动"],
                                              "error_title": "完成状态", "error_message": "请从下拉列表中选择。"})
        sheet.data_validation(3, 8, last, 8, {"validate": "date", "criteria": ">",
                                              "value": datetime(2000, 1, 1), "error_title": "完成日期"})
        sheet.protect("", {"format_rows": True, "autofilter": True})
        sheet.freeze_panes(3, 0)
        sheet.repeat_rows(2)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        info = book.add_worksheet("填报说明")
        info.set_column(0, 0, 110)
        for r, line in enumerate(("填报说明", *guide)):
            info.write(r, 0, line)
        hidden = book.add_worksheet("_反馈信息")
        for r, (key, value) in enumerate(meta):
            hidden.write_row(r, 0, (key, value))
        hidden.very_hidden()
        book.close()


def openpyxl_forms(ledger_path: str, out_dir: str, round_label: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, Protection, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    Path(out_dir).mkdir(parents=True, exist_ok=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    for unit, title, rows, meta, guide in _forms(ledger_path, round_label):
        book = Workbook(write_only=True)
        sheet = book.create_sheet("任务进展反馈")
        for column, width in enumerate(WIDTHS, start=1):
            sheet.column_dimensions[chr(64 + column)].width = width
        sheet.freeze_panes = "A4"
        sheet.print_title_rows = "3:3"
        sheet.page_setup.orientation = "landscape"
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToHeight = 0
        sheet.merged_cells.add("A2:J2")
        sheet.protection.sheet = True
        sheet.protection.formatRows = False
        status = DataValidation(type="list", formula1='"已完成,推进中,未启动"', allow_blank=True,
                                showErrorMessage=True)
        done = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
                              showErrorMessage=True)
        status.add(f"H4:H{3 + len(rows)}")
        done.add(f"I4:I{3 + len(rows)}")
        sheet.data_validations.append(status)
        sheet.data_validations.append(done)
        sheet.append([])
        cell = WriteOnlyCell(sheet, title)
        cell.font = Font(name="宋体", bold=True, size=18)
        sheet.append([cell])
        header = []
        for text in HEADERS:
            cell = WriteOnlyCell(sheet, text)
            cell.font, cell.border, cell.alignment = Font(name="黑体", size=12), box, wrap
            header.append(cell)
        sheet.append(header)
        for values in rows:
            out = []
            for c, value in enumerate(values):
                cell = WriteOnlyCell(sheet, value)
                cell.font, cell.border, cell.alignment = Font(name="仿宋", size=12), box, wrap
                if c in EDITABLE:
                    cell.protection = Protection(locked=False)
                out.append(cell)
            sheet.append(out)
        info = book.create_sheet("填报说明")
        for line in ("填报说明", *guide):
            info.append([line])
        hidden = book.create_sheet("_反馈信息")
        for key, value in meta:
            hidden.append([key, value])
        hidden.sheet_state = "veryHidden"
        book.save(Path(out_dir) / f"{unit}.xlsx")


def calamine_read(folder: str) -> None:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in sorted(Path(folder).glob("*.xlsx")):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += sum(len(r) for r in book.get_sheet_by_name(name).to_python())
    print(cells)


def xlsxwriter_table(table: str, out: str) -> None:
    """Read a written 任务分解 sheet with calamine and write its rows again with XlsxWriter."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(table).get_sheet_by_name("任务分解").to_python()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("任务分解")
    for r, values in enumerate(rows):
        sheet.write_row(r, 0, values, wrap)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows) - 1, len(rows[0]) - 1)
    book.close()


COMMANDS = {"xlsxwriter-forms": xlsxwriter_forms, "openpyxl-forms": openpyxl_forms, "calamine-read": calamine_read,
            "xlsxwriter-table": xlsxwriter_table}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
