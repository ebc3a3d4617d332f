"""回收: merge the returned feedback workbooks into the ledger.

Rows are matched by task ID, never by position. Reported: the updates merged;
task text a unit changed (the ledger keeps its own, with a warning); rows a unit
added (listed, not merged); files from another ledger, round or unit, or not
FenJie forms at all; duplicate returns (the newest one counts); units that have not
returned. Every change goes to the history sheet; merging a file twice changes
nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import FenJieError
from .ledger import Ledger, cell_date, load_ledger, save_ledger_progress
from .model import STATUSES, LedgerTask, Progress, text_checksum
from .split import SHEET_FORM, SHEET_META

RETURN_SUFFIXES = (".xlsx", ".xlsm", ".xls")
FIELDS = (("进展情况", "progress"), ("完成状态", "status"), ("完成日期", "done_date"), ("佐证材料", "evidence"))


@dataclass
class ReturnedForm:
    """A returned workbook as read."""

    path: Path
    meta: dict[str, str]
    rows: list[dict[str, object]]  # header -> value, with "_row" = sheet row


@dataclass
class MergeReport:
    """What a merge did and found."""

    merged: dict[str, int] = field(default_factory=dict)  # unit -> tasks updated
    unchanged: dict[str, int] = field(default_factory=dict)  # unit -> tasks already up to date
    text_changed: list[tuple[str, str, str]] = field(default_factory=list)  # file, unit, task id
    added_rows: list[tuple[str, str, int, str]] = field(default_factory=list)  # file, unit, row, text
    rejected: list[tuple[str, str]] = field(default_factory=list)  # file, reason
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # file, unit
    bad_values: list[tuple[str, str, int, str]] = field(default_factory=list)  # file, unit, row, message
    missing_units: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as Chinese lines for the user."""
        out = [f"已合并：{unit} 更新 {n} 项任务" for unit, n in self.merged.items() if n]
        out += [f"无变化：{unit}" for unit, n in self.unchanged.items() if n and not self.merged.get(unit)]
        out += [f"任务内容被改动（已保留台账原文）：{f}（{u}）任务 {t}" for f, u, t in self.text_changed]
        out += [f"新增的行未合并：{f}（{u}）第{r}行：{text[:30]}" for f, u, r, text in self.added_rows]
        out += [f"填写有误未合并：{f}（{u}）第{r}行：{m}" for f, u, r, m in self.bad_values]
        out += [f"未合并：{f}：{reason}" for f, reason in self.rejected]
        out += [f"重复报送（以最新文件为准）：{f}（{u}）" for f, u in self.duplicates]
        if self.missing_units:
            out.append(f"未反馈单位（{len(self.missing_units)} 个）：{'、'.join(self.missing_units)}")
        return out


