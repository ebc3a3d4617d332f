"""The one status logic (addin.progress.status): vocabulary, roll-up over units, 序时 lights."""

from __future__ import annotations

from datetime import date

import pytest

from addin.errors import FenJieError
from addin.progress.model import LedgerTask, Progress
from addin.progress.status import (
    LATE_DONE,
    OVERDUE,
    Rules,
    read_percent,
    read_status,
    roll_up,
    rules_from_settings,
    view_task,
)


@pytest.mark.parametrize("typed, status, flagged", [
    ("已完成", "已完成", False), ("推进中", "推进中", False), ("未启动", "未启动", False),
    ("进行中", "推进中", False), ("完成", "已完成", False), ("未开始", "未启动", False),
    (" 已完成。", "已完成", False), ("已办结", "已完成", False), ("正在推进", "推进中", False),
    ("已完城", "已完成", True), ("推近中", "推进中", True), ("未启用", "未启动", True),
    ("基本完成", "", True), ("暂缓", "", True), ("#REF!", "", True), ("", "", False),
])
def test_read_status(typed, status, flagged):
    reading = read_status(typed)
    assert reading.status == status and bool(reading.note) == flagged
    assert reading.typed == typed.strip(), "what the unit typed is kept"
    if flagged:
        assert reading.note.startswith("需核实")


@pytest.mark.parametrize("typed, percent, problem", [
    (94, 94.0, ""), ("94 %", 94.0, ""), ("75％", 75.0, ""), (0.75, 75.0, ""), ("", None, ""), (None, None, ""),
    ("大半", None, "完成进度“大半”不是百分数"), (150, None, "完成进度“150”应在 0–100 之间"),
])
def test_read_percent(typed, percent, problem):
    assert read_percent(typed) == (percent, problem)


def _task(lead, units, due=date(2024, 12, 31), kind="continuous") -> LedgerTask:
    return LedgerTask("T1", 1, "一、", "任务", "内容", lead, units, [], "全年", [due], kind)


def _reports(**statuses) -> dict[str, Progress]:
    return {unit: Progress(unit, status=status[0], percent=status[1], done_date=status[2] if len(status) > 2 else None)
            for unit, status in statuses.items()}


@pytest.mark.parametrize("statuses, done_by, state", [
    ({"甲": ("已完成", None), "乙": ("推进中", None)}, "牵头", "部分完成"),
    ({"甲": ("已完成", None)}, "牵头", "已完成"),  # silent responsible units do not block the lead's 办结
    ({"甲": ("已完成", None), "乙": ("已完成", None)}, "牵头", "已完成"),
    ({"甲": ("已完成", None), "乙": ("未启动", None)}, "牵头", "部分完成"),
    ({"甲": ("已完成", None), "乙": ("已完成", None)}, "全部", "部分完成"),  # 丙 silent
    ({"甲": ("已完成", None), "乙": ("已完成", None), "丙": ("完成", None)}, "全部", "已完成"),
    ({"乙": ("未启动", None), "丙": ("未开始", None)}, "牵头", "未启动"),
    ({"乙": ("未启动", None), "丙": ("进行中", None)}, "牵头", "推进中"),
    ({}, "牵头", "未反馈"),
])
def test_roll_up(statuses, done_by, state):
    task = _task(["甲"], ["乙", "丙"])
    assert roll_up(task, Rules(done_by=done_by), _reports(**statuses)).state == state


AS_OF = date(2024, 9, 30)  # 74.8 % of 2024


@pytest.mark.parametrize("status, percent, light", [
    ("未启动", None, "红"), ("推进中", None, "绿"), ("推进中", 70, "绿"), ("推进中", 60, "黄"),
    ("推进中", 44, "红"), ("已完成", None, "绿"), ("", None, "黄"),
])
def test_full_year_task_lit_by_pace(status, percent, light):
    task = _task([], ["乙"])
    reports = _reports(乙=(status, percent)) if status else {}
    assert view_task(task, AS_OF, 2024, Rules(), reports).light == light


def test_thresholds_come_from_the_rules():
    task = _task([], ["乙"])
    reports = _reports(乙=("推进中", 60))
    assert view_task(task, AS_OF, 2024, Rules(yellow_gap=20, red_gap=40), reports).light == "绿"
    assert view_task(task, AS_OF, 2024, Rules(yellow_gap=5, red_gap=10), reports).light == "红"


def test_overdue_and_late_completion():
    task = _task(["甲"], [], due=date(2024, 8, 31), kind="fixed")
    late = view_task(task, AS_OF, 2024, Rules(), _reports(甲=("推进中", 90)))
    assert late.light == "红" and OVERDUE in late.assessment.flags
    done = view_task(task, AS_OF, 2024, Rules(), _reports(甲=("已完成", None, date(2024, 9, 10))))
    assert done.light == "绿" and LATE_DONE in done.assessment.flags
    future = view_task(task, AS_OF, 2024, Rules(), _reports(甲=("已完成", None, date(2024, 10, 9))))
    assert "完成日期晚于统计日期" in future.remarks() and future.needs_check


@pytest.mark.parametrize("values, message", [
    ({"黄灯阈值": "十"}, "“设置”中的黄灯阈值“十”不是数字。"),
    ({"办结认定": "主要领导"}, "“设置”中的办结认定“主要领导”无效：请写“牵头单位”或“全部责任单位”。"),
])
def test_bad_settings_are_clear_messages(values, message):
    with pytest.raises(FenJieError) as error:
        rules_from_settings(values)
    assert str(error.value) == message


def test_settings_defaults_and_choices():
    assert rules_from_settings({}) == Rules(done_by="牵头")  # a blank 设置 is the default rule, said explicitly
    assert Rules().done_by == ""  # unset: the rule the ledger remembers (status.settled)
    assert rules_from_settings({"黄灯阈值": "15%", "红灯阈值": "40", "办结认定": "全部责任单位", "临期预警天数": "7"}) \
        == Rules(15, 40, "全部", 7)


@pytest.mark.parametrize("name, group", [
    ("各部门", True), ("各街镇", True), ("相关单位", True), ("各有关部门", True), ("全区经济运行各专班", True),
    ("区政府各委办局", True), ("有关部门", True), ("区发改委等相关部门", True),
    ("区教育局", False), ("区委组织部", False), ("长寿路街道", False), ("区政府办公室", False), ("区城运中心", False),
    ("桃浦镇", False),
])
def test_groups_never_get_a_form(name, group):
    from addin.progress.split import is_group

    assert is_group(name) is group


def test_a_percentage_without_a_status_is_a_report():
    task = _task([], ["乙"])
    view = view_task(task, AS_OF, 2024, Rules(), {"乙": Progress("乙", percent=70)})
    assert (view.rollup.state, view.rollup.percent, view.light) == ("推进中", 70, "绿")
    assert view.unit_statuses() == "责任·推进中（1）：乙 70%"


def test_merge_reads_only_the_done_by_setting():
    """回收反馈 needs 办结认定 alone: a typo in 黄灯阈值 does not stop a merge (it stops the summary, by name)."""
    from addin.errors import FenJieError
    from addin.progress.status import done_by_from_settings

    typo = {"黄灯阈值": "十", "办结认定": "全部责任单位"}
    assert done_by_from_settings(typo) == "全部" and done_by_from_settings({}) == "牵头"
    with pytest.raises(FenJieError, match="“设置”中的黄灯阈值“十”不是数字。"):
        rules_from_settings(typo)
    with pytest.raises(FenJieError, match="办结认定“部分”无效"):
        done_by_from_settings({"办结认定": "部分"})
