"""One status logic for the summary, `mail remind` and the ribbon's 催办.

Three steps, each a function:

1. :func:`read_status` — what a unit typed in 完成状态, read against the drop-down's
   vocabulary: the usual synonyms mapped (进行中 → 推进中), a one-character typo
   mapped and flagged (已完城 → 已完成, 需核实), anything else kept as typed and
   flagged; nothing dropped.
2. :func:`roll_up` — a task's state from all its units: 已完成 only when every lead
   unit reports 已完成 and no responsible unit reports it unfinished (or, with
   ``Rules.done_by == "全部"``, when every lead and responsible unit reports it);
   otherwise 部分完成 / 推进中 / 未启动; 未反馈 when no lead or responsible unit
   has reported.
3. :func:`assess` — the 序时进度 light on the report date: the reported 完成进度(%)
   (or the status when no percentage is given) against the share of the task's
   period elapsed. Green on pace, yellow 10–30 points behind, red more than 30
   behind, overdue, or not started once the period is under way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from .model import ROLE_ASSIST, ROLE_LEAD, ROLE_UNIT, Ledger, LedgerTask, Progress

DONE, ONGOING, NOT_STARTED = "已完成", "推进中", "未启动"
STATUSES = (DONE, ONGOING, NOT_STARTED)
PARTLY, SILENT = "部分完成", "未反馈"
TASK_STATES = (DONE, PARTLY, ONGOING, NOT_STARTED, SILENT)
RED, YELLOW, GREEN = "红", "黄", "绿"
LIGHTS = (RED, YELLOW, GREEN)
CHECK = "需核实"
OVERDUE, LATE_DONE, DONE_AFTER_REPORT, DUE_SOON = "逾期未完成", "逾期完成", "完成日期晚于统计日期", "临期"

# Words units write instead of the drop-down's three; collected from returned forms
# of several offices. Compared after removing spaces and punctuation.
SYNONYMS = {
    DONE: ("完成", "已完成", "已办结", "办结", "已落实", "已完结", "完结", "全部完成", "已经完成", "完毕", "已结束"),
    ONGOING: ("推进中", "进行中", "正在推进", "正在进行", "推进", "实施中", "正在实施", "已启动", "开展中",
              "正在开展", "持续推进", "稳步推进", "有序推进", "按序时推进", "办理中", "在办", "进展中"),
    NOT_STARTED: ("未启动", "未开始", "尚未启动", "尚未开始", "暂未启动", "暂未开展", "未开展", "未推进"),
}
_WORD = {word: status for status, words in SYNONYMS.items() for word in words}


@dataclass(frozen=True)
class StatusReading:
    """A typed status read against the vocabulary.

    Attributes:
        typed: The text as the unit typed it.
        status: 已完成 / 推进中 / 未启动, or "" when blank or not recognised.
        note: "" for an exact or synonym match, else why it needs checking (需核实).
    """

    typed: str
    status: str
    note: str = ""

    @property
    def counted(self) -> str:
        """The status it counts as: an unrecognised word counts as a report of work under way."""
        return self.status or (ONGOING if self.typed else "")


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one substituted, added or dropped character."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def read_status(text: object) -> StatusReading:
    """Read what a unit typed in 完成状态 (see the module docstring)."""
    typed = str(text or "").strip()
    key = re.sub(r"[\s。.，,；;！!、]+", "", typed)
    if not key:
        return StatusReading(typed, "")
    if key in _WORD:
        return StatusReading(typed, _WORD[key])
    near = sorted({_WORD[w] for w in _WORD if len(w) >= 3 and _one_edit(key, w)})
    if len(near) == 1:
        return StatusReading(typed, near[0], f"{CHECK}：“{typed}”按“{near[0]}”计")
    return StatusReading(typed, "", f"{CHECK}：完成状态“{typed}”不在下拉选项中，按原文保留")


def read_percent(value: object) -> tuple[float | None, str]:
    """(percentage 0–100, problem) from a 完成进度(%) cell: 94, "94 %", 0.94 (a % cell), "75％"."""
    if value is None or str(value).strip() == "":
        return None, ""
    if isinstance(value, bool):
        return None, f"完成进度“{value}”不是百分数"
    if isinstance(value, int | float):
        number = float(value) * (100 if 0 < float(value) < 1 else 1)
    else:
        found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[%％]?\s*", str(value))
        if not found:
            return None, f"完成进度“{value}”不是百分数"
        number = float(found.group(1))
    if not 0 <= number <= 100:
        return None, f"完成进度“{value}”应在 0–100 之间"
    return round(number, 1), ""


@dataclass(frozen=True)
class Rules:
    """The 设置 a 督办 office chooses (defaults: the public 督查督办 rules of several cities).

    Attributes:
        yellow_gap: Points behind the elapsed share that make a light yellow.
        red_gap: Points behind that make it red.
        done_by: "牵头" — 已完成 when every lead unit reports it and no responsible unit
            says otherwise; "全部" — only when every lead and responsible unit reports it;
            "" — the one the ledger remembers (:func:`settled`), 牵头 until settled.
        warn_days: A task due within this many days and not done is at least yellow (临期).
    """

    yellow_gap: float = 10
    red_gap: float = 30
    done_by: str = ""
    warn_days: int = 15


def settled(rules: Rules, ledger: Ledger) -> Rules:
    """``rules`` with an unset 办结认定 taken from the ledger (the one its 完成状态 column follows)."""
    return rules if rules.done_by else replace(rules, done_by=ledger.done_by)


DONE_BY_CHOICES = {"牵头": "牵头", "牵头单位": "牵头", "全部": "全部", "全部责任单位": "全部", "全部单位": "全部"}


def rules_from_settings(values: dict[str, str]) -> Rules:
    """Rules from the 设置 sheet (黄灯阈值, 红灯阈值, 办结认定, 临期预警天数); defaults where blank.

    Raises:
        FenJieError: a value that is no number, or an unknown 办结认定.
    """
    from ..errors import FenJieError

    def number(key: str, default: float) -> float:
        text = str(values.get(key) or "").strip().rstrip("%％")
        try:
            return float(text) if text else default
        except ValueError:
            raise FenJieError(f"“设置”中的{key}“{values.get(key)}”不是数字。") from None

    return Rules(number("黄灯阈值", 10), number("红灯阈值", 30), done_by_from_settings(values),
                 int(number("临期预警天数", 15)))


def done_by_from_settings(values: dict[str, str]) -> str:
    """The 办结认定 of the 设置 sheet (牵头 when blank); merge needs it alone, not the light thresholds.

    Raises:
        FenJieError: an unknown 办结认定.
    """
    from ..errors import FenJieError

    done_by = str(values.get("办结认定") or "牵头").strip()
    if done_by not in DONE_BY_CHOICES:
        raise FenJieError(f"“设置”中的办结认定“{done_by}”无效：请写“牵头单位”或“全部责任单位”。")
    return DONE_BY_CHOICES[done_by]


@dataclass(frozen=True)
class UnitStatus:
    """One unit's part of a task as shown on the task's row."""

    unit: str
    role: str
    reading: StatusReading
    percent: float | None

    @property
    def shown(self) -> str:
        """What the unit typed; else what it counts as; else 未反馈."""
        return self.reading.typed or self.reading.counted or SILENT

    def label(self) -> str:
        """区教育局（责任）：推进中 60%."""
        percent = f" {self.percent:g}%" if self.percent is not None else ""
        return f"{self.unit}（{self.role}）：{self.shown}{percent}"


@dataclass(frozen=True)
class Rollup:
    """A task's state from all its units."""

    state: str
    percent: float | None
    units: list[UnitStatus]
    notes: list[str] = field(default_factory=list)


