"""The 工作台账 workbook: create it from any 任务分解表, read it, write merged progress back.

Sheets: 工作台账 (one row per task, a hidden 任务ID column, progress columns showing
every unit's report), 反馈明细 (one row per task and unit: the reports themselves),
合并记录 (history: who, when, old → new), and the hidden _台账信息 (ledger id, year,
current round and its recipients).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..cells import append_text, put_text
from ..deadlines import parse_deadline
from ..errors import FenJieError
from ..layout import row_height
from ..safe_io import check_input_file, write_atomically
from ..undo import backup_sheet
from .model import DONE_BY_SETTING, Ledger, LedgerTask, Progress, task_id

if TYPE_CHECKING:  # openpyxl, jinja2 and the table reader load on first use: a merge that patches the ledger's
    # package (ledger_package) needs none of them, and a process pays ~0.4 s to import them
    from openpyxl import Workbook

SHEET_LEDGER = "工作台账"
SHEET_DETAIL = "反馈明细"
SHEET_HISTORY = "合并记录"
SHEET_INFO = "_台账信息"
SHEET_ISSUED = "_下发清单"
DETAIL_HEADERS = ("任务ID", "序号", "单位", "角色", "轮次", "进展情况", "完成状态", "完成进度(%)", "完成日期",
                  "佐证材料", "填报人", "联系电话", "审核人", "最近更新", "核实情况")
DETAIL_WIDTHS = (10, 6, 18, 7, 14, 50, 10, 9, 12, 24, 10, 14, 10, 19, 30)
DETAIL_FIELDS = {"单位": "unit", "进展情况": "progress", "完成状态": "status", "完成进度(%)": "percent",
                 "完成日期": "done_date", "佐证材料": "evidence", "最近更新": "updated", "轮次": "round",
                 "填报人": "reporter", "联系电话": "phone", "审核人": "reviewer", "核实情况": "notes"}
HISTORY_HEADERS = ("时间", "文件", "单位", "任务ID", "字段", "原值", "新值", "处理")
HISTORY_WIDTHS = (19, 30, 18, 10, 10, 40, 40, 24)
MAX_LEDGER_BYTES = 200 * 1024 * 1024  # a 10,000-task ledger after four rounds is ~30 MB
DEFAULT_COLUMN_WIDTH = 8.43  # Excel's width of a column without its own <col>
CELL_LIMIT = 32767  # Excel's limit on the characters of one cell
FULL_TEXT_NOTE = "……（全文见“反馈明细”）"
LEDGER_COLUMNS = {"序号": "seq", "任务ID": "id", "章节": "chapter", "任务名称": "name", "任务内容": "content",
                  "牵头单位": "lead", "责任单位": "units", "配合单位": "assist", "完成时限": "deadline",
                  "到期日期": "due"}


class LedgerError(FenJieError):
    """A workbook that is not a FenJie ledger, or a damaged one."""


def _split_names(text: object) -> list[str]:
    return [n for n in re.split(r"[、，,；;\s]+", str(text or "")) if n]


def ledger_from_table(table_path: str | Path, year: int | None = None, title: str | None = None) -> Ledger:
    """A new ledger from any 任务分解表 the validator reads."""
    from ..table import read_task_table

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


def _header_style(sheet, headers, widths) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet.append(list(headers))
    for cell, width in zip(sheet[1], widths, strict=False):
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    print_setup(sheet, "1:1")


def print_setup(sheet, title_rows: str = "", landscape: bool = True) -> None:
    """A4, landscape, fit to the page width, header rows repeated, page numbers."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"

def build_ledger_workbook(ledger: Ledger) -> Workbook:
    """The ledger workbook, rendered from the 工作台账 template."""
    from ..render import context_for_rows, render_workbook

    rows = [_as_row(task) for task in ledger.tasks]
    workbook = render_workbook("工作台账", context_for_rows(rows, ledger.title), font_fallback=True)
    for title, headers, widths in ((SHEET_DETAIL, DETAIL_HEADERS, DETAIL_WIDTHS),
                                   (SHEET_HISTORY, HISTORY_HEADERS, HISTORY_WIDTHS)):
        _header_style(workbook.create_sheet(title), headers, widths)
    info = workbook.create_sheet(SHEET_INFO)
    for key, value in (("台账编号", ledger.id), ("标题", ledger.title), ("年度", ledger.year),
                       ("当前轮次", ledger.round), ("历次轮次", "、".join(ledger.rounds))):
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


