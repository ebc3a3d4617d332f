"""Issue #15 item 4: a later return never erases an earlier one; odd cells are read or flagged.

Each case returns a form twice (or once, oddly filled) on the 庙行镇 2024 ledger and
checks the ledger, 反馈明细 and 合并记录 as a user would see them.
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from table_builders import build_official_table

from addin.cli import main
from addin.progress.ledger import CELL_LIMIT, load_ledger
from addin.progress.merge import merge_returns
from addin.progress.split import SHEET_FORM

UNIT = "镇党政办"
PROGRESS, EVIDENCE = "已召开专题会议，完成方案起草并报区政府办公室审核", "会议纪要、方案初稿"


@pytest.fixture
def issued(corpus, tmp_path):
    table = build_official_table(corpus / "truth" / "miaohang_2024.json", tmp_path / "分解表.xlsx")
    ledger = tmp_path / "台账.xlsx"
    assert main(["ledger", str(table), "-o", str(ledger)]) == 0
    assert main(["split", str(ledger), "-o", str(tmp_path / "下发"), "--round", "2024年第3季度"]) == 0
    return tmp_path, ledger


def _form(tmp: Path, unit: str = UNIT):
    path = next((tmp / "下发").glob(f"*_{unit}_*.xlsx"))
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[SHEET_FORM]
    columns = {c.value: c.column for c in sheet[3] if c.value}
    rows = [r for r in range(4, sheet.max_row + 1) if sheet.cell(r, columns["任务ID"]).value]
    return path, workbook, sheet, columns, rows


def _return(tmp: Path, name: str, fill, unit: str = UNIT) -> Path:
    """Fill a fresh copy of ``unit``'s form with ``fill(sheet, columns, rows)`` and merge it alone."""
    path, workbook, sheet, columns, rows = _form(tmp, unit)
    fill(sheet, columns, rows)
    folder = tmp / name
    folder.mkdir(exist_ok=True)
    workbook.save(folder / path.name)
    return folder


def _first_report(ledger_path: Path, tmp: Path, unit: str = UNIT):
    task_id = _form(tmp, unit)[2]["B4"].value
    return load_ledger(ledger_path).by_id()[task_id].reports.get(unit)


def _history(ledger_path: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(ledger_path)["合并记录"].values)[1:]


def _full(sheet, columns, rows) -> None:
    sheet.cell(rows[0], columns["进展情况"]).value = PROGRESS
    sheet.cell(rows[0], columns["完成状态"]).value = "推进中"
    sheet.cell(rows[0], columns["完成进度(%)"]).value = 60
    sheet.cell(rows[0], columns["佐证材料"]).value = EVIDENCE


def _rename(old: str, new: str):
    def fill(sheet, columns, rows):
        sheet.cell(3, columns[old]).value = new
        sheet.cell(rows[0], columns["完成状态"]).value = "已完成" if old != "完成状态" or new == "状态" else None
    return fill


def _delete_evidence(sheet, columns, rows):
    sheet.delete_cols(columns["佐证材料"])
    sheet.cell(rows[0], columns["完成状态"]).value = "已完成"


def _blank(sheet, columns, rows):
    sheet.cell(rows[0], columns["完成进度(%)"]).value = 80


def _shorter(sheet, columns, rows):
    sheet.cell(rows[0], columns["进展情况"]).value = "已召开专题会议"
    sheet.cell(rows[0], columns["完成状态"]).value = "推进中"


