"""The progress cycle end to end on the baoshan_2020_table ledger, against an independent count."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from pdf_checks import pdf_text, render_pdf, soffice_available, squeeze
from table_builders import build_official_table

from addin.cli import main
from addin.progress.ledger import load_ledger
from addin.progress.merge import merge_returns
from addin.progress.split import SHEET_FORM, SHEET_META

AS_OF = date(2020, 9, 20)
WARN_DAYS = 15
STATUS_CYCLE = ("已完成", "推进中", "未启动", "推进中", "")


@pytest.fixture
def cycle(corpus, tmp_path):
    table = build_official_table(corpus / "truth" / "baoshan_2020_table.json", tmp_path / "分解表.xlsx")
    ledger = tmp_path / "台账.xlsx"
    assert main(["ledger", str(table), "-o", str(ledger)]) == 0
    assert main(["split", str(ledger), "-o", str(tmp_path / "下发"), "--round", "2020年第3季度",
                 "--sample-units", "宝山区"]) == 0
    return tmp_path, ledger


def _form_rows(sheet) -> list[dict]:
    header = [c.value for c in sheet[3]]
    return [dict(zip(header, (c.value for c in row), strict=False), _row=row[0].row)
            for row in sheet.iter_rows(min_row=4) if row[1].value]


def _meta(workbook) -> dict:
    return {r[0]: r[1] for r in workbook[SHEET_META].iter_rows(values_only=True)}


def fill_returns(split_dir: Path, returns: Path) -> dict:
    """Fill every unit's form but one; return what was written, independently of FenJie."""
    returns.mkdir()
    forms = sorted(split_dir.glob("*.xlsx"))
    missing = _meta(openpyxl.load_workbook(forms[-1]))["单位"]
    written: dict[str, dict[str, tuple[str, str]]] = {}  # unit -> task id -> (status, role)
    specials = {}
    for n, form in enumerate(forms[:-1]):
        workbook = openpyxl.load_workbook(form)
        sheet, unit = workbook[SHEET_FORM], _meta(workbook)["单位"]
        column = {c.value: c.column_letter for c in sheet[3] if c.value}
        written[unit] = {}
        for k, row in enumerate(_form_rows(sheet)):
            status = STATUS_CYCLE[(n + k) % len(STATUS_CYCLE)] if k else "推进中"  # every unit reports once
            written[unit][row["任务ID"]] = (status, row["本单位角色"], row["完成时限"])
            r = row["_row"]
            sheet[f"{column['进展情况']}{r}"] = f"{unit}：第{k + 1}项进展" if status else None
            sheet[f"{column['完成状态']}{r}"] = status or None
            if status == "已完成":
                sheet[f"{column['完成日期']}{r}"] = date(2020, 8, 1 + k % 20)
        if n == 0:  # edits the locked task text
            specials["edited"] = (unit, sheet["B4"].value)
            sheet["D4"] = sheet["D4"].value + "（本单位修改）"
        if n == 1:  # adds a row of its own, below its tasks and above the signature block
            last = 4 + len(written[unit])
            sheet.insert_rows(last)
            sheet[f"D{last}"], sheet[f"G{last}"] = "本单位自行增加的工作", "已开展"
            specials["added"] = unit
        workbook.save(returns / form.name)
    donor = returns / forms[2].name  # another unit's return, relabelled as the first unit's
    wrong = openpyxl.load_workbook(donor)
    for row in wrong[SHEET_META].iter_rows():
        if row[0].value == "单位":
            row[1].value = _meta(openpyxl.load_workbook(forms[0]))["单位"]
    wrong.save(returns / "错报_其他单位的表.xlsx")
    return {"written": written, "missing": missing, **specials}


def _sheet_table(sheet, first_header: str) -> list[dict]:
    rows = list(sheet.values)
    start = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    return [dict(zip(rows[start], r, strict=False)) for r in rows[start + 1:] if r and r[0] is not None]