def _rows(path: Path, sheet: str) -> Iterator[list[object]]:
    """The rows of a ledger sheet, one at a time (see :func:`addin.sheets.iter_sheet_rows`).

    Raises:
        LedgerError: not an .xlsx, the sheet is missing, a password, a damaged file.
    """
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    from ..sheets import iter_sheet_rows

    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise LedgerError(f"“{path.name}”不是 FenJie 工作台账：工作台账是 .xlsx 文件（由 fenjie ledger 生成）。")
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if sheet not in workbook.sheet_names:
            raise LedgerError(f"“{path.name}”不是 FenJie 工作台账：缺少“{sheet}”工作表。")
        yield from iter_sheet_rows(workbook, path, sheet)
    except PasswordError:
        raise LedgerError(f"工作台账“{path.name}”设有打开密码：请在 Excel 中取消密码后再试。") from None
    except (CalamineError, OSError, ValueError) as exc:
        raise LedgerError(f"工作台账“{path.name}”已损坏，无法读取（{type(exc).__name__}）：请用备份文件"
                          f"（“{path.stem}.备份-…{path.suffix}”）恢复，或在 Excel 中打开修复后另存。") from None


def _grid(path: Path, sheet: str) -> list[list[object]]:
    """A small ledger sheet's rows as a list."""
    return list(_rows(path, sheet))


def cell_date(value: object) -> date | None:
    """A date from a cell: a date/datetime value, or text like 2024-06-30 / 2024年6月30日."""
    from .dates import read_date

    return read_date(value)[0]


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
    path = Path(path)
    check_input_file(path, MAX_LEDGER_BYTES, "一份工作台账", LedgerError)
    info = {str(r[0]): r[1] for r in _grid(path, SHEET_INFO) if r and r[0]}
    tasks = _tasks(path)
    issued = {}
    by_id = {t.id: t for t in tasks}
    issued_rows = [row for row in _grid(path, SHEET_ISSUED) if row and row[0]]
    for task in tasks:
        task.sent = bool(issued_rows)
    for row in issued_rows:
        unit, ids, roles = str(row[0]), _split_names(row[1]), _split_names(row[2] if len(row) > 2 else "")
        issued[unit] = ids
        for task_id_, role in zip(ids, roles, strict=False):
            if task_id_ in by_id:
                by_id[task_id_].issued_roles[unit] = role
    ledger = Ledger(str(info.get("台账编号", "")), str(info.get("标题", "")), int(float(info.get("年度") or 0)),
                    tasks, str(info.get("当前轮次") or ""), issued, _split_names(info.get("历次轮次")),
                    _done_by(info.get("办结认定"), path))
    _read_reports(path, ledger)
    return ledger


def _done_by(value: object, path: Path) -> str:
    """The 办结认定 a ledger remembers: 牵头/全部, or "" when none was ever chosen.

    Raises:
        LedgerError: a value FenJie does not know (typed into the hidden sheet by hand).
    """
    from .status import DONE_BY_CHOICES

    text = str(value or "").strip()
    if text and text not in DONE_BY_CHOICES:
        raise LedgerError(f"工作台账“{path.name}”的隐藏工作表“{SHEET_INFO}”中，办结认定“{text}”无效："
                          "请改为“牵头单位”或“全部责任单位”。")
    return DONE_BY_CHOICES.get(text, "")


def info_values(ledger: Ledger) -> dict[str, str]:
    """The _台账信息 keys a save sets: the round, and the 办结认定 once the office chose one."""
    values = {"当前轮次": ledger.round, "历次轮次": "、".join(ledger.rounds)}
    if ledger.done_by:  # never chosen: not written, so such ledgers keep their sheet as it was
        values["办结认定"] = DONE_BY_SETTING[ledger.done_by]
    return values