def recipients(task: LedgerTask) -> dict[str, str]:
    """Every unit the task went to, with its role (as sent when split, else as named)."""
    if task.issued_roles or task.sent:
        return {unit: task.role_of(unit) for unit in task.issued_roles}
    return {unit: task.role_of(unit) for unit in task.all_units()}


def reading_of(report: Progress | None) -> StatusReading:
    """A report's status; a percentage given without a status counts as 推进中 (100: 已完成)."""
    reading = read_status(report.status if report else "")
    if report and not reading.typed and report.percent is not None:
        return StatusReading("", DONE if report.percent >= 100 else ONGOING)
    return reading


def unit_value(reading: StatusReading, percent: float | None) -> float | None:
    """How far a unit says it is, in percent: its 完成进度, else 100 for 已完成 and 0 for 未启动."""
    if percent is not None:
        return 100.0 if reading.counted == DONE else percent
    return {DONE: 100.0, NOT_STARTED: 0.0}.get(reading.counted)


def roll_up(task: LedgerTask, rules: Rules, reports: dict[str, Progress] | None = None) -> Rollup:
    """The task's state from every unit's report (``reports`` defaults to the task's latest)."""
    reports = task.reports if reports is None else reports
    roles = recipients(task)
    for unit in reports:
        roles.setdefault(unit, task.role_of(unit) or ROLE_ASSIST)
    units = [UnitStatus(u, role, reading_of(reports.get(u)), reports[u].percent if u in reports else None)
             for u, role in roles.items()]
    order = {ROLE_LEAD: 0, ROLE_UNIT: 1, ROLE_ASSIST: 2}
    units.sort(key=lambda s: order.get(s.role, 3))
    deciding = [s for s in units if s.role in (ROLE_LEAD, ROLE_UNIT)] or units
    notes = [f"{s.unit}：{reports[s.unit].notes or s.reading.note}" for s in units
             if s.unit in reports and (reports[s.unit].notes or s.reading.note)]
    said = [s for s in deciding if s.reading.counted]
    if not said:
        return Rollup(SILENT, None, units, notes)
    leads = [s for s in deciding if s.role == ROLE_LEAD] or deciding
    done = [s for s in said if s.reading.counted == DONE]
    if rules.done_by == "全部":
        finished = len(done) == len(deciding)
    else:
        finished = all(s.reading.counted == DONE for s in leads) and len(done) == len(said)
    values = [v for v in (unit_value(s.reading, s.percent) for s in said) if v is not None]
    percent = 100.0 if finished else (round(sum(values) / len(values), 1) if values else None)
    if not finished and percent == 100.0:
        percent = None  # units done and units without a percentage: how far the task is, nobody said
    if finished:
        state = DONE
    elif done:
        state = PARTLY
    elif all(s.reading.counted == NOT_STARTED and not s.percent for s in said):
        state = NOT_STARTED
    else:
        state = ONGOING
    return Rollup(state, percent, units, notes)


