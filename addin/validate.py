"""Step 6 of the flow: check a 任务分解表 the way a careful 科长 would.

Each rule has an id, a severity (错误/警告/提示), the sheet and cell, a Chinese
message and, where a fix is safe (spacing, punctuation width, control
characters), the fixed value. Findings are data; only unusable input raises.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from .deadlines import DeadlineKind, parse_deadline
from .findings import Finding, Severity
from .table import TaskTable
from .titles import title_problem
from .typography import chinese_punctuation
from .units.directory import UnitDirectory, nearest_hint
from .units.mentions import is_known_unit

EXCEL_CELL_LIMIT = 32767
DEFAULT_REQUIRED = ("seq", "content", "units", "deadline")
ROLE_NAMES = {"seq": "序号", "name": "任务名称", "content": "任务内容", "lead": "牵头单位",
              "units": "责任单位", "assist": "配合单位", "deadline": "完成时限", "chapter": "章节",
              "section": "小节"}
TEXT_ROLES = ("name", "content", "lead", "units", "assist", "deadline")
_CJK = r"\u4e00-\u9fff"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class ValidationOptions:
    """Settings of a validation run."""

    required: tuple[str, ...] = DEFAULT_REQUIRED
    directory: UnitDirectory | None = None
    year: int | None = None  # plan year; default: the year in the table's title


def _finding(table: TaskTable, rule: str, severity: Severity, role: str, index: int, message: str,
             fix: str = "") -> Finding:
    return Finding(rule, severity, table.sheet, table.cell(role, index), message, fix)


def _raw_value(table: TaskTable, role: str, index: int) -> str:
    row = table.rows[index]
    values = {"seq": row.source, "name": row.name, "content": row.content, "deadline": row.deadline,
              "chapter": row.chapter, "section": row.section}
    return values.get(role, "")


def check_required(table: TaskTable, required: tuple[str, ...]) -> list[Finding]:
    """Empty required cells (错误); a required column the table lacks (警告)."""
    findings = []
    for role in required:
        column = role
        if role == "units" and "units" not in table.columns:  # only 牵头单位 / 配合单位 columns
            column = next((c for c in ("lead", "assist") if c in table.columns), role)
        if column not in table.columns:
            findings.append(Finding("required.column", Severity.WARNING, table.sheet, "",
                                    f"表中没有“{ROLE_NAMES[role]}”列。"))
            continue
        for i, row in enumerate(table.rows):
            empty = not (row.lead or row.units or row.assist) if role == "units" else not _raw_value(table, role, i)
            if empty:
                findings.append(_finding(table, "required.empty", Severity.ERROR, column, i,
                                         f"第{table.row_numbers[i]}行“{ROLE_NAMES[role]}”为空。"))
    return findings


def check_sequence(table: TaskTable) -> list[Finding]:
    """Duplicate (错误), non-numeric or non-consecutive (警告) 序号."""
    if "seq" not in table.columns:
        return []
    findings, seen, expected = [], Counter(row.source for row in table.rows if row.source), 1
    for i, row in enumerate(table.rows):
        if not row.source:
            continue
        if not row.source.isdigit():
            findings.append(_finding(table, "seq.not_number", Severity.WARNING, "seq", i,
                                     f"序号“{row.source}”不是数字。"))
            continue
        if seen[row.source] > 1:
            findings.append(_finding(table, "seq.duplicate", Severity.ERROR, "seq", i,
                                     f"序号 {row.source} 重复出现 {seen[row.source]} 次。", str(expected)))
        elif int(row.source) != expected:
            findings.append(_finding(table, "seq.gap", Severity.WARNING, "seq", i,
                                     f"序号 {row.source} 不连续（此处应为 {expected}）。", str(expected)))
        expected += 1
    return findings


def check_duplicates(table: TaskTable) -> list[Finding]:
    """The same task text twice (警告), pointing at the later row."""
    first: dict[str, int] = {}
    findings = []
    for i, row in enumerate(table.rows):
        key = re.sub(r"\s+", "", row.content)
        if key and key in first:
            findings.append(_finding(table, "content.duplicate", Severity.WARNING, "content", i,
                                     f"任务内容与第{table.row_numbers[first[key]]}行重复。"))
        first.setdefault(key, i)
    return findings


def check_units(table: TaskTable, directory: UnitDirectory | None) -> list[Finding]:
    """Unknown unit names (警告, with the nearest names); lead missing where a 牵头 column exists."""
    findings = []
    # Only a table that names a lead for most tasks is missing one where it names none; a plan
    # that names leads for a few coordination tasks (or none) leaves nothing to act on row by row.
    leads_expected = sum(1 for row in table.rows if row.lead) * 2 >= len(table.rows)
    for i, row in enumerate(table.rows):
        if "lead" in table.columns and leads_expected and not row.lead and (row.units or row.assist):
            findings.append(_finding(table, "unit.lead_missing", Severity.WARNING, "lead", i,
                                     f"第{table.row_numbers[i]}行有责任单位但未写牵头单位。"))
        if directory is None:
            continue
        for role in ("lead", "units", "assist"):
            for name in getattr(row, role):
                if is_known_unit(directory, name):
                    continue
                column = role if role in table.columns else "units"
                findings.append(_finding(table, "unit.unknown", Severity.WARNING, column, i,
                                         f"“{name}”不在单位名录中{nearest_hint(directory.nearest(name))}。"))
    return findings


def check_deadlines(table: TaskTable, year: int | None) -> list[Finding]:
    """Unreadable deadlines, and due dates outside the plan year (警告)."""
    if "deadline" not in table.columns:
        return []
    plan_year = year or _year_of(table.title)
    findings = []
    for i, row in enumerate(table.rows):
        if not row.deadline:
            continue
        deadline = parse_deadline(row.deadline, plan_year or 2000)
        if deadline.kind is DeadlineKind.UNKNOWN:
            findings.append(_finding(table, "deadline.unparsed", Severity.WARNING, "deadline", i,
                                     f"完成时限“{row.deadline}”无法识别。"))
        elif plan_year and re.search(r"(19|20)\d{2}", row.deadline):
            years = {int(y) for y in re.findall(r"((?:19|20)\d{2})", row.deadline)}
            if years - {plan_year, plan_year + 1}:
                findings.append(_finding(table, "deadline.outside_year", Severity.WARNING, "deadline", i,
                                         f"完成时限“{row.deadline}”不在 {plan_year} 年度内。"))
    return findings


def check_title(table: TaskTable) -> list[Finding]:
    """A title that is a notice's sentence ("现将《…》印发给你们") rather than the plan's name (警告)."""
    problem = title_problem(table.title)
    return [Finding("title.notice", Severity.WARNING, table.sheet, "", problem)] if problem else []


def _year_of(title: str) -> int | None:
    match = re.search(r"((?:19|20)\d{2})\s*年", title)
    return int(match.group(1)) if match else None


def tidy_text(text: str) -> str:
    """The safe fix of a text cell: control characters out, spacing and punctuation width folded."""
    text = _CONTROL.sub("", text)
    text = re.sub(rf"(?<=[{_CJK}，。；：、])[ \u3000]+|[ \u3000]+(?=[{_CJK}，。；：、])", "", text.strip())
    text = chinese_punctuation(text)  # the one typography rule the outputs use
    return "".join(unicodedata.normalize("NFKC", c) if "０" <= c <= "９" or "Ａ" <= c <= "ｚ" else c for c in text)


def check_cells(table: TaskTable, texts: list[dict[str, str]]) -> list[Finding]:
    """Cell-level rules over the raw cell texts of each row (role -> text)."""
    findings = []
    formulas = {f.cell for f in table.findings if f.rule == "cell.formula"}  # reported already
    for i, cells in enumerate(texts):
        for role, text in cells.items():
            if not text or table.cell(role, i) in formulas:
                continue
            if len(text) > EXCEL_CELL_LIMIT:
                findings.append(_finding(table, "cell.too_long", Severity.ERROR, role, i,
                                         f"单元格有 {len(text)} 个字符，超过 Excel 单元格上限 {EXCEL_CELL_LIMIT}。"))
            if text[0] in "=+-@" and role in TEXT_ROLES:
                findings.append(_finding(table, "cell.formula_like", Severity.WARNING, role, i,
                                         f"内容以“{text[0]}”开头，复制到其他表格时可能被当作公式执行。",
                                         text.lstrip("=+-@ ")))
            if _CONTROL.search(text):
                findings.append(_finding(table, "cell.control", Severity.WARNING, role, i,
                                         "单元格含有不可见的控制字符。", tidy_text(text)))
            elif tidy_text(text) != text:
                findings.append(_finding(table, "text.spacing", Severity.HINT, role, i,
                                         "多余空格或半角标点，可自动修正。", tidy_text(text)))
    return findings


def validate_table(table: TaskTable, options: ValidationOptions | None = None) -> list[Finding]:
    """Every finding on a table read by :func:`addin.table.read_task_table`.

    Args:
        table: The table.
        options: Required columns, directory and plan year.
    """
    options = options or ValidationOptions()
    return [
        *table.findings,
        *check_title(table),
        *check_required(table, options.required),
        *check_sequence(table),
        *check_duplicates(table),
        *check_units(table, options.directory),
        *check_deadlines(table, options.year),
        *check_cells(table, table.texts),
    ]


def summary_line(findings: list[Finding]) -> str:
    """"N 错误，M 警告，K 提示"."""
    counts = Counter(f.severity for f in findings)
    return f"{counts[Severity.ERROR]} 错误，{counts[Severity.WARNING]} 警告，{counts[Severity.HINT]} 提示"