def _tasks(path: Path) -> list[LedgerTask]:
    """The tasks of 工作台账, read row by row (its progress columns, the heavy ones, are never all held)."""
    rows = _rows(path, SHEET_LEDGER)
    for _, row in zip(range(10), rows, strict=False):
        if "任务ID" in [str(v) for v in row]:
            columns = {LEDGER_COLUMNS[str(h)]: i for i, h in enumerate(row) if str(h) in LEDGER_COLUMNS}
            return [_task(r, columns) for r in rows if r[columns["id"]]]
    raise LedgerError(f"“{path.name}”的“{SHEET_LEDGER}”工作表中没有“任务ID”列。")


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
    """Every report of every round from 反馈明细 (columns found by header, so older ledgers read too)."""
    by_id = ledger.by_id()
    rows = _rows(path, SHEET_DETAIL)
    header = next(rows, None)
    if header is None:
        return
    columns = {str(h): i for i, h in enumerate(header) if h}
    for row in rows:
        task = by_id.get(str(row[0] or "")) if row else None
        if task is None:
            continue
        values = {key: row[columns[header]] if header in columns and columns[header] < len(row) else None
                  for header, key in DETAIL_FIELDS.items()}
        report = _detail_report(values)
        report.round = report.round or ledger.round
        if report.round not in ledger.rounds and report.round:
            ledger.rounds.append(report.round)
        held = task.reports.get(report.unit)
        if held is not None:
            task.history.append(held)
        task.reports[report.unit] = report
    for task in ledger.tasks:
        _latest_first(task, ledger.rounds)


def _detail_report(values: dict[str, object]) -> Progress:
    from .status import read_percent

    def text(key: str) -> str:
        value = values.get(key)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value if value is not None else "")

    done = cell_date(values.get("done_date"))
    percent = read_percent(values.get("percent"))[0]
    return Progress(text("unit"), text("progress"), text("status"), done, text("evidence"), text("updated"),
                    percent, text("round"), "" if done else text("done_date"), text("reporter"), text("phone"),
                    text("reviewer"), text("notes"))


def _latest_first(task: LedgerTask, rounds: list[str]) -> None:
    """Keep each unit's latest round in ``reports`` and the older ones in ``history``."""
    order = {r: i for i, r in enumerate(rounds)}
    everything = [*task.history, *task.reports.values()]
    latest: dict[str, Progress] = {}
    for report in everything:
        held = latest.get(report.unit)
        if held is None or order.get(held.round, -1) <= order.get(report.round, -1):
            latest[report.unit] = report
    task.reports = latest
    task.history = [r for r in everything if latest.get(r.unit) is not r]


def _capped(text: str) -> str:
    """Text that fits one cell; the rest stays in 反馈明细, where each report has its own cell."""
    if len(text) <= CELL_LIMIT:
        return text
    return text[: CELL_LIMIT - len(FULL_TEXT_NOTE)] + FULL_TEXT_NOTE