@pytest.mark.parametrize("second, status, line", [
    (_rename("完成状态", "状态"), "已完成", None),
    (_rename("完成状态", "情况备注"), "推进中", "缺少“完成状态”列（原有内容保留）"),
    (_delete_evidence, "已完成", "缺少“佐证材料”列（原有内容保留）"),
    (_blank, "推进中", "“进展情况”为空，保留原值"),
    (_shorter, "推进中", "“进展情况”比原值短，保留原值"),
], ids=["renamed_to_状态", "renamed_unknown", "evidence_deleted", "blank_cells", "shorter_text"])
def test_a_later_return_never_erases(issued, second, status, line):
    tmp, ledger = issued
    merge_returns(ledger, _return(tmp, "第一次", _full))
    report = merge_returns(ledger, _return(tmp, "第二次", second))
    kept = _first_report(ledger, tmp)
    assert (kept.status, kept.progress, kept.evidence) == (status, PROGRESS, EVIDENCE)
    if line:
        assert any(line in text for text in report.lines()), report.lines()
    if second is _shorter:
        conflict = [r for r in _history(ledger) if r[7] and "较短" in r[7]]
        assert conflict and conflict[0][6] == "已召开专题会议", "the shorter text itself is kept in 合并记录"
        before = ledger.read_bytes()
        merge_returns(ledger, tmp / "第二次")
        assert ledger.read_bytes() == before, "the same conflict is not logged twice"


def test_merged_cells_are_read_for_every_task_they_cover(issued):
    tmp, ledger = issued

    def fill(sheet, columns, rows):
        column = columns["进展情况"]
        sheet.cell(rows[0], column).value = "统一部署，按计划推进"
        sheet.merge_cells(start_row=rows[0], start_column=column, end_row=rows[4], end_column=column)
        for row in rows[:5]:
            sheet.cell(row, columns["完成状态"]).value = "推进中"

    merge_returns(ledger, _return(tmp, "合并单元格", fill))
    _, _, sheet, _, rows = _form(tmp)
    by_id = load_ledger(ledger).by_id()
    assert [by_id[sheet.cell(r, 2).value].reports[UNIT].progress for r in rows[:5]] == ["统一部署，按计划推进"] * 5


@pytest.mark.parametrize("typed, expected, problem", [
    ("6月30日", date(2024, 6, 30), None),
    ("2024.6.31", None, "完成日期“2024.6.31”不是有效日期"),
    (45473, date(2024, 6, 30), None),
    ("#REF!", None, "完成日期单元格是错误值“#REF!”"),
    ("30/06/2024", date(2024, 6, 30), None),
    ("二〇二四年六月三十日", date(2024, 6, 30), None),
    ("2024年6月30日", date(2024, 6, 30), None),
    ("20240630", date(2024, 6, 30), None),
    ("05/06/2024", None, "日月顺序不明"),
    ("六月底", None, "完成日期“六月底”无法识别"),
], ids=lambda v: str(v))
def test_every_date_is_read_or_flagged(issued, typed, expected, problem):
    tmp, ledger = issued

    def fill(sheet, columns, rows):
        cell = sheet.cell(rows[0], columns["完成日期"])
        cell.value = typed
        cell.number_format = "General"
        sheet.cell(rows[0], columns["完成状态"]).value = "已完成"

    report = merge_returns(ledger, _return(tmp, "日期", fill))
    kept = _first_report(ledger, tmp)
    assert kept.done_date == expected
    if problem:
        assert any(problem in m for *_, m in report.bad_values), report.bad_values
        assert kept.date_text == str(typed) and "填写有误" in kept.notes, "the typed text is kept, flagged"
        detail = list(openpyxl.load_workbook(ledger)["反馈明细"].values)
        assert any(row[8] == str(typed) for row in detail[1:]), "反馈明细 shows what was typed"
    else:
        assert not report.bad_values


def test_a_formula_without_cached_value_is_no_empty_report(issued):
    tmp, ledger = issued

    def fill(sheet, columns, rows):
        sheet.cell(rows[0], columns["进展情况"]).value = '="已完成"&"方案起草"'
        sheet.cell(rows[0], columns["完成状态"]).value = "推进中"

    report = merge_returns(ledger, _return(tmp, "公式", fill))
    kept = _first_report(ledger, tmp)
    assert kept.progress == '="已完成"&"方案起草"' and "公式未计算" in kept.notes
    assert any("公式未计算" in line for line in report.lines())
    cell = next(r for r in openpyxl.load_workbook(ledger)["反馈明细"].iter_rows(min_row=2) if r[2].value == UNIT)[5]
    assert cell.data_type == "s", "kept as text, never a live formula"


