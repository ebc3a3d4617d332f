"""The ledger (工作台账) as data: tasks with stable IDs and each unit's own progress."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

STATUSES = ("已完成", "推进中", "未启动")
ROLE_LEAD, ROLE_UNIT, ROLE_ASSIST = "牵头", "责任", "配合"
DONE_BY_SETTING = {"牵头": "牵头单位", "全部": "全部责任单位"}  # Rules.done_by → as 设置 and _台账信息 write it
# the feedback form's sheets, named here so that reading returns (merge) need not import the form writer
SHEET_FORM = "任务进展反馈"
SHEET_META = "_反馈信息"


def task_id(content: str, taken: set[str]) -> str:
    """A stable ID from the task text, so nothing depends on row positions."""
    digest = hashlib.sha1(re.sub(r"\s+", "", content).encode("utf-8")).hexdigest()[:8].upper()
    candidate, n = f"T{digest}", 2
    while candidate in taken:
        candidate, n = f"T{digest}-{n}", n + 1
    taken.add(candidate)
    return candidate


def text_checksum(texts: list[str]) -> str:
    """Checksum of task texts, to notice a returned form whose tasks were edited."""
    return hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest()[:16]


@dataclass
class Progress:
    """One unit's report on one task."""

    unit: str
    progress: str = ""
    status: str = ""
    done_date: date | None = None
    evidence: str = ""
    updated: str = ""  # when it was merged, ISO
    percent: float | None = None  # 完成进度(%)
    round: str = ""  # the round it was reported in
    date_text: str = ""  # a 完成日期 that could not be read, kept as typed
    reporter: str = ""  # 填报人
    phone: str = ""  # 联系电话
    reviewer: str = ""  # 审核人
    notes: str = ""  # why it needs checking (需核实, 填写有误), as shown in 反馈明细


@dataclass
class LedgerTask:
    """A task of the ledger with every unit's progress."""

    id: str
    seq: int
    chapter: str
    name: str
    content: str
    lead: list[str]
    units: list[str]
    assist: list[str]
    deadline: str
    due: list[date] = field(default_factory=list)
    kind: str = ""
    reports: dict[str, Progress] = field(default_factory=dict)  # unit -> progress
    issued_roles: dict[str, str] = field(default_factory=dict)  # recipient -> role it was sent with

    def role_of(self, unit: str) -> str:
        """牵头/责任/配合, or "" when the unit has no part in the task.

        A unit that received the task as a member of a group (各委办局 → 区教育局)
        has the group's role, as recorded when the task was sent.
        """
        if unit in self.lead:
            return ROLE_LEAD
        if unit in self.units:
            return ROLE_UNIT
        if unit in self.assist:
            return ROLE_ASSIST
        return self.issued_roles.get(unit, "")

    def all_units(self) -> list[str]:
        """Every unit with a role, lead first."""
        seen: list[str] = []
        for name in self.lead + self.units + self.assist:
            if name not in seen:
                seen.append(name)
        return seen

    history: list[Progress] = field(default_factory=list)  # reports of earlier rounds
    sent: bool = False  # the ledger has been split: issued_roles lists every recipient

@dataclass
class Ledger:
    """The whole ledger."""

    id: str
    title: str
    year: int
    tasks: list[LedgerTask]
    round: str = ""
    issued: dict[str, list[str]] = field(default_factory=dict)  # unit -> task IDs sent this round
    rounds: list[str] = field(default_factory=list)  # every round so far, oldest first
    done_by: str = ""  # 办结认定 the 工作台账's 完成状态 column follows (status.Rules.done_by); "" never chosen: 牵头

    @property
    def expected_units(self) -> list[str]:
        """The recipients of the current round."""
        return list(self.issued)

    def by_id(self) -> dict[str, LedgerTask]:
        return {t.id: t for t in self.tasks}

    @property
    def previous_round(self) -> str:
        """The round before the current one, or ""."""
        if self.round in self.rounds:
            index = self.rounds.index(self.round)
            return self.rounds[index - 1] if index else ""
        return self.rounds[-1] if self.rounds else ""

    def reports_as_of(self, task: LedgerTask, round_label: str) -> dict[str, Progress]:
        """Each unit's latest report on ``task`` up to and including ``round_label``."""
        order = {r: i for i, r in enumerate(self.rounds)}
        limit = order.get(round_label, len(order))
        latest: dict[str, Progress] = {}
        for report in [*task.history, *task.reports.values()]:
            if order.get(report.round, -1) <= limit:
                held = latest.get(report.unit)
                if held is None or order.get(held.round, -1) <= order.get(report.round, -1):
                    latest[report.unit] = report
        return latest

    def units(self) -> list[str]:
        """Every unit named in the ledger, in first-seen order."""
        seen: list[str] = []
        for task in self.tasks:
            for name in task.all_units():
                if name not in seen:
                    seen.append(name)
        return seen
