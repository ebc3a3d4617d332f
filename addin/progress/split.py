"""下发: one feedback workbook per unit, holding only that unit's tasks.

Task columns are locked (sheet protection), progress columns editable with a
status drop-down and date validation; an instructions sheet explains the form; a
very hidden sheet carries the ledger id, unit, round and a checksum of the task
texts so the merge can tell a returned form's origin. No other unit's data is in
the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Protection
from openpyxl.worksheet.datavalidation import DataValidation

from ..decompose import TaskRow
from ..render import RenderContext, context_for_rows, render_workbook
from ..safe_io import write_atomically
from ..units.directory import UnitDirectory
from .ledger import Ledger, load_ledger, save_ledger_progress
from .model import STATUSES, LedgerTask, text_checksum

FORM_TEMPLATE = "单位反馈表"
SHEET_FORM = "任务进展反馈"
SHEET_GUIDE = "填报说明"
SHEET_META = "_反馈信息"
EDITABLE = ("进展情况", "完成状态", "完成日期", "佐证材料")
GUIDE = (
    "1. 本表只列出本单位牵头、负责或配合的任务，“本单位角色”列说明本单位的角色。",
    "2. 请只填写“进展情况”“完成状态”“完成日期”“佐证材料”四列；任务名称、任务内容等已锁定，请勿修改。",
    "3. “完成状态”请从下拉列表选择：已完成、推进中、未启动。“完成日期”请填写日期，如 2024-06-30。",
    "4. 如有需要新增的工作，请在“进展情况”中说明，不要插入新行。",
    "5. 填好后请保存原文件（不要改文件名或另存为其他格式），按要求报送。",
)


@dataclass
class SplitResult:
    """A written feedback workbook."""

    unit: str
    path: Path
    tasks: int


def default_round(day: date) -> str:
    """The round label of a date: 2024年第3季度."""
    return f"{day.year}年第{(day.month - 1) // 3 + 1}季度"


def safe_file_part(text: str) -> str:
    """Text usable in a Windows file name."""
    return re.sub(r'[\\/:*?"<>|\s]+', "", text) or "未命名"


def feedback_file_name(round_label: str, unit: str) -> str:
    """``2024年第3季度_区教育局_任务进展反馈表.xlsx``."""
    return f"{safe_file_part(round_label)}_{safe_file_part(unit)}_任务进展反馈表.xlsx"


def recipients(ledger: Ledger, directory: UnitDirectory | None = None) -> dict[str, list[LedgerTask]]:
    """Unit -> its tasks; with a directory, a group (各委办局) is expanded to its members.

    Each task records the role every recipient receives it with (a member takes
    its group's role; a unit named in two roles keeps the first: 牵头, 责任, 配合).
    """
    result: dict[str, list[LedgerTask]] = {}
    for task in ledger.tasks:
        for name in task.all_units():
            members = directory.members(name) if directory else []
            for unit in [m.name for m in members] or [name]:
                task.issued_roles.setdefault(unit, task.role_of(name))
                if task not in result.setdefault(unit, []):
                    result[unit].append(task)
    return result


def _form_rows(tasks: list[LedgerTask]) -> list[TaskRow]:
    rows = []
    for task in tasks:
        row = TaskRow(task.seq, task.chapter, "", task.name, task.content, task.lead, task.units, task.assist,
                      task.deadline)
        row.task_id = task.id  # type: ignore[attr-defined]
        rows.append(row)
    return rows


def feedback_context(ledger: Ledger, unit: str, tasks: list[LedgerTask], round_label: str) -> RenderContext:
    """What the 单位反馈表 template is filled with for one unit."""
    title = f"{ledger.title.removesuffix('工作台账')}任务进展反馈表（{unit}，{round_label}）"
    context = context_for_rows(_form_rows(tasks), title)
    for task, placeholders in zip(tasks, context.tasks, strict=True):
        report = task.reports.get(unit)
        placeholders["role"] = task.role_of(unit)
        if report:
            placeholders.update(progress=report.progress, status=report.status,
                                done_date=report.done_date or "", evidence=report.evidence)
    return context


def feedback_meta(ledger: Ledger, unit: str, tasks: list[LedgerTask], round_label: str,
                  generated: str | None = None) -> list[tuple[str, object]]:
    """The rows of the hidden 反馈信息 sheet: where a returned form comes from."""
    generated = generated or datetime.now().isoformat(timespec="seconds")
    return [("台账编号", ledger.id), ("单位", unit), ("轮次", round_label),
            ("校验码", text_checksum([t.content for t in tasks])), ("任务数", len(tasks)), ("生成时间", generated)]


def build_feedback_workbook(ledger: Ledger, unit: str, tasks: list[LedgerTask], round_label: str,
                            generated: str | None = None) -> Workbook:
    """One unit's form: its tasks, its role in each, its previous report prefilled."""
    context = feedback_context(ledger, unit, tasks, round_label)
    workbook = render_workbook(FORM_TEMPLATE, context, font_fallback=True)
    _protect(workbook[SHEET_FORM], len(tasks))
    guide = workbook.create_sheet(SHEET_GUIDE)
    guide.append(["填报说明"])
    for line in GUIDE:
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    meta = workbook.create_sheet(SHEET_META)
    for key, value in feedback_meta(ledger, unit, tasks, round_label, generated):
        meta.append([key, value])
    meta.sheet_state = "veryHidden"
    return workbook


def _protect(sheet, count: int) -> None:
    header = 3
    columns = {c.value: c.column for c in sheet[header] if c.value}
    last = header + count
    for name in EDITABLE:
        for row in range(header + 1, last + 1):
            sheet.cell(row, columns[name]).protection = Protection(locked=False)
    status = DataValidation(type="list", formula1=f'"{",".join(STATUSES)}"', allow_blank=True,
                            showErrorMessage=True, errorTitle="完成状态",
                            error="请从下拉列表中选择：已完成、推进中、未启动。",
                            showInputMessage=True, promptTitle="完成状态", prompt="已完成 / 推进中 / 未启动")
    done = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
                          showErrorMessage=True, errorTitle="完成日期", error="请填写日期，如 2024-06-30。")
    for validation, name in ((status, "完成状态"), (done, "完成日期")):
        letter = sheet.cell(header, columns[name]).column_letter
        validation.add(f"{letter}{header + 1}:{letter}{last}")
        sheet.add_data_validation(validation)
    for row in range(header + 1, last + 1):
        sheet.cell(row, columns["完成日期"]).number_format = "yyyy-mm-dd"
    sheet.protection.sheet = True
    sheet.protection.formatRows = False  # let units make a row taller for a long report
    sheet.protection.autoFilter = False


def split_ledger(ledger_path: str | Path, out_dir: str | Path, round_label: str,
                 directory: UnitDirectory | None = None) -> list[SplitResult]:
    """Write every unit's feedback workbook into ``out_dir`` and record the round in the ledger."""
    ledger = load_ledger(ledger_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_unit = recipients(ledger, directory)
    results = []

    def write(unit: str, tasks: list[LedgerTask], data: bytes) -> None:
        path = out_dir / feedback_file_name(round_label, unit)
        write_atomically(path, lambda temp: temp.write_bytes(data))
        results.append(SplitResult(unit, path, len(tasks)))

    from .fastforms import write_forms  # it builds on this module's slow path

    write_forms(ledger, by_unit, round_label, write)
    ledger.round = round_label
    ledger.issued = {unit: [t.id for t in tasks] for unit, tasks in by_unit.items()}
    save_ledger_progress(ledger_path, ledger, [])
    return results
