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

from ..cells import append_text
from ..decompose import TaskRow
from ..errors import FenJieError
from ..lock import FileBusyError, check_not_busy
from ..render import RenderContext, context_for_rows, render_workbook
from ..safe_io import file_part, fit_file_name, write_atomically
from ..units.directory import UnitDirectory
from ..units.mentions import GROUP_PATTERN
from .ledger import Ledger, load_ledger, print_setup, save_ledger_progress
from .model import SHEET_FORM, SHEET_META, STATUSES, LedgerTask, text_checksum

SHEET_GUIDE = "填报说明"
FORM_TEMPLATE = "单位反馈表"
EDITABLE = ("进展情况", "完成状态", "完成进度(%)", "完成日期", "佐证材料")
SIGNATURE = ("填报人", "联系电话", "审核人（单位负责人）", "填报日期")
GUIDE = (
    "1. 本表只列出本单位牵头、负责或配合的任务，“本单位角色”列说明本单位的角色。",
    "2. 请只填写“进展情况”“完成状态”“完成进度(%)”“完成日期”“佐证材料”五列；任务名称、任务内容等已锁定，请勿修改。",
    "3. “完成状态”请从下拉列表选择：已完成、推进中、未启动。“完成进度(%)”填 0–100 的数字（可不填），"
    "按序时进度评价时使用。“完成日期”请填写日期，如 2024-06-30。",
    "4. 如有需要新增的工作，请在“进展情况”中说明，不要插入新行。",
    "5. 请在表格下方填写填报人、联系电话和审核人（单位负责人）。",
    "6. 填好后请保存原文件（不要改文件名或另存为其他格式），按要求报送。",
)
# Names that stand for several units (各部门, 相关单位, 全区经济运行各专班): a form is never
# addressed to one; they are expanded through the 单位名录 or listed as 需指定单位.
_GROUP_WORDS = re.compile(rf"^(?:{GROUP_PATTERN})$|^(?:各|全区|全市|全县|全镇|有关|相关)|各[\u4e00-\u9fff]{{0,4}}$"
                          r"|(?:有关|相关|等)(?:部门|单位)$")


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
    """Text usable in a file name ("a/b" and "ab" stay distinct)."""
    return file_part(text)


def feedback_file_name(round_label: str, unit: str) -> str:
    """``2024年第3季度_区教育局_任务进展反馈表.xlsx`` (a 200-character unit name shortened, stably)."""
    return fit_file_name(f"{safe_file_part(round_label)}_{safe_file_part(unit)}_任务进展反馈表", ".xlsx")


def is_group(name: str, directory: UnitDirectory | None = None) -> bool:
    """True for a name that stands for several units (各部门, 相关单位, 全区经济运行各专班)."""
    known = directory.resolve(name) if directory else None
    if known is not None:
        return known.is_group
    return bool(_GROUP_WORDS.search(name))


def unassigned_groups(ledger: Ledger, directory: UnitDirectory | None = None) -> dict[str, list[int]]:
    """需指定单位: group -> the 序号 of its tasks, for groups the 单位名录 cannot expand."""
    found: dict[str, list[int]] = {}
    for task in ledger.tasks:
        for name in task.all_units():
            if is_group(name, directory) and not (directory and directory.members(name)):
                found.setdefault(name, []).append(task.seq)
    return found


def recipients(ledger: Ledger, directory: UnitDirectory | None = None) -> dict[str, list[LedgerTask]]:
    """Unit -> its tasks; a group (各委办局) is expanded to its members through the directory.

    A group the directory cannot expand gets no form (see :func:`unassigned_groups`).
    Each task records the role every recipient receives it with (a member takes
    its group's role; a unit named in two roles keeps the first: 牵头, 责任, 配合).
    """
    result: dict[str, list[LedgerTask]] = {}
    for task in ledger.tasks:
        task.sent = True
        for name in task.all_units():
            members = directory.members(name) if directory else []
            units = [m.name for m in members] or ([] if is_group(name, directory) else [name])
            for unit in units:
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
                                done_date=report.done_date or report.date_text, evidence=report.evidence,
                                percent="" if report.percent is None else report.percent)
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
    _guide(workbook.create_sheet(SHEET_GUIDE))
    meta = workbook.create_sheet(SHEET_META)
    for key, value in feedback_meta(ledger, unit, tasks, round_label, generated):
        append_text(meta, [key, value])
    meta.sheet_state = "veryHidden"
    return workbook