def test_round_trip_split_merge_summary(cycle, capsys):
    """The merge report's findings, idempotence, and a summary whose 反馈 figures match the returns.

    The status and light figures are checked against an independent count in
    test_progress_round.py (the 普陀 round of issue #14).
    """
    tmp, ledger_path = cycle
    data = fill_returns(tmp / "下发", tmp / "回收")
    capsys.readouterr()
    assert main(["merge", str(ledger_path), str(tmp / "回收")]) == 0
    out = capsys.readouterr().out
    edited_unit, edited_id = data["edited"]
    assert "任务内容被改动（已保留台账原文）：" in out and f"任务 {edited_id}" in out
    assert "新增的行未合并：" in out and f"（{data['added']}）" in out
    assert "未合并：错报_其他单位的表.xlsx：表中的任务与下发给" in out
    assert f"未反馈单位（1 个）：{data['missing']}" in out
    assert "填写有误" not in out

    ledger = load_ledger(ledger_path)
    edited = ledger.by_id()[edited_id]
    assert not edited.content.endswith("（本单位修改）"), "the ledger keeps its own task text"
    history = list(openpyxl.load_workbook(ledger_path)["合并记录"].values)
    assert len(history) > 1
    assert any("本单位自行增加的工作" in str(r[6]) for r in history), "an added row's text is kept in 合并记录"
    for unit, rows in data["written"].items():
        for task_id, (status, _, _) in rows.items():
            report = ledger.by_id()[task_id].reports.get(unit)
            assert (report.status if report else "") == status, (unit, task_id)

    before = ledger_path.read_bytes()
    assert main(["merge", str(ledger_path), str(tmp / "回收")]) == 0
    assert ledger_path.read_bytes() == before, "merging the same files twice changes nothing"

    assert main(["summary", str(ledger_path), "-o", str(tmp / "汇总.xlsx"), "--as-of", AS_OF.isoformat()]) == 0
    summary = openpyxl.load_workbook(tmp / "汇总.xlsx")
    overview = {r["指标"]: r["本轮"] for r in _sheet_table(summary["总体情况"], "指标")}
    assert overview["任务总数"] == len(ledger.tasks) == 59
    assert sum(overview[s] for s in ("已完成", "部分完成", "推进中", "未启动", "未反馈")) == 59
    assert sum(overview[f"{x}灯"] for x in "红黄绿") == 59
    by_unit = {r["单位"]: r for r in _sheet_table(summary["分单位"], "排名")}
    for unit, rows in data["written"].items():
        assert by_unit[unit]["已反馈"] == sum(1 for status, _, _ in rows.values() if status), unit
    silent = [r["单位"] for r in _sheet_table(summary["未反馈单位"], "序号")]
    assert silent == [data["missing"]]
    assert by_unit[data["missing"]]["排名"] == "未反馈"
    warnings = Counter(r["预警"] for r in _sheet_table(summary["逾期预警"], "预警"))
    assert set(warnings) <= {"红", "黄"} and sum(warnings.values()) == overview["红灯"] + overview["黄灯"]
    assert summary["总体情况"]._charts and summary["分单位图"]._charts, "native charts"
    _assert_printed_as_an_office_writes(tmp / "汇总.xlsx", summary)


def _assert_printed_as_an_office_writes(path: Path, summary) -> None:
    """Dates read 2020年9月20日 (date cells stay dates) and pages carry the GB/T 9704 "— N —" footer."""
    assert summary["总体情况"]["A2"].value.startswith("统计截至：2020年9月20日")
    details = summary["明细"]
    header = {c.value: c.column for c in details[2]}
    for name in ("到期日期", "完成日期"):
        cells = [details.cell(r, header[name]) for r in range(3, details.max_row + 1)]
        dated = [c for c in cells if c.value not in (None, "")]
        assert dated, name
        assert all(c.is_date and c.number_format == 'yyyy"年"m"月"d"日"' for c in dated), name
    for sheet in summary.worksheets:
        assert sheet.HeaderFooter.differentOddEven, sheet.title
        assert sheet.oddFooter.right.text == "— &P —" == sheet.evenFooter.left.text, sheet.title
        assert not sheet.oddFooter.center.text, sheet.title
    if not soffice_available():
        return
    text = pdf_text(render_pdf(path, path.parent))
    assert "2020年9月20日" in text and "—2—" in squeeze(text), "Chinese dates, GB/T 9704 page numbers"
    assert not re.search(r"20\d\d-\d\d-\d\d", text), "no ISO date on paper"