def test_three_reports_of_the_cell_limit_are_all_kept(issued):
    tmp, ledger = issued
    ledger_data = load_ledger(ledger)
    shared = next(t for t in ledger_data.tasks if len([u for u in t.issued_roles]) >= 3)
    units = list(shared.issued_roles)[:3]
    folder = tmp / "长文本"
    for n, unit in enumerate(units):
        def fill(sheet, columns, rows, n=n):
            for row in rows:
                if sheet.cell(row, columns["任务ID"]).value == shared.id:
                    sheet.cell(row, columns["进展情况"]).value = str(n) * CELL_LIMIT
                    sheet.cell(row, columns["完成状态"]).value = "推进中"
        _return(tmp, "长文本", fill, unit)
    merge_returns(ledger, folder)
    reports = load_ledger(ledger).by_id()[shared.id].reports
    assert [len(reports[u].progress) for u in units] == [CELL_LIMIT] * 3
    assert {reports[u].progress[0] for u in units} == {"0", "1", "2"}
    sheet = openpyxl.load_workbook(ledger)["工作台账"]
    cells = [c.value for row in sheet.iter_rows(min_row=4) for c in row if isinstance(c.value, str)]
    assert all(len(v) <= CELL_LIMIT for v in cells)
    assert any(v.endswith("（全文见“反馈明细”）") for v in cells)


def test_a_unit_returning_twice_in_one_folder_loses_nothing(issued):
    tmp, ledger = issued
    first = _return(tmp, "两次", _full)
    earlier = next(first.glob("*.xlsx"))
    earlier.rename(earlier.with_name("第一次_" + earlier.name))
    old = time.time() - 3600
    os.utime(first / ("第一次_" + earlier.name), (old, old))
    _return(tmp, "两次", _delete_evidence)
    report = merge_returns(ledger, first)
    kept = _first_report(ledger, tmp)
    assert (kept.status, kept.evidence) == ("已完成", "会议纪要、方案初稿")
    assert report.duplicates and "重复报送" in "\n".join(report.lines())



def test_a_column_the_unit_added_is_kept_in_the_notes(issued):
    tmp, ledger = issued

    def fill(sheet, columns, rows):
        extra = sheet.max_column + 1
        sheet.cell(3, extra).value = "备注"
        sheet.cell(rows[0], extra).value = "需区里协调场地"
        sheet.cell(rows[0], columns["完成状态"]).value = "推进中"

    report = merge_returns(ledger, _return(tmp, "加列", fill))
    assert "另填“备注”：需区里协调场地" in _first_report(ledger, tmp).notes
    assert any("另填“备注”" in line for line in report.lines())


def test_a_ledger_from_an_older_fenjie_keeps_its_reports(issued):
    """反馈明细 of the previous layout (9 columns, no 轮次) is read by header and rewritten in the new one."""
    tmp, ledger = issued
    task_id = _form(tmp)[2]["B4"].value
    workbook = openpyxl.load_workbook(ledger)
    detail = workbook["反馈明细"]
    detail.delete_rows(1, detail.max_row)
    detail.append(["任务ID", "序号", "单位", "角色", "进展情况", "完成状态", "完成日期", "佐证材料", "最近更新"])
    detail.append([task_id, 1, UNIT, "牵头", "上季度已完成方案", "推进中", None, "方案", "2024-06-30T10:00:00"])
    workbook.save(ledger)
    merge_returns(ledger, _return(tmp, "新表", _blank))
    kept = _first_report(ledger, tmp)
    assert (kept.progress, kept.status, kept.evidence, kept.percent) == ("上季度已完成方案", "推进中", "方案", 80)
    header = [c.value for c in openpyxl.load_workbook(ledger)["反馈明细"][1]]
    assert header[:6] == ["任务ID", "序号", "单位", "角色", "轮次", "进展情况"]