def _guide(sheet) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.append(["填报说明"])
    sheet["A1"].font = Font(name="黑体", size=14)
    for line in GUIDE:
        sheet.append([line])
        sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[sheet.max_row].height = 32
    sheet.column_dimensions["A"].width = 110
    print_setup(sheet, "1:1")


def _unlock_signature(sheet, first_row: int) -> None:
    """The cells right of 填报人 / 联系电话 / 审核人 / 填报日期 are for the unit to fill in."""
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if str(cell.value or "").strip().rstrip("：:") in SIGNATURE:
                end = next((m.max_col for m in sheet.merged_cells.ranges if cell.coordinate in m), cell.column)
                sheet.cell(cell.row, end + 1).protection = Protection(locked=False)


def _protect(sheet, count: int) -> None:
    header = 3
    columns = {c.value: c.column for c in sheet[header] if c.value}
    last = header + count
    for name in EDITABLE:
        if name not in columns:
            continue  # a user's own template may leave 完成进度(%) out
        for row in range(header + 1, last + 1):
            sheet.cell(row, columns[name]).protection = Protection(locked=False)
    _unlock_signature(sheet, last + 1)
    status = DataValidation(type="list", formula1=f'"{",".join(STATUSES)}"', allow_blank=True,
                            showErrorMessage=True, errorTitle="完成状态",
                            error="请从下拉列表中选择：已完成、推进中、未启动。",
                            showInputMessage=True, promptTitle="完成状态", prompt="已完成 / 推进中 / 未启动")
    done = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
                          showErrorMessage=True, errorTitle="完成日期", error="请填写日期，如 2024-06-30。")
    percent = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                             showErrorMessage=True, errorTitle="完成进度(%)", error="请填写 0 到 100 之间的数字。",
                             showInputMessage=True, promptTitle="完成进度(%)", prompt="按本任务整体完成程度估计，0–100")
    for validation, name in ((status, "完成状态"), (done, "完成日期"), (percent, "完成进度(%)")):
        if name not in columns:
            continue
        letter = sheet.cell(header, columns[name]).column_letter
        validation.add(f"{letter}{header + 1}:{letter}{last}")
        sheet.add_data_validation(validation)
    for row in range(header + 1, last + 1):
        sheet.cell(row, columns["完成日期"]).number_format = "yyyy-mm-dd"
    sheet.protection.sheet = True
    sheet.protection.formatRows = False  # let units make a row taller for a long report
    sheet.protection.autoFilter = False


def split_ledger(ledger_path: str | Path, out_dir: str | Path, round_label: str,
                 directory: UnitDirectory | None = None, loaded: Ledger | None = None) -> list[SplitResult]:
    """Write every unit's feedback workbook into ``out_dir`` and record the round in the ledger.

    Args:
        loaded: The ledger at ``ledger_path`` if the caller has just read it (under its writer lock),
            so a 300-task ledger is not read twice.
    """
    if re.search(r"[\x00-\x1f\x7f]", round_label):
        raise FenJieError(f"轮次“{round_label!r}”中有换行或控制字符：轮次会写入文件名和邮件主题，请改正后再试。")
    ledger = loaded if loaded is not None else load_ledger(ledger_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_unit = recipients(ledger, directory)
    if not by_unit:
        raise FenJieError("没有可下发的单位：任务的单位都是“各部门”“相关单位”等分组，请在单位名录中列出其成员单位。")
    for unit in by_unit:  # a form open in Excel stops the round before any form is replaced
        try:
            check_not_busy(out_dir / feedback_file_name(round_label, unit))
        except FileBusyError as exc:
            raise FenJieError(str(exc)) from None
    results = []

    def write(unit: str, tasks: list[LedgerTask], data: bytes) -> None:
        path = out_dir / feedback_file_name(round_label, unit)
        write_atomically(path, lambda temp: temp.write_bytes(data))
        results.append(SplitResult(unit, path, len(tasks)))

    from .fastforms import write_forms  # it builds on this module's slow path

    write_forms(ledger, by_unit, round_label, write)
    ledger.round = round_label
    if round_label not in ledger.rounds:
        ledger.rounds.append(round_label)
    ledger.issued = {unit: [t.id for t in tasks] for unit, tasks in by_unit.items()}
    save_ledger_progress(ledger_path, ledger, [])
    return results
