"""A quarterly 督办 round on the 普陀 2024 plan as of 2024-09-30, with units that disagree and err.

Every figure of the 进度汇总 is checked against a count made here, from the returns
as written, by the rules of issue #14 restated independently of addin.progress.status.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from addin.cli import main
from addin.progress.ledger import load_ledger
from addin.progress.split import SHEET_FORM, SHEET_META

AS_OF = date(2024, 9, 30)
ROUND = "2024年第3季度"
STREETS = ("长寿路街道", "曹杨新村街道", "桃浦镇")
SILENT_UNIT = "区审计局"
# (status, percent, completion date) cycled over the other rows
CYCLE = (("推进中", None, None), ("推进中", 80, None), ("已完成", None, date(2024, 6, 30)), ("推进中", 50, None),
         ("", None, None), ("未启动", None, None), ("推进中", 20, None), ("进行中", 70, None))
ELAPSED_FULL_YEAR = 100 * (AS_OF - date(2024, 1, 1)).days / (date(2024, 12, 31) - date(2024, 1, 1)).days


def _directory(tmp: Path) -> Path:
    """The bundled 普陀 directory plus three 街镇 as members of 各街镇."""
    source = Path(__file__).resolve().parents[1] / "addin" / "units" / "samples" / "sample_putuo.csv"
    rows = list(csv.reader(source.open(encoding="utf-8")))
    rows += [[name, "", "街镇", "各街镇", "", "", "", "", ""] for name in STREETS]
    out = tmp / "单位名录.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return out


@pytest.fixture(scope="module")
def issued_round(corpus, tmp_path_factory):
    """The 普陀 plan decomposed, its ledger, and the round's forms: built once, copied per test."""
    import contextlib
    import io

    base = tmp_path_factory.mktemp("普陀")
    table = base / "分解表.xlsx"
    assert main(["decompose", str(corpus / "plans" / "putuo_2024.txt"), "-o", str(table),
                 "--sample-units", "普陀区"]) == 0
    ledger = base / "台账.xlsx"
    assert main(["ledger", str(table), "-o", str(ledger)]) == 0
    directory = _directory(base)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["split", str(ledger), "-o", str(base / "下发"), "--round", ROUND, "--units", str(directory)]) == 0
    return base, out.getvalue()


@pytest.fixture
def round_files(issued_round, tmp_path):
    base, split_out = issued_round
    shutil.copytree(base, tmp_path, dirs_exist_ok=True)
    return tmp_path, tmp_path / "台账.xlsx", tmp_path / "单位名录.csv", split_out


def _rows(sheet) -> tuple[dict[str, int], list[dict]]:
    header = {c.value: c.column for c in sheet[3] if c.value}
    rows = [{**{h: sheet.cell(r, c).value for h, c in header.items()}, "_row": r}
            for r in range(4, sheet.max_row + 1) if sheet.cell(r, header["任务ID"]).value]
    return header, rows


def _meta(workbook) -> dict:
    return {r[0]: r[1] for r in workbook[SHEET_META].iter_rows(values_only=True)}


def _choice(unit: str, seq: int, index: int, streets: set[str]) -> tuple[str, object, date | None]:
    if seq == 55:
        if unit == "区政府办公室":
            return "已完成", None, date(2024, 9, 10)
        return ("未启动", None, None) if unit in streets else ("推进中", None, None)
    if seq == 2 and unit == "区发展改革委":
        return "未启动", None, None
    if seq == 9 and unit == "区统计局":
        return "已完城", None, None
    if seq == 6 and unit == "区商务委":
        return "进行中", "94 %", None
    if seq == 8 and unit == "区商务委":
        return "推进中", "75 %", None
    return CYCLE[index % len(CYCLE)]


def fill_returns(split_dir: Path, returns: Path) -> dict:
    """Every unit but one fills its form; returns what each wrote: unit -> task id -> (role, status, %, date)."""
    returns.mkdir()
    written: dict[str, dict[str, tuple]] = {}
    for n, path in enumerate(sorted(split_dir.glob("*.xlsx"))):
        workbook = openpyxl.load_workbook(path)
        unit = _meta(workbook)["单位"]
        if unit == SILENT_UNIT:
            continue
        sheet = workbook[SHEET_FORM]
        header, rows = _rows(sheet)
        written[unit] = {}
        for k, row in enumerate(rows):
            status, percent, done = _choice(unit, row["序号"], n + k, set(STREETS))
            written[unit][row["任务ID"]] = (row["本单位角色"], status, percent, done, row["序号"])
            r = row["_row"]
            sheet.cell(r, header["进展情况"]).value = f"{unit}第{k + 1}项进展" if status else None
            sheet.cell(r, header["完成状态"]).value = status or None
            sheet.cell(r, header["完成进度(%)"]).value = percent
            sheet.cell(r, header["完成日期"]).value = done
        workbook.save(returns / path.name)
    return written


# ------------------------------------------------------------ the rules, restated for the count

CANON = {"已完成": "已完成", "推进中": "推进中", "未启动": "未启动", "进行中": "推进中", "已完城": "已完成"}


