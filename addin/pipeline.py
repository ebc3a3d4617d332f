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
from .deadlines import DEFAULT_DEADLINE, DEFAULT_YEAR_END, DeadlineKind, deadline_for, note_deadline
from .decompose import Granularity, TaskRow, decompose
from .errors import OutlineError
from .findings import Finding, Severity
from .outline import Outline, parse_outline
from .plan import read_plan
from .plan.model import PlanText
from .table import read_task_table, rows_from_grid, table_header
from .units.cells import split_glued_units
from .units.directory import UnitDirectory, nearest_hint
from .units.infer import assign_units, expand_groups
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
        row.deadline = deadline.display
        row.deadline_kind = deadline.kind.value
        row.due = "、".join(d.isoformat() for d in deadline.due)


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


def _deadline_findings(rows: list[TaskRow], first_row: int = 2) -> list[Finding]:
    from .workbook import TASK_HEADERS, column_letter

    column = column_letter(TASK_HEADERS.index("完成时限"))
    return [
        Finding("deadline.unparsed", Severity.WARNING, SHEET_TASKS, f"{column}{first_row + i}",
                f"完成时限“{row.deadline}”无法识别，已按原文保留。")
        for i, row in enumerate(rows) if row.deadline_kind == DeadlineKind.UNKNOWN.value
    ]


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
        return _title_outline(plan.lines[0].text if plan.lines else path.stem), rows


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


def draft_from_plan(path: str | Path, options: DraftOptions | None = None) -> Draft:
    """Read, decompose and fill units and deadlines for one plan document.

    Raises:
        FenJieError: the plan cannot be read or has no outline.
    """
    options = options or DraftOptions()
    outline, table_rows = read_source(path)
    rows = _issuer_rows(table_rows, decompose(outline, options.granularity))
    if not rows:
        raise OutlineError(f"文件“{Path(path).name}”中未识别到任务：找到 {len(outline.roots)} 个一级条目，"
                           "但其中没有可分解的任务内容。")
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
    findings = _deadline_findings(rows) + _unused_table_findings(table_rows, rows)
    if options.directory:
        findings += unknown_unit_findings(rows, options.directory)
    return Draft(outline, rows, findings)