def read_return(path: Path) -> ReturnedForm | None:
    """Read a returned form with python-calamine (fast, and reads .xls too); None if not a form."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError):
        return None
    if SHEET_META not in workbook.sheet_names or SHEET_FORM not in workbook.sheet_names:
        return None
    meta = {str(r[0]): str(r[1]) for r in workbook.get_sheet_by_name(SHEET_META).to_python() if r and r[0]}
    grid = workbook.get_sheet_by_name(SHEET_FORM).to_python(skip_empty_area=False)
    header = next((i for i, r in enumerate(grid[:10]) if "任务ID" in [str(v) for v in r]), None)
    if header is None:
        return None
    names = [str(v) for v in grid[header]]
    rows = []
    for index, values in enumerate(grid[header + 1:], start=header + 2):
        if any(v not in ("", None) for v in values):
            rows.append({**dict(zip(names, values, strict=False)), "_row": index})
    return ReturnedForm(path, meta, rows)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value or "").strip()


def _check_form(form: ReturnedForm, ledger: Ledger, by_id: dict[str, LedgerTask]) -> str:
    """Why a form cannot be merged, or ""."""
    meta = form.meta
    if meta.get("台账编号") != ledger.id:
        return "不是本台账下发的反馈表（台账编号不符）"
    if ledger.round and meta.get("轮次") != ledger.round:
        return f"轮次不符：表中为“{meta.get('轮次')}”，本轮为“{ledger.round}”"
    unit = meta.get("单位", "")
    if ledger.expected_units and unit not in ledger.expected_units:
        return f"单位“{unit}”不在本轮下发名单中"
    issued = ledger.issued.get(unit, [])
    if ledger.issued and form.meta.get("校验码") != text_checksum([by_id[i].content for i in issued if i in by_id]):
        return f"表中的任务与下发给“{unit}”的不一致：可能是其他单位的表，或改动了隐藏的表格信息"
    return ""


def _apply_row(form: ReturnedForm, row: dict, task: LedgerTask, report: MergeReport, now: str,
               history: list[list[object]]) -> bool:
    unit = form.meta["单位"]
    if _text(row.get("任务内容")) and _text(row.get("任务内容")) != task.content:
        report.text_changed.append((form.path.name, unit, task.id))
    status = _text(row.get("完成状态"))
    if status and status not in STATUSES:
        report.bad_values.append((form.path.name, unit, row["_row"], f"完成状态“{status}”不是 {'/'.join(STATUSES)}"))
        status = ""
    new = Progress(unit, _text(row.get("进展情况")), status, cell_date(row.get("完成日期")),
                   _text(row.get("佐证材料")), now)
    old = task.reports.get(unit, Progress(unit))
    changes = [(label, getattr(old, key), getattr(new, key)) for label, key in FIELDS
               if (getattr(old, key) or "") != (getattr(new, key) or "")]
    if not changes:
        return False
    for label, before, after in changes:
        history.append([now, form.path.name, unit, task.id, label, _show(before), _show(after)])
    task.reports[unit] = new
    return True


def _show(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def _forms(folder: Path, report: MergeReport) -> list[ReturnedForm]:
    forms = []
    files = sorted((p for p in folder.iterdir() if p.suffix.lower() in RETURN_SUFFIXES and not p.name.startswith("~$")),
                   key=lambda p: (p.stat().st_mtime, p.name))
    for path in files:
        form = read_return(path)
        if form is None:
            report.rejected.append((path.name, "不是 FenJie 下发的反馈表，或文件已损坏"))
        else:
            forms.append(form)
    return forms


def merge_returns(ledger_path: str | Path, folder: str | Path) -> MergeReport:
    """Merge every returned form in ``folder`` into the ledger file.

    Raises:
        FenJieError: the ledger or the folder cannot be read.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FenJieError(f"找不到回收文件夹“{folder}”。")
    ledger = load_ledger(ledger_path)
    report = MergeReport()
    by_id = ledger.by_id()  # once per merge: rebuilding it per row made a merge quadratic
    latest: dict[str, ReturnedForm] = {}
    for form in _forms(folder, report):
        reason = _check_form(form, ledger, by_id)
        if reason:
            report.rejected.append((form.path.name, reason))
            continue
        unit = form.meta["单位"]
        if unit in latest:
            report.duplicates.append((latest[unit].path.name, unit))
        latest[unit] = form
    now = datetime.now().isoformat(timespec="seconds")
    history: list[list[object]] = []
    for unit, form in latest.items():
        updated = unchanged = 0
        mine = set(ledger.issued.get(unit, [])) if ledger.issued else by_id
        for row in form.rows:
            if _text(row.get("任务ID")) not in mine:
                report.added_rows.append((form.path.name, unit, row["_row"], _text(row.get("任务内容"))))
            elif _apply_row(form, row, by_id[_text(row.get("任务ID"))], report, now, history):
                updated += 1
            else:
                unchanged += 1
        report.merged[unit], report.unchanged[unit] = updated, unchanged
    report.missing_units = [u for u in ledger.expected_units if u not in latest]
    if history:
        save_ledger_progress(ledger_path, ledger, history)
    return report