def _value(status: str, percent) -> float | None:
    if percent is not None:
        return float(str(percent).rstrip(" %"))
    return {"已完成": 100.0, "未启动": 0.0}.get(CANON[status])


def _light(state: str, value: float | None, seq: int) -> str:
    if state == "已完成":
        return "绿"
    if seq == 55:  # due 2024-08-31, past
        return "红"
    if state == "未反馈":
        return "黄"
    if state == "未启动":
        value = 0.0 if value is None else value
    if value is None:
        return "绿"
    gap = ELAPSED_FULL_YEAR - value
    if state == "未启动" and gap >= 10:
        return "红"
    return "红" if gap > 30 else "黄" if gap >= 10 else "绿"


def expected_tasks(written: dict, ledger) -> dict[str, tuple[str, str, float | None]]:
    """Task id -> (state, light, percent) from the returns."""
    out = {}
    for task in ledger.tasks:
        roles = {u: v[0] for u, rows in written.items() for tid, v in rows.items() if tid == task.id}
        roles.update({u: r for u, r in task.issued_roles.items() if u not in roles})
        said = {u: rows[task.id] for u, rows in written.items() if task.id in rows and rows[task.id][1]
                and rows[task.id][0] in ("牵头", "责任")}
        deciding = [u for u, r in roles.items() if r in ("牵头", "责任")]
        leads = [u for u in deciding if roles[u] == "牵头"] or deciding
        if not said:
            out[task.id] = ("未反馈", _light("未反馈", None, task.seq), None)
            continue
        done = [u for u, v in said.items() if CANON[v[1]] == "已完成"]
        finished = all(u in done for u in leads) and len(done) == len(said)
        values = [x for x in (_value(v[1], v[2]) for v in said.values()) if x is not None]
        percent = 100.0 if finished else (round(sum(values) / len(values), 1) if values else None)
        if not finished and percent == 100.0:
            percent = None  # some units done, the others gave no percentage
        if finished:
            state = "已完成"
        elif done:
            state = "部分完成"
        elif all(CANON[v[1]] == "未启动" for v in said.values()):
            state = "未启动"
        else:
            state = "推进中"
        out[task.id] = (state, _light(state, percent, task.seq), percent)
    return out


def _sheet_table(sheet, first_header: str) -> list[dict]:
    rows = list(sheet.values)
    start = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    return [dict(zip(rows[start], r, strict=False)) for r in rows[start + 1:] if r and r[0] is not None]