@dataclass(frozen=True)
class Assessment:
    """A task (or one unit's part of it) judged on the report date."""

    state: str
    light: str
    due: date | None
    elapsed: float | None  # share of the task's period elapsed, percent
    percent: float | None  # how far it is, percent (None: status only)
    flags: tuple[str, ...] = ()

    @property
    def pace(self) -> str:
        """按序时 / 慢于序时 / 逾期 / 已完成 / 未反馈."""
        if self.state == DONE:
            return DONE
        if OVERDUE in self.flags:
            return "逾期"
        if self.state == SILENT:
            return SILENT
        return "按序时" if self.light == GREEN else "慢于序时"


def current_due(task: LedgerTask, as_of: date) -> date | None:
    """The milestone a task is judged by: the next one due, else the last one."""
    if not task.due:
        return None
    upcoming = [d for d in task.due if d >= as_of]
    return upcoming[0] if upcoming else task.due[-1]


def elapsed_share(task: LedgerTask, as_of: date, year: int) -> tuple[date | None, float | None]:
    """(milestone, percent of its period elapsed on ``as_of``).

    The period runs from the previous milestone (or the start of the plan year)
    to the current one; a 全年/持续 task's single milestone is the year end.
    """
    due = current_due(task, as_of)
    if due is None:
        return None, None
    earlier = [d for d in task.due if d < due]
    start = max(earlier) if earlier else date(year or due.year, 1, 1)
    if due <= start:
        return due, 100.0 if as_of >= due else 0.0
    share = (as_of - start).days / (due - start).days
    return due, round(100 * min(1.0, max(0.0, share)), 1)


def assess(rollup_state: str, percent: float | None, task: LedgerTask, as_of: date, year: int, rules: Rules,
           done_date: date | None = None) -> Assessment:
    """The light of a task (or of one unit's report) on ``as_of`` (see the module docstring)."""
    due, elapsed = elapsed_share(task, as_of, year)
    flags: list[str] = []
    if rollup_state == DONE:
        if done_date and due and done_date > due:
            flags.append(LATE_DONE)
        if done_date and done_date > as_of:
            flags.append(DONE_AFTER_REPORT)
        return Assessment(DONE, GREEN, due, elapsed, 100.0, tuple(flags))
    if due and due < as_of:
        return Assessment(rollup_state, RED, due, elapsed, percent, (OVERDUE,))
    soon = due is not None and (due - as_of).days <= rules.warn_days
    if soon:
        flags.append(DUE_SOON)
    if rollup_state == SILENT:
        return Assessment(SILENT, YELLOW, due, elapsed, None, tuple(flags))
    value = 0.0 if rollup_state == NOT_STARTED and percent is None else percent
    light = GREEN
    if value is not None and elapsed is not None:
        gap = elapsed - value
        light = RED if gap > rules.red_gap else YELLOW if gap >= rules.yellow_gap else GREEN
        if rollup_state == NOT_STARTED and light == YELLOW:
            light = RED  # 督办 practice: a task not started once its period is under way is red
    if soon and light == GREEN:
        light = YELLOW
    return Assessment(rollup_state, light, due, elapsed, percent, tuple(flags))