def _current_headers(sheet, headers: tuple[str, ...], widths: tuple[int, ...]) -> None:
    """Bring an older ledger's header row (fewer columns) to the current one; rows are rewritten or extend it."""
    from openpyxl.styles import Font, PatternFill

    if tuple(c.value for c in sheet[1][: len(headers)]) == headers:
        return
    for column, (name, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(1, column, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        sheet.column_dimensions[cell.column_letter].width = width
    print_setup(sheet, "1:1")


def _detail_row(task: LedgerTask, report: Progress) -> list[object]:
    return [task.id, task.seq, report.unit, task.role_of(report.unit), report.round, report.progress,
            report.status, report.percent, report.done_date or report.date_text, report.evidence,
            report.reporter, report.phone, report.reviewer, report.updated, report.notes]


def progress_values(task: LedgerTask, ledger: Ledger, as_of: date) -> dict[str, object]:
    """The 工作台账 progress columns of one task (header → value), from its units' latest reports."""
    from .status import Rules, view_task

    named = [u for u in task.all_units() if u in task.reports]  # named units first, then group members
    reports = [task.reports[u] for u in named + [u for u in task.reports if u not in named]]
    view = view_task(task, as_of, ledger.year, Rules(done_by=ledger.done_by or "牵头"))
    return {"进展情况": _capped("\n".join(f"【{r.unit}】{r.progress}" for r in reports if r.progress)),
            "完成状态": view.rollup.state if reports else "",
            "完成进度(%)": view.rollup.percent if reports else None,
            "各单位状态": _capped(view.unit_statuses()) if reports else "",
            "完成日期": max((r.done_date for r in reports if r.done_date), default=None),
            "佐证材料": _capped("\n".join(f"【{r.unit}】{r.evidence}" for r in reports if r.evidence)),
            "最近更新": max((r.updated for r in reports), default=""),
            "反馈单位": "、".join(r.unit for r in reports),
            "核实情况": "；".join(view.rollup.notes)}


def detail_rows(ledger: Ledger):
    """The rows of 反馈明细: every report of every round, task by task."""
    for task in ledger.tasks:
        for report in [*task.history, *task.reports.values()]:
            yield _detail_row(task, report)


def column_layout(sheet) -> tuple[list[float], list[bool]]:
    """Each column's width and hidden flag, columns 1…max_column (a <col> may cover a range of columns).

    openpyxl keys a range's dimension by its first letter only, so asking it for a
    column inside the range gives a fresh default (13 wide, shown).
    """
    count = sheet.max_column
    widths, hidden = [DEFAULT_COLUMN_WIDTH] * count, [False] * count
    for dimension in sheet.column_dimensions.values():
        for column in range(dimension.min or 1, min(dimension.max or dimension.min or 1, count) + 1):
            widths[column - 1] = dimension.width or DEFAULT_COLUMN_WIDTH
            hidden[column - 1] = bool(dimension.hidden)
    return widths, hidden


def write_reports(workbook: Workbook, ledger: Ledger) -> None:
    """Rewrite 反馈明细 (every round) and the progress columns of 工作台账 (latest reports)."""
    detail = workbook[SHEET_DETAIL]
    _current_headers(detail, DETAIL_HEADERS, DETAIL_WIDTHS)  # a ledger made by an older FenJie
    detail.delete_rows(2, detail.max_row)
    for row in detail_rows(ledger):
        append_text(detail, row)  # text stays text, control characters cleaned
    for row in detail.iter_rows(min_row=2):
        row[8].number_format = "yyyy-mm-dd"
    sheet = workbook[SHEET_LEDGER]
    header = next(r for r in range(1, 10) if "任务ID" in [c.value for c in sheet[r]])
    columns = {c.value: c.column for c in sheet[header] if c.value}
    by_id = ledger.by_id()
    as_of = date.today()
    widths, hidden_columns = column_layout(sheet)
    for row in range(header + 1, sheet.max_row + 1):
        task = by_id.get(str(sheet.cell(row, columns["任务ID"]).value or ""))
        if task is None:
            continue
        for name, value in progress_values(task, ledger, as_of).items():
            if name in columns:
                put_text(sheet.cell(row, columns[name]), value)
        values = [sheet.cell(row, c).value for c in range(1, len(widths) + 1)]
        sheet.row_dimensions[row].height = fitted_height(values, widths, hidden_columns)


def fitted_height(values: list[object], widths: list[float], hidden: list[bool]) -> float:
    """A 工作台账 row's height for its shown values (12 pt text), at most Excel's limit of 409 pt."""
    shown = [None if concealed else value for value, concealed in zip(values, hidden, strict=False)]
    return min(409, row_height(shown, widths, 12))


def save_ledger_progress(path: str | Path, ledger: Ledger, history: list[list[object]]) -> Path | None:
    """Write merged reports and history into the ledger file (sheets backed up for undo).

    The package is patched (:mod:`addin.progress.ledger_package`); a ledger it cannot
    patch exactly is loaded and saved by openpyxl, which also brings an older
    FenJie's sheets up to date.
    """
    from ..sheet_xml import Unsupported
    from .ledger_package import save_ledger_package

    try:
        return save_ledger_package(path, ledger, history)
    except Unsupported as exc:
        logging.getLogger(__name__).info("工作台账 %s 按 openpyxl 方式保存：%s", Path(path).name, exc)
        return save_ledger_workbook(path, ledger, history)


def save_ledger_workbook(path: str | Path, ledger: Ledger, history: list[list[object]]) -> Path | None:
    """:func:`save_ledger_progress` the openpyxl way: load the whole workbook, rewrite, save."""
    from openpyxl import load_workbook

    path = Path(path)
    workbook = load_workbook(path)
    for name in (SHEET_LEDGER, SHEET_DETAIL):
        backup_sheet(workbook, name)
    write_reports(workbook, ledger)
    log = workbook[SHEET_HISTORY]
    _current_headers(log, HISTORY_HEADERS, HISTORY_WIDTHS)
    for entry in history:
        append_text(log, entry)
    info = workbook[SHEET_INFO]
    keys = {row[0].value: row[1] for row in info.iter_rows(min_row=1) if row[0].value}
    for key, value in info_values(ledger).items():
        if key in keys:
            put_text(keys[key], value)
        else:
            append_text(info, [key, value])
    issued = workbook[SHEET_ISSUED]
    issued.delete_rows(1, issued.max_row)
    by_id = ledger.by_id()
    for unit, ids in ledger.issued.items():
        append_text(issued, [unit, "、".join(ids), "、".join(by_id[i].role_of(unit) for i in ids)])
    return write_atomically(path, lambda temp: workbook.save(temp))