def test_feedback_form_is_locked_and_holds_only_its_unit(cycle):
    tmp, ledger_path = cycle
    ledger = load_ledger(ledger_path)
    form_path = next((tmp / "下发").glob("2020年第3季度_区融媒体中心_任务进展反馈表.xlsx"))
    workbook = openpyxl.load_workbook(form_path)
    sheet = workbook[SHEET_FORM]
    assert sheet.protection.sheet
    rows = _form_rows(sheet)
    assert {r["任务ID"] for r in rows} == set(ledger.issued["区融媒体中心"])
    assert all(r["本单位角色"] in ("牵头", "责任", "配合") for r in rows)
    r = rows[0]["_row"]
    assert sheet[f"D{r}"].protection.locked and not sheet[f"G{r}"].protection.locked
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    status = next(v for ref, v in validations.items() if ref.startswith("H"))
    assert status.formula1 == '"已完成,推进中,未启动"' and status.showErrorMessage
    assert workbook[SHEET_META].sheet_state == "veryHidden"
    assert [s for s in workbook.sheetnames if s not in (SHEET_FORM, "填报说明", SHEET_META)] == []
    guide = workbook["填报说明"]
    assert guide.page_setup.orientation == "landscape" and guide.sheet_properties.pageSetUpPr.fitToPage
    header = {c.value: c for c in sheet[3] if c.value}
    assert "完成进度(%)" in header
    labels = [c for row in sheet.iter_rows(min_row=4) for c in row if c.value in ("填报人", "联系电话")]
    assert len(labels) == 2, "the 填报人 / 联系电话 / 审核人 block under the tasks"
    assert not sheet.cell(labels[0].row, 4).protection.locked
    other_text = next(t.content for t in ledger.tasks if t.id not in ledger.issued["区融媒体中心"])
    cells = " ".join(str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert other_text not in cells, "no other unit's task in the file"


def test_wrong_round_and_foreign_files(cycle, tmp_path):
    tmp, ledger_path = cycle
    returns = tmp / "杂项"
    returns.mkdir()
    form = next((tmp / "下发").glob("*.xlsx"))
    workbook = openpyxl.load_workbook(form)
    for row in workbook[SHEET_META].iter_rows():
        if row[0].value == "轮次":
            row[1].value = "2020年第2季度"
    workbook.save(returns / "上一轮.xlsx")
    shutil.copy(tmp / "分解表.xlsx", returns / "不是反馈表.xlsx")
    (returns / "损坏.xlsx").write_bytes(b"garbage")
    report = merge_returns(ledger_path, returns)
    reasons = dict(report.rejected)
    assert reasons["上一轮.xlsx"] == "轮次不符：表中为“2020年第2季度”，本轮为“2020年第3季度”"
    assert reasons["不是反馈表.xlsx"] == reasons["损坏.xlsx"] == "不是 FenJie 下发的反馈表，或文件已损坏"
    assert len(report.missing_units) == len(load_ledger(ledger_path).issued)


def test_duplicate_return_newest_counts(cycle):
    tmp, ledger_path = cycle
    returns = tmp / "重复"
    returns.mkdir()
    form = next((tmp / "下发").glob("*区融媒体中心*.xlsx"))
    for name, status in (("第一次.xlsx", "推进中"), ("第二次.xlsx", "已完成")):
        workbook = openpyxl.load_workbook(form)
        workbook[SHEET_FORM]["H4"] = status
        workbook.save(returns / name)
    report = merge_returns(ledger_path, returns)
    assert report.duplicates == [("第一次.xlsx", "区融媒体中心")]
    task_id = openpyxl.load_workbook(form)[SHEET_FORM]["B4"].value
    assert load_ledger(ledger_path).by_id()[task_id].reports["区融媒体中心"].status == "已完成"


def test_done_by_rule_is_remembered_by_the_ledger(cycle, capsys):
    """办结认定 chosen at merge (全部责任单位) drives the 工作台账's 完成状态, is remembered in _台账信息, and a
    summary or a later merge without --done-by follows it: the ledger and the 进度汇总 never disagree."""
    from addin.progress.status import Rules, roll_up

    tmp, ledger_path = cycle
    fill_returns(tmp / "下发", tmp / "回收")
    task = next(t for t in load_ledger(ledger_path).tasks if t.lead and t.units)
    for form in (tmp / "回收").glob("*.xlsx"):  # its lead reports it done, its responsible units stay silent
        workbook = openpyxl.load_workbook(form)
        sheet, unit = workbook[SHEET_FORM], _meta(workbook)["单位"]
        column = {c.value: c.column_letter for c in sheet[3] if c.value}
        for row in _form_rows(sheet):
            if row["任务ID"] == task.id:
                done = unit in task.lead
                sheet[f"{column['完成状态']}{row['_row']}"] = "已完成" if done else None
                sheet[f"{column['进展情况']}{row['_row']}"] = "已办结" if done else None
        workbook.save(form)
    assert main(["merge", str(ledger_path), str(tmp / "回收"), "--done-by", "全部责任单位"]) == 0
    ledger = load_ledger(ledger_path)
    assert ledger.done_by == "全部"
    sheet = openpyxl.load_workbook(ledger_path)["工作台账"]
    header = next(r for r in range(1, 10) if "任务ID" in [c.value for c in sheet[r]])
    column = {c.value: c.column - 1 for c in sheet[header] if c.value}
    shown = {row[column["任务ID"]]: row[column["完成状态"]] or "" for row in
             sheet.iter_rows(min_row=header + 1, values_only=True) if row[column["任务ID"]]}
    strict = {t.id: roll_up(t, Rules(done_by="全部")).state if t.reports else "" for t in ledger.tasks}
    lenient = {t.id: roll_up(t, Rules(done_by="牵头")).state if t.reports else "" for t in ledger.tasks}
    assert shown == strict and strict != lenient  # the rule made a difference on this ledger, and was followed

    assert main(["summary", str(ledger_path), "-o", str(tmp / "汇总.xlsx"), "--as-of", AS_OF.isoformat()]) == 0
    notes = " ".join(str(v) for row in openpyxl.load_workbook(tmp / "汇总.xlsx")["总体情况"].values for v in row if v)
    assert "办结认定：全部牵头和责任单位报已完成" in notes
    before = ledger_path.read_bytes()
    assert main(["merge", str(ledger_path), str(tmp / "回收")]) == 0
    assert ledger_path.read_bytes() == before  # nothing new, the remembered rule kept
