"""The 工作台账 workbook: create it from any 任务分解表, read it, write merged progress back.

Sheets: 工作台账 (one row per task, a hidden 任务ID column, progress columns showing
every unit's report), 反馈明细 (one row per task and unit: the reports themselves),
合并记录 (history: who, when, old → new), and the hidden _台账信息 (ledger id, year,
current round and its recipients).
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from ..cells import append_text, put_text
from ..deadlines import parse_deadline
from ..errors import FenJieError
from ..render import context_for_rows, render_workbook
from ..safe_io import write_atomically
from ..table import read_task_table
from ..undo import backup_sheet
from .model import Ledger, LedgerTask, Progress, task_id

SHEET_LEDGER = "工作台账"
SHEET_DETAIL = "反馈明细"
SHEET_HISTORY = "合并记录"
SHEET_INFO = "_台账信息"
SHEET_ISSUED = "_下发清单"
DETAIL_HEADERS = ("任务ID", "序号", "单位", "角色", "进展情况", "完成状态", "完成日期", "佐证材料", "最近更新")
HISTORY_HEADERS = ("时间", "文件", "单位", "任务ID", "字段", "原值", "新值")
LEDGER_COLUMNS = {"序号": "seq", "任务ID": "id", "章节": "chapter", "任务名称": "name", "任务内容": "content",
                  "牵头单位": "lead", "责任单位": "units", "配合单位": "assist", "完成时限": "deadline",
                  "到期日期": "due"}


class LedgerError(FenJieError):
    """A workbook that is not a FenJie ledger, or a damaged one."""


def _split_names(text: object) -> list[str]:
    return [n for n in re.split(r"[、，,；;\s]+", str(text or "")) if n]


def ledger_from_table(table_path: str | Path, year: int | None = None, title: str | None = None) -> Ledger:
    """A new ledger from any 任务分解表 the validator reads."""
    table = read_task_table(table_path)
    title = title or re.sub(r"任务分解表$", "", table.title) + "工作台账" if table.title else "工作台账"
    found = re.search(r"(19|20)\d{2}", table.title or "")
    plan_year = year or (int(found.group(0)) if found else date.today().year)
    taken: set[str] = set()
    tasks = []
    for i, row in enumerate(table.rows, start=1):
        deadline = parse_deadline(row.deadline, plan_year) if row.deadline else None
        tasks.append(LedgerTask(task_id(row.content, taken), row.seq or i, row.chapter, row.name, row.content,
                                row.lead, row.units, row.assist, deadline.display if deadline and deadline.ok
                                else row.deadline, deadline.due if deadline else [],
                                deadline.kind.value if deadline else ""))
    return Ledger(uuid.uuid4().hex[:12].upper(), title, plan_year, tasks)


def _header_style(sheet, headers) -> None:
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center")
    sheet.freeze_panes = "A2"


def build_ledger_workbook(ledger: Ledger) -> Workbook:
    """The ledger workbook, rendered from the 工作台账 template."""
    rows = [_as_row(task) for task in ledger.tasks]
    workbook = render_workbook("工作台账", context_for_rows(rows, ledger.title), font_fallback=True)
    for title, headers in ((SHEET_DETAIL, DETAIL_HEADERS), (SHEET_HISTORY, HISTORY_HEADERS)):
        _header_style(workbook.create_sheet(title), headers)
    info = workbook.create_sheet(SHEET_INFO)
    for key, value in (("台账编号", ledger.id), ("标题", ledger.title), ("年度", ledger.year),
                       ("当前轮次", ledger.round)):
        append_text(info, [key, value])
    info.sheet_state = "hidden"
    workbook.create_sheet(SHEET_ISSUED).sheet_state = "hidden"
    write_reports(workbook, ledger)
    return workbook


def _as_row(task: LedgerTask):
    from ..decompose import TaskRow

    row = TaskRow(task.seq, task.chapter, "", task.name, task.content, task.lead, task.units, task.assist,
                  task.deadline, due="、".join(d.isoformat() for d in task.due))
    row.task_id = task.id  # type: ignore[attr-defined]  # read by the template placeholders
    return row


def create_ledger(table_path: str | Path, out: str | Path, year: int | None = None) -> tuple[Ledger, Path | None]:
    """Write a new ledger for a 任务分解表; returns it and the backup of an overwritten file."""
    ledger = ledger_from_table(table_path, year)
    workbook = build_ledger_workbook(ledger)
    return ledger, write_atomically(out, lambda temp: workbook.save(temp))


def _grid(path: Path, sheet: str) -> list[list[object]]:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    from ..sheets import sheet_grid

    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise LedgerError(f"“{path.name}”不是 FenJie 工作台账：工作台账是 .xlsx 文件（由 fenjie ledger 生成）。")
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if sheet not in workbook.sheet_names:
            raise LedgerError(f"“{path.name}”不是 FenJie 工作台账：缺少“{sheet}”工作表。")
        return sheet_grid(workbook, path, sheet)
    except PasswordError:
        raise LedgerError(f"工作台账“{path.name}”设有打开密码：请在 Excel 中取消密码后再试。") from None
    except (CalamineError, OSError, ValueError) as exc:
        raise LedgerError(f"工作台账“{path.name}”已损坏，无法读取（{type(exc).__name__}）：请用备份文件"
                          f"（“{path.stem}.备份-…{path.suffix}”）恢复，或在 Excel 中打开修复后另存。") from None


def cell_date(value: object) -> date | None:
    """A date from a cell: a date/datetime value, or text like 2024-06-30 / 2024年6月30日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = re.match(r"^\s*((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", str(value or ""))
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            return None
    return None


