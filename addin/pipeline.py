"""The whole plan → draft table job, as both front doors run it.

document → outline → task rows → units → deadlines, plus the findings (unknown
units, unreadable deadlines) a person should look at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .columns import explain_tables
from .deadlines import DEFAULT_DEADLINE, DEFAULT_YEAR_END, DeadlineKind, deadline_for, find_deadline_text, note_deadline
from .decompose import Granularity, TaskRow, decompose
from .errors import OutlineError
from .findings import Finding, Severity
from .outline import Outline, parse_outline, table_plan_outline
from .plan import read_plan
from .plan.model import PlanText
from .table import read_task_table, rows_from_grid, table_header
from .task_names import name_blocks
from .units.cells import split_glued_units
from .units.directory import UnitDirectory, nearest_hint
from .units.infer import UnitSource, addressee_units, assign_units, expand_groups, states_unit
from .units.mapping import UnitMapping, cascade
from .units.mentions import is_known_unit

SHEET_TASKS = "任务分解"


@dataclass
class DraftOptions:
    """Choices for :func:`draft_from_plan`."""

    granularity: Granularity = Granularity.REQUIREMENT
    directory: UnitDirectory | None = None
    mapping: UnitMapping | None = None
    default_deadline: str = DEFAULT_DEADLINE
    year: int | None = None  # the plan year; default: the year in the plan's title
    use_addressees: bool = True
    expand_groups: bool = False  # 各委办局 → each member unit of the directory
    year_end: str = DEFAULT_YEAR_END  # 完成时限 of a requirement due "年内"/"年底前"


@dataclass
class Draft:
    """A decomposed plan: its outline, task rows and findings."""

    outline: Outline
    rows: list[TaskRow]
    findings: list[Finding] = field(default_factory=list)


def assign_deadlines(rows: list[TaskRow], outline: Outline, default: str, year: int | None,
                     year_end: str = DEFAULT_YEAR_END) -> None:
    """Fill 完成时限 (house style), its kind and due dates for every row."""
    plan_year = year or outline.year
    for row in rows:
        if row.deadline_note:
            deadline = note_deadline(row.deadline_note, plan_year or date.today().year, outline.issued)
        else:
            deadline = deadline_for(row.content, plan_year, default, outline.issued, year_end)
            row.deadline_defaulted = not find_deadline_text(row.content)
        row.deadline = deadline.display
        row.deadline_kind = deadline.kind.value
        row.due = "、".join(d.isoformat() for d in deadline.due)


def _year_findings(outline: Outline, year: int | None) -> list[Finding]:
    """A finding when neither the title, the document number, the date nor the text gives the plan year."""
    if year or outline.year:
        return []
    today = date.today().year
    return [Finding("plan.year", Severity.WARNING, SHEET_TASKS, "",
                    f"未能从标题、文号或印发日期确定计划年度，到期日期暂按{today}年计算；"
                    "请在“设置”工作表填写“计划年度”（命令行用 --year）后重新识别完成时限。", str(today))]


def unknown_unit_findings(rows: list[TaskRow], directory: UnitDirectory, first_row: int = 2) -> list[Finding]:
    """A finding for each unit name that is neither in the directory nor a group expression."""
    from .workbook import TASK_HEADERS, column_letter

    findings = []
    for offset, row in enumerate(rows):
        for role, header in (("lead", "牵头单位"), ("units", "责任单位"), ("assist", "配合单位")):
            for name in getattr(row, role):
                if is_known_unit(directory, name):
                    continue
                near = directory.nearest(name)
                cell = f"{column_letter(TASK_HEADERS.index(header))}{first_row + offset}"
                message = f"{header}“{name}”不在单位名录中{nearest_hint(near)}。"
                findings.append(Finding("unit.unknown", Severity.WARNING, SHEET_TASKS, cell, message,
                                        near[0] if near else ""))
    return findings


def _deadline_column() -> str:
    """The letter of 完成时限 on the 任务分解 sheet, where deadline findings point."""
    from .workbook import TASK_HEADERS, column_letter

    return column_letter(TASK_HEADERS.index("完成时限"))


def _deadline_findings(rows: list[TaskRow], first_row: int = 2) -> list[Finding]:
    column = _deadline_column()
    return [
        Finding("deadline.unparsed", Severity.WARNING, SHEET_TASKS, f"{column}{first_row + i}",
                f"完成时限“{row.deadline}”无法识别，已按原文保留。")
        for i, row in enumerate(rows) if row.deadline_kind == DeadlineKind.UNKNOWN.value
    ]


def _defaulted_deadline_findings(rows: list[TaskRow], first_row: int = 2) -> list[Finding]:
    """One hint naming the rows whose 完成时限 is the house default, not the plan's words.

    A default is a choice, not a fact of the plan: the person must be able to tell the two
    apart before the table goes out (one hint, not one per row, so it is read).
    """
    column = _deadline_column()
    cells = [f"{column}{first_row + i}" for i, row in enumerate(rows) if row.deadline_defaulted]
    if not cells:
        return []
    shown = "、".join(cells[:12]) + ("等" if len(cells) > 12 else "")
    default = next(row.deadline for row in rows if row.deadline_defaulted)
    return [Finding("deadline.defaulted", Severity.HINT, SHEET_TASKS, cells[0],
                    f"{len(cells)} 项任务原文未写完成时限，已按默认“{default}”填写（{shown}），请核对后下发。")]


def unstated_unit_findings(rows: list[TaskRow], addressees: str, first_row: int = 2) -> list[Finding]:
    """Findings (未注明责任单位) for tasks whose text names no unit, with the addressees as a suggestion.

    The notice's addressees are who the plan is sent to, not a statement of who does
    one task: an empty task gets a warning offering them with their source. A task
    filled from a suggestion gets a hint; a plan that names no unit anywhere, filled
    from the addressees, gets one hint for all its tasks (each is marked 通知主送 in 单位来源).
    """
    from .workbook import TASK_HEADERS, column_letter

    column = column_letter(TASK_HEADERS.index("责任单位"))
    offered = "、".join(addressee_units(addressees))
    findings, addressed = [], []
    for offset, row in enumerate(rows):
        if states_unit(row):
            continue
        names = row.lead + row.units
        sources = list(dict.fromkeys(row.unit_sources.get(n, "") for n in names))
        cell = f"{column}{first_row + offset}"
        message = f"第{row.seq}项任务未注明责任单位（原文未写明由谁负责）"
        if sources == [UnitSource.ADDRESSEE.value]:
            addressed.append(row)
        elif names:
            findings.append(Finding("unit.unstated", Severity.HINT, SHEET_TASKS, cell,
                                    message + f"；已按{'、'.join(sources)}填入“{'、'.join(names)}”，请核对。"))
        else:
            suggestion = (f"；通知主送单位为“{offered}”（来源：{UnitSource.ADDRESSEE.value}），可供参考"
                          if offered else "")
            findings.append(Finding("unit.unstated", Severity.WARNING, SHEET_TASKS, cell,
                                    message + f"，请填写{suggestion}。", offered))
    if addressed:
        findings.insert(0, Finding(
            "unit.unstated", Severity.HINT, SHEET_TASKS, f"{column}{first_row + rows.index(addressed[0])}",
            f"原文没有为任务注明责任单位，{len(addressed)} 项任务已按通知主送单位“{offered}”填写"
            f"（“单位来源”列为“{UnitSource.ADDRESSEE.value}”），请核对。"))
    return findings


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")


def read_source(path: str | Path) -> tuple[Outline, list[TaskRow]]:
    """The plan's outline, and the rows of the 任务分解表 the plan is or carries (else []).

    An upper level may send its own 任务分解表 (a workbook, or a table inside the
    .docx/.pdf); its rows are then the tasks, as the issuer split them.

    Raises:
        FenJieError: the file cannot be read, or is neither a plan nor a task table.
    """
    path = Path(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        table = read_task_table(path)
        for row in table.rows:
            row.source = table.sheet
        return _title_outline(table.title or path.stem), table.rows
    plan = read_plan(path)
    rows = _table_rows(plan, strict=True)
    try:
        return parse_outline(plan), rows
    except OutlineError as exc:
        rows = rows or _table_rows(plan, strict=False)  # a plan written as a plain table of tasks
        if not rows and plan.tables:
            raise OutlineError(f"文件“{path.name}”中未识别到任务：{explain_tables(plan.tables)}。") from None
        if not rows:
            raise exc
        outline = table_plan_outline(plan)
        return (outline if outline.title else _title_outline(path.stem)), rows


def _table_rows(plan: PlanText, strict: bool) -> list[TaskRow]:
    rows: list[TaskRow] = []
    header: list[str] = []
    for k, grid in enumerate(plan.tables, start=1):
        found = rows_from_grid(grid, f"表{k}", strict)
        if not found and header and grid and len(grid[0]) == len(header):
            # A table continued after a page or section break, without its header.
            found = rows_from_grid([header, *grid], f"表{k}", strict)
        elif found:
            header = table_header(grid)
        rows += found
    return rows


def _issuer_rows(table_rows: list[TaskRow], text_rows: list[TaskRow]) -> list[TaskRow]:
    """The issuer's own task table when it covers the plan, else the rows decomposed from the text.

    A small table inside one section ("公开事项 | 责任单位") is no breakdown of the whole plan.
    """
    return table_rows if len(table_rows) * 2 >= len(text_rows) else text_rows


def _unused_table_findings(table_rows: list[TaskRow], rows: list[TaskRow]) -> list[Finding]:
    """A task table the draft does not use is said, never dropped silently."""
    if not table_rows or rows is table_rows:
        return []
    tables = "、".join(dict.fromkeys(row.source for row in table_rows))
    return [Finding("table.unused", Severity.WARNING, SHEET_TASKS, "",
                    f"文件中的任务表（{tables}，{len(table_rows)} 项）不到正文条目（{len(rows)} 项）的一半，"
                    "已按正文分解；如应以表格为准，请核对。")]


def _title_outline(title: str) -> Outline:
    """The outline of a plan that is only a title and a task table."""
    year = re.search(r"((?:19|20)\d\d)年", title)
    return Outline(title, int(year.group(1)) if year else None, "", "", [])


def _no_tasks_message(path: Path, outline: Outline) -> str:
    """What was found in a plan that yields no task: never a draft of zero rows."""
    headings = [f"{node.label}、{node.heading}" for node in outline.roots if node.heading][:4]
    count = sum(1 for _ in outline.walk())
    found = f"识别到 {count} 个编号条目（{'；'.join(headings)}）" if headings else (
        f"识别到 {count} 个编号条目" if count else "未识别到编号条目或任务表格")
    return (f"文件“{path.name}”中没有可分解的任务：{found}，但都是指导思想、工作要求等说明性内容或印发通知本身。"
            "请确认所选文件是工作要点或方案本身；上级下发的是任务分解表时，请直接导入该表。")


def draft_from_plan(path: str | Path, options: DraftOptions | None = None) -> Draft:
    """Read, decompose and fill units and deadlines for one plan document.

    Raises:
        FenJieError: the plan cannot be read or has no outline.
    """
    options = options or DraftOptions()
    outline, table_rows = read_source(path)
    text_rows = decompose(outline, options.granularity)
    name_blocks(text_rows)  # one name per block; no whole-content names
    rows = _issuer_rows(table_rows, text_rows)
    if not rows:
        raise OutlineError(_no_tasks_message(Path(path), outline))
    for seq, row in enumerate(rows, start=1):
        row.seq = seq
    if options.directory:
        split_glued_units(table_rows, options.directory)
    assign_units(rows, options.directory, outline.addressees if options.use_addressees else "")
    if options.mapping:
        cascade(rows, options.mapping, options.directory)
    if options.expand_groups and options.directory:
        expand_groups(rows, options.directory)
    assign_deadlines(rows, outline, options.default_deadline, options.year, options.year_end)
    findings = _deadline_findings(rows) + _year_findings(outline, options.year)
    findings += _unused_table_findings(table_rows, rows)
    if options.directory:
        findings += unknown_unit_findings(rows, options.directory)
    findings += unstated_unit_findings(rows, outline.addressees)
    findings += _defaulted_deadline_findings(rows)
    return Draft(outline, rows, findings)