def test_quarterly_round_on_putuo(round_files, capsys):
    tmp, ledger_path, directory, split_out = round_files
    # Forms go to real units only; the groups the directory cannot expand are listed first.
    assert "需指定单位：“各有关部门”（任务 28）" in split_out and "需指定单位：“相关单位”（任务 61）" in split_out
    recipients = {_meta(openpyxl.load_workbook(p))["单位"] for p in (tmp / "下发").glob("*.xlsx")}
    assert set(STREETS) <= recipients and not any(
        u.startswith(("各", "相关", "有关", "全区")) for u in recipients), recipients
    assert not any("各" in p.name or "相关单位" in p.name for p in (tmp / "下发").glob("*.xlsx"))

    written = fill_returns(tmp / "下发", tmp / "回收")
    assert main(["merge", str(ledger_path), str(tmp / "回收")]) == 0
    merged_out = capsys.readouterr().out
    assert "需核实：" in merged_out and "已完城" in merged_out
    assert f"未反馈单位（1 个）：{SILENT_UNIT}" in merged_out

    out = tmp / "汇总.xlsx"
    assert main(["summary", str(ledger_path), "-o", str(out), "--as-of", AS_OF.isoformat()]) == 0
    ledger = load_ledger(ledger_path)
    expected = expected_tasks(written, ledger)
    summary = openpyxl.load_workbook(out)
    by_seq = {r["序号"]: r for r in _sheet_table(summary["明细"], "预警")}
    seq_of = {t.id: t.seq for t in ledger.tasks}

    # The cases of the issue.
    task55 = by_seq[55]
    assert task55["状态"] == "部分完成" and task55["预警"] == "红", task55
    assert "区政府办公室（牵头）：已完成" in task55["各单位状态"]
    assert "责任·未启动（3）：长寿路街道" in task55["各单位状态"]
    assert by_seq[2]["状态"] == "未启动" and by_seq[2]["预警"] in ("红", "黄")
    assert "责任·已完城（1）：区统计局" in by_seq[9]["各单位状态"] and "需核实" in by_seq[9]["提示"]
    assert by_seq[6]["完成进度"] == pytest.approx(0.94)

    # Each task's state and light.
    for task_id, (state, light, percent) in expected.items():
        row = by_seq[seq_of[task_id]]
        assert (row["状态"], row["预警"]) == (state, light), (seq_of[task_id], row, expected[task_id])
        assert row["完成进度"] == ("" if percent is None else pytest.approx(percent / 100)) or (
            percent is None and row["完成进度"] is None), (seq_of[task_id], row["完成进度"], percent)

    # 总体情况 against the count.
    overview = {r["指标"]: r for r in _sheet_table(summary["总体情况"], "指标")}
    states = [s for s, _, _ in expected.values()]
    lights = [x for _, x, _ in expected.values()]
    assert overview["任务总数"]["本轮"] == len(ledger.tasks) == 65
    for state in ("已完成", "部分完成", "推进中", "未启动", "未反馈"):
        assert overview[state]["本轮"] == states.count(state), state
    for light in "红黄绿":
        assert overview[f"{light}灯"]["本轮"] == lights.count(light), light
    assert overview["完成率"]["本轮"] == pytest.approx(states.count("已完成") / 65)
    assert overview["序时达标率"]["本轮"] == pytest.approx(lights.count("绿") / 65)
    assert overview["逾期未完成"]["本轮"] == (expected[ledger.tasks[54].id][0] != "已完成")
    issued = load_ledger(ledger_path).issued
    assert overview["单位反馈率"]["本轮"] == pytest.approx((len(issued) - 1) / len(issued))
    assert overview["需核实"]["本轮"] >= 1

    # 逾期预警: red and yellow only, every one of them.
    warnings = _sheet_table(summary["逾期预警"], "预警")
    assert sorted(r["预警"] for r in warnings) == sorted(x for x in lights if x != "绿")

    # 分单位: every recipient, silent last, feedback rate from the returns.
    units = _sheet_table(summary["分单位"], "排名")
    assert {r["单位"] for r in units} == set(issued)
    assert units[-1]["单位"] == SILENT_UNIT and units[-1]["排名"] == "未反馈"
    for row in units[:-1]:
        mine = written[row["单位"]]
        assert row["下发任务"] == len(issued[row["单位"]])
        assert row["已反馈"] == sum(1 for v in mine.values() if v[1]), row["单位"]
    assert [r["单位"] for r in _sheet_table(summary["未反馈单位"], "序号")] == [SILENT_UNIT]

    # 分板块 adds up.
    sections = _sheet_table(summary["分板块"], "板块")
    assert sum(r["任务数"] for r in sections) == 65 and sum(r["红灯"] for r in sections) == lights.count("红")
    assert summary["总体情况"]._charts and summary["分板块"]._charts
    chart = summary["分单位图"]._charts[0]
    colours = [getattr(s.graphicalProperties.solidFill.srgbClr, "val", s.graphicalProperties.solidFill.srgbClr)
               for s in chart.series]
    assert colours == ["E03C31", "F5B800", "3A9A48"], "red, yellow, green — not Office's defaults"
    assert chart.x_axis.delete is False and chart.x_axis.tickLblSkip == 1, "every unit's name on the axis"


def test_second_round_keeps_history_and_flags_late_completion(round_files, capsys):
    tmp, ledger_path, directory, _ = round_files
    fill_returns(tmp / "下发", tmp / "回收")
    assert main(["merge", str(ledger_path), str(tmp / "回收")]) == 0
    task55 = next(t for t in load_ledger(ledger_path).tasks if t.seq == 55)
    assert main(["split", str(ledger_path), "-o", str(tmp / "下发4"), "--round", "2024年第4季度",
                 "--units", str(directory)]) == 0
    returns = tmp / "回收4"
    returns.mkdir()
    for path in (tmp / "下发4").glob("*.xlsx"):
        workbook = openpyxl.load_workbook(path)
        sheet = workbook[SHEET_FORM]
        header, rows = _rows(sheet)
        for row in rows:
            if row["任务ID"] == task55.id:
                sheet.cell(row["_row"], header["完成状态"]).value = "已完成"
                sheet.cell(row["_row"], header["完成日期"]).value = date(2024, 9, 10)
                workbook.save(returns / path.name)
    capsys.readouterr()
    assert main(["merge", str(ledger_path), str(returns)]) == 0
    out = tmp / "汇总4.xlsx"
    assert main(["summary", str(ledger_path), "-o", str(out), "--as-of", "2024-10-15"]) == 0
    summary = openpyxl.load_workbook(out)
    row = next(r for r in _sheet_table(summary["明细"], "预警") if r["序号"] == 55)
    assert row["状态"] == "已完成" and "逾期完成" in row["提示"], row
    overview = {r["指标"]: r for r in _sheet_table(summary["总体情况"], "指标")}
    assert overview["逾期完成"]["本轮"] == 1 and overview["逾期完成"]["上轮"] == 0
    assert overview["已完成"]["变化"] == overview["已完成"]["本轮"] - overview["已完成"]["上轮"]
    sections = _sheet_table(summary["分板块"], "板块")
    assert all(isinstance(r["上轮序时达标率"], int | float) for r in sections), "each section against the last round"
    detail = list(openpyxl.load_workbook(ledger_path)["反馈明细"].values)
    rounds = {(r[2], r[4]) for r in detail[1:] if r[0] == task55.id}
    assert ("区政府办公室", ROUND) in rounds and ("区政府办公室", "2024年第4季度") in rounds