def task_done_date(task: LedgerTask, reports: dict[str, Progress] | None = None) -> date | None:
    """The latest completion date any unit gave."""
    reports = task.reports if reports is None else reports
    dates = [r.done_date for r in reports.values() if r.done_date]
    return max(dates) if dates else None


@dataclass(frozen=True)
class TaskView:
    """Everything the summary, the ledger row and the reminders show of one task."""

    task: LedgerTask
    rollup: Rollup
    assessment: Assessment

    @property
    def light(self) -> str:
        return self.assessment.light

    @property
    def needs_check(self) -> bool:
        return bool(self.rollup.notes) or DONE_AFTER_REPORT in self.assessment.flags

    def unit_statuses(self, full: bool = True) -> str:
        """Each unit's status on one task, grouped: lead units by name, the others by status.

        ``full`` lists every unit (明细); otherwise units that are on their way are only
        counted, and those not started, silent or to be checked are named (逾期预警).
        """
        lines = [s.label() for s in self.rollup.units if s.role == ROLE_LEAD]
        groups: dict[tuple[str, str], list[str]] = {}
        for status in self.rollup.units:
            if status.role != ROLE_LEAD and (full or status.role == ROLE_UNIT):
                percent = f" {status.percent:g}%" if status.percent is not None else ""
                groups.setdefault((status.role, status.shown), []).append(status.unit + percent)
        for (role, shown), names in groups.items():
            quiet = not full and shown in (DONE, ONGOING) and len(names) > 3
            lines.append(f"{role}·{shown}（{len(names)}）" + ("" if quiet else "：" + "、".join(names)))
        return "\n".join(lines)

    def remarks(self) -> str:
        """逾期完成；需核实：… — what the clerk must look at."""
        parts = list(self.assessment.flags) + self.rollup.notes
        return "；".join(parts)


def view_task(task: LedgerTask, as_of: date, year: int, rules: Rules,
              reports: dict[str, Progress] | None = None) -> TaskView:
    """Roll up and assess one task."""
    rollup = roll_up(task, rules, reports)
    done_date = task_done_date(task, reports) if rollup.state == DONE else None
    return TaskView(task, rollup, assess(rollup.state, rollup.percent, task, as_of, year, rules, done_date))


def view_unit_part(task: LedgerTask, unit: str, as_of: date, year: int, rules: Rules,
                   report: Progress | None) -> Assessment:
    """One unit's own part of a task, judged by its own report."""
    reading = reading_of(report)
    state = reading.counted or SILENT
    percent = unit_value(reading, report.percent if report else None) if state != SILENT else None
    return assess(state, percent, task, as_of, year, rules, report.done_date if report else None)


def reminders(ledger, as_of: date, rules: Rules) -> dict[str, list[tuple[LedgerTask, Assessment, TaskView]]]:
    """Unit -> the tasks to remind it of (牵头 and 责任 parts only).

    The one computation behind `mail remind`, the ribbon's 催办 and the summary: a
    unit is reminded of a task when its own part is red or yellow and the summary
    shows the task red or yellow (逾期预警) — or when the unit has not reported on it
    at all (the summary's 未反馈). A task the summary shows green is never chased
    with a unit that has reported on it.
    """
    due: dict[str, list[tuple[LedgerTask, Assessment, TaskView]]] = {}
    for task in ledger.tasks:
        view = view_task(task, as_of, ledger.year, rules)
        for unit, role in recipients(task).items():
            if role not in (ROLE_LEAD, ROLE_UNIT):
                continue
            own = view_unit_part(task, unit, as_of, ledger.year, rules, task.reports.get(unit))
            if own.light in (RED, YELLOW) and (view.light != GREEN or own.state == SILENT):
                due.setdefault(unit, []).append((task, own, view))
    return due