def as_of_date(value: object, where: str = "") -> date:
    """The 统计日期 a user gave: a date cell, "2024-06-30" or "2024年6月30日"; today when empty.

    Raises:
        FenJieError: the text is no date; the message names ``where`` it was typed.
    """
    if value is None or str(value).strip() == "":
        return date.today()
    found = cell_date(value)
    if found is None:
        raise FenJieError(f"{where}日期“{value}”无法识别：请写成 2024-06-30 或 2024年6月30日。")
    return found


def load_ledger(path: str | Path) -> Ledger:
    """Read a ledger written by :func:`create_ledger` (and merged since).

    Raises:
        LedgerError: the workbook lacks the ledger sheets.
    """
    from ..table import check_file

    path = Path(path)
    check_file(path)
    info = {str(r[0]): r[1] for r in _grid(path, SHEET_INFO) if r and r[0]}
    grid = _grid(path, SHEET_LEDGER)
    header_index = next((i for i, r in enumerate(grid[:10]) if "任务ID" in [str(v) for v in r]), None)
    if header_index is None:
        raise LedgerError(f"“{path.name}”的“{SHEET_LEDGER}”工作表中没有“任务ID”列。")
    columns = {LEDGER_COLUMNS[str(h)]: i for i, h in enumerate(grid[header_index]) if str(h) in LEDGER_COLUMNS}
    tasks = [_task(r, columns) for r in grid[header_index + 1:] if r[columns["id"]]]
    issued = {}
    by_id = {t.id: t for t in tasks}
    for row in _grid(path, SHEET_ISSUED):
        if row and row[0]:
            unit, ids, roles = str(row[0]), _split_names(row[1]), _split_names(row[2] if len(row) > 2 else "")
            issued[unit] = ids
            for task_id_, role in zip(ids, roles, strict=False):
                if task_id_ in by_id:
                    by_id[task_id_].issued_roles[unit] = role
    ledger = Ledger(str(info.get("台账编号", "")), str(info.get("标题", "")), int(float(info.get("年度") or 0)),
                    tasks, str(info.get("当前轮次") or ""), issued)
    _read_reports(path, ledger)
    return ledger


def _task(row: list[object], columns: dict[str, int]) -> LedgerTask:
    def get(key: str) -> str:
        value = row[columns[key]] if key in columns else ""
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value or "").strip()

    due = [d for d in (cell_date(part) for part in get("due").split("、")) if d]
    deadline = get("deadline")
    kind = parse_deadline(deadline, due[0].year if due else 2000).kind.value if deadline else ""
    return LedgerTask(get("id"), int(get("seq") or 0), get("chapter"), get("name"), get("content"),
                      _split_names(get("lead")), _split_names(get("units")), _split_names(get("assist")),
                      deadline, due, kind)


def _read_reports(path: Path, ledger: Ledger) -> None:
    by_id = ledger.by_id()
    for row in _grid(path, SHEET_DETAIL)[1:]:
        if not row or not row[0] or str(row[0]) not in by_id:
            continue
        progress = Progress(str(row[2]), str(row[4] or ""), str(row[5] or ""), cell_date(row[6]), str(row[7] or ""),
                            str(row[8] or ""))
        by_id[str(row[0])].reports[progress.unit] = progress


def write_reports(workbook: Workbook, ledger: Ledger) -> None:
    """Rewrite 反馈明细 and the progress columns of 工作台账 from the ledger's reports."""
    detail = workbook[SHEET_DETAIL]
    detail.delete_rows(2, detail.max_row)
    for task in ledger.tasks:
        for unit, report in task.reports.items():
            append_text(detail, [task.id, task.seq, unit, task.role_of(unit), report.progress, report.status,
                                 report.done_date, report.evidence, report.updated])
    sheet = workbook[SHEET_LEDGER]
    header = next(r for r in range(1, 10) if "任务ID" in [c.value for c in sheet[r]])
    columns = {c.value: c.column for c in sheet[header] if c.value}
    by_id = ledger.by_id()
    for row in range(header + 1, sheet.max_row + 1):
        task = by_id.get(str(sheet.cell(row, columns["任务ID"]).value or ""))
        if task is None:
            continue
        named = [u for u in task.all_units() if u in task.reports]  # named units first, then group members
        reports = [task.reports[u] for u in named + [u for u in task.reports if u not in named]]
        values = {"进展情况": "\n".join(f"【{r.unit}】{r.progress}" for r in reports if r.progress),
                  "完成状态": task.status if reports else "",
                  "完成日期": task.done_date,
                  "佐证材料": "\n".join(f"【{r.unit}】{r.evidence}" for r in reports if r.evidence),
                  "最近更新": max((r.updated for r in reports), default=""),
                  "反馈单位": "、".join(r.unit for r in reports)}
        for name, value in values.items():
            if name in columns:
                put_text(sheet.cell(row, columns[name]), value)


def save_ledger_progress(path: str | Path, ledger: Ledger, history: list[list[object]]) -> Path | None:
    """Write merged reports and history into the ledger file (sheets backed up for undo)."""
    path = Path(path)
    workbook = load_workbook(path)
    for name in (SHEET_LEDGER, SHEET_DETAIL):
        backup_sheet(workbook, name)
    write_reports(workbook, ledger)
    for entry in history:
        append_text(workbook[SHEET_HISTORY], entry)
    for row in workbook[SHEET_INFO].iter_rows(min_row=1):
        if row[0].value == "当前轮次":
            row[1].value = ledger.round
    issued = workbook[SHEET_ISSUED]
    issued.delete_rows(1, issued.max_row)
    by_id = ledger.by_id()
    for unit, ids in ledger.issued.items():
        append_text(issued, [unit, "、".join(ids), "、".join(by_id[i].role_of(unit) for i in ids)])
    return write_atomically(path, lambda temp: workbook.save(temp))
