"""回收: merge the returned feedback workbooks into the ledger.

Rows are matched by task ID, never by position. Reported: the updates merged;
task text a unit changed (the ledger keeps its own, with a warning); rows a unit
added (listed, not merged); files from another ledger, round or unit, or not
FenJie forms at all; duplicate returns (the newest one counts); units that have not
returned. Every change goes to the history sheet; merging a file twice changes
nothing the second time.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from ..cells import was_cleaned
from ..errors import FenJieError
from ..sheets import form_sheet
from .dates import read_date
from .ledger import Ledger, load_ledger, save_ledger_progress
from .model import SHEET_FORM, SHEET_META, Progress, text_checksum
from .status import read_percent, read_status

RETURN_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# Spreadsheets a unit may send back that are not read: named in the report, never skipped silently.
OTHER_SHEET_SUFFIXES = (".ods", ".et", ".xlsb", ".numbers", ".csv", ".wps")
FIELDS = (("进展情况", "progress"), ("完成状态", "status"), ("完成进度(%)", "percent"), ("完成日期", "done_date"),
          ("完成日期（原文）", "date_text"), ("佐证材料", "evidence"), ("填报人", "reporter"), ("联系电话", "phone"),
          ("审核人", "reviewer"))
TEXT_FIELDS = ("progress", "evidence")
# Headers units rename columns to, folded (no spaces, brackets or %) -> the form's own header.
HEADER_ALIASES = {
    "进展情况": ("进展情况", "进展", "工作进展", "进展情况说明", "推进情况", "落实情况", "工作进展情况", "进展描述",
              "工作推进情况", "完成情况说明"),
    "完成状态": ("完成状态", "状态", "进度状态", "办理状态", "当前状态", "任务状态", "完成情况"),
    "完成进度(%)": ("完成进度", "进度", "完成比例", "完成百分比", "完成进度百分比", "完成率"),
    "完成日期": ("完成日期", "完成时间", "实际完成日期", "实际完成时间", "办结日期", "办结时间"),
    "佐证材料": ("佐证材料", "佐证", "佐证资料", "证明材料", "支撑材料", "附件", "佐证材料清单"),
}
FORM_HEADERS = {"序号", "任务ID", "任务名称", "任务内容", "本单位角色", "完成时限", *HEADER_ALIASES}
_ALIAS = {alias: header for header, aliases in HEADER_ALIASES.items() for alias in aliases}
SIGNATURE_LABELS = {"填报人": "reporter", "联系电话": "phone", "审核人": "reviewer",
                    "审核人（单位负责人）": "reviewer"}
_LABEL_STARTS = {label[0] for label in SIGNATURE_LABELS}
KEEP_LONGER = "较短文本未覆盖原值（新值见本行）"
ADDED_ROW = "单位自行新增的行，未合并（原文见本行）"
FORMULA_NOTE = "公式未计算，按公式原文保留"
CHECK_PREFIX = "需核实："


def _fold_header(text: object) -> str:
    return re.sub(r"[\s（）()%％：:]+", "", str(text or ""))


def form_header(text: object) -> str:
    """The form's own name of a (possibly renamed) column header: 状态 -> 完成状态."""
    folded = _fold_header(text)
    return _ALIAS.get(folded, str(text or "").strip())


@dataclass
class ReturnedForm:
    """A returned workbook as read."""

    path: Path
    meta: dict[str, str]
    rows: list[dict[str, object]]  # header -> value, with "_row" = sheet row
    columns: set[str] = field(default_factory=set)  # the form headers found (after aliases)
    signature: dict[str, str] = field(default_factory=dict)  # reporter / phone / reviewer
    formulas: set[tuple[int, str]] = field(default_factory=set)  # (row, header) read from an uncalculated formula


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
    to_check: list[tuple[str, str, int, str]] = field(default_factory=list)  # file, unit, row, 需核实 note
    missing_columns: list[tuple[str, str, str]] = field(default_factory=list)  # file, unit, header
    kept: list[tuple[str, str, int, str]] = field(default_factory=list)  # file, unit, row, what was kept
    missing_units: list[str] = field(default_factory=list)
    cleaned: list[tuple[str, str]] = field(default_factory=list)  # file, columns with characters a cell cannot hold

    def lines(self) -> list[str]:
        """The report as Chinese lines for the user."""
        out = [f"已合并：{unit} 更新 {n} 项任务" for unit, n in self.merged.items() if n]
        out += [f"无变化：{unit}" for unit, n in self.unchanged.items() if n and not self.merged.get(unit)]
        out += [f"任务内容被改动（已保留台账原文）：{f}（{u}）任务 {t}" for f, u, t in self.text_changed]
        out += [f"新增的行未合并：{f}（{u}）第{r}行：{text[:30]}" for f, u, r, text in self.added_rows]
        out += [f"填写有误（原文已保留）：{f}（{u}）第{r}行：{m}" for f, u, r, m in self.bad_values]
        out += [f"需核实：{f}（{u}）第{r}行：{m.removeprefix('需核实：')}" for f, u, r, m in self.to_check]
        out += [f"缺少“{h}”列（原有内容保留）：{f}（{u}）" for f, u, h in self.missing_columns]
        out += [f"保留原值：{f}（{u}）第{r}行：{m}" for f, u, r, m in self.kept]
        out += [f"未合并：{f}：{reason}" for f, reason in self.rejected]
        out += [f"重复报送（按时间先后依次合并，空白和较短内容不覆盖）：{f}（{u}）" for f, u in self.duplicates]
        out += [f"已清除不可见的控制字符（如从 Word 粘贴的换行符，已改为换行）：{f}（{c}）" for f, c in self.cleaned]
        if self.missing_units:
            out.append(f"未反馈单位（{len(self.missing_units)} 个）：{'、'.join(self.missing_units)}")
        return out


def _fill_merged(sheet, grid: list[list[object]]) -> None:
    """A value of merged cells (G4:G8) belongs to every cell they cover."""
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or []:
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        for r in range(top, min(bottom, len(grid) - 1) + 1):
            for c in range(left, min(right, len(grid[r]) - 1) + 1):
                if grid[r][c] in ("", None):
                    grid[r][c] = value


_FORMULA_MARKS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/", b't="e"')


def _may_hold_formulas(sheet_xml: bytes) -> bool:
    """Whether a sheet part may hold a formula (<f>, <x:f>) or an error value; plain byte searches, not a regex
    tried at every position: this runs on every returned form."""
    return any(mark in sheet_xml for mark in _FORMULA_MARKS)


def _formula_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column) 0-based -> formula or error text (=B1, #REF!), for a sheet that has any.

    python-calamine reads a formula saved without its cached value, and an error
    value, as an empty cell; openpyxl reads the text, which merge keeps (flagged)
    rather than an empty report.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            if not any(_may_hold_formulas(archive.read(n)) for n in archive.namelist()
                       if n.startswith("xl/worksheets/sheet") and n.endswith(".xml")):
                return {}
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=False)
        worksheet = workbook[sheet]
        worksheet.reset_dimensions()  # a stray cell at XFD1048576 must not make a sheet of a billion cells
        cells = {}
        for r, row in enumerate(worksheet.iter_rows()):
            for c, cell in enumerate(row):
                value = getattr(cell, "value", None)
                if isinstance(value, str) and (value.startswith("=") or getattr(cell, "data_type", "") == "e"):
                    cells[(r, c)] = value
        workbook.close()
        return cells
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return {}


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
    try:  # by real extent: one stray cell at XFD1048576 would abort the process inside python-calamine
        sheet, grid = form_sheet(workbook, path, SHEET_FORM)
    except (CalamineError, OSError, ValueError):
        return None
    grid = [list(r) for r in grid]
    header = next((i for i, r in enumerate(grid[:10]) if "任务ID" in [str(v) for v in r]), None)
    if header is None:
        return None
    if sheet is not None:
        _fill_merged(sheet, grid)
    formulas = _formula_cells(path, SHEET_FORM) if path.suffix.lower() != ".xls" else {}
    width = len(grid[header])
    formulas = {(r, c): text for (r, c), text in formulas.items() if c < width and r < len(grid) + 1000}
    grid += [[""] * width for _ in range(max([r + 1 for r, _ in formulas], default=0) - len(grid))]  # formula-only rows
    grid = [row + [""] * (width - len(row)) for row in grid]
    names = [form_header(v) for v in grid[header]]
    form = ReturnedForm(path, meta, [], {n for n in names if n})
    for index, values in enumerate(grid[header + 1:], start=header + 1):
        if _signature(values, form.signature):
            continue
        for (r, c), text in formulas.items():
            if r == index and values[c] in ("", None):
                values[c] = text
                if text.startswith("="):
                    form.formulas.add((index + 1, names[c]))
        if any(v not in ("", None) for v in values):
            form.rows.append({**dict(zip(names, values, strict=False)), "_row": index + 1})
    return form


def _signature(values: list[object], found: dict[str, str]) -> bool:
    """Read a 填报人 / 联系电话 / 审核人 row into ``found``; True when the row is one."""
    if not any(isinstance(v, str) and v.lstrip()[:1] in _LABEL_STARTS for v in values):
        return False  # a task row: one cheap look at each cell instead of parsing it as a label
    hit = False
    for i, value in enumerate(values):
        label, _, after = str(value or "").strip().partition("：")
        key = SIGNATURE_LABELS.get(label.rstrip(":"))
        if key is None:
            continue
        hit = True
        typed = after.strip() or next((str(v).strip() for v in values[i + 1:i + 4]
                                       if str(v or "").strip() and str(v).strip().partition("：")[0].rstrip(":")
                                       not in SIGNATURE_LABELS and str(v).strip() != "填报日期"), "")
        if typed and not typed.startswith("填报日期"):
            found[key] = _text(typed)
    return hit


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value if value is not None else "").strip()


def _check_form(form: ReturnedForm, ledger: Ledger, by_id) -> str:
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


@dataclass
class _Context:
    """One merge run: the ledger, its report and the history lines being written."""

    ledger: Ledger
    report: MergeReport
    now: str
    history: list[list[object]] = field(default_factory=list)
    conflicts: list[list[object]] = field(default_factory=list)  # 合并记录 lines of values not taken


def _typed(form: ReturnedForm, row: dict, ctx: _Context) -> Progress:
    """What the row says, every value kept (a bad date as text, a bad percentage in the notes)."""
    unit, where = form.meta["单位"], (form.path.name, form.meta["单位"], row["_row"])
    notes = []
    reading = read_status(row.get("完成状态"))
    if reading.note:
        notes.append(reading.note)
        ctx.report.to_check.append((*where, reading.note))
    done, problem = read_date(row.get("完成日期"), ctx.ledger.year or None)
    percent, percent_problem = read_percent(row.get("完成进度(%)"))
    for message in (problem, percent_problem):
        if message:
            notes.append(f"填写有误：{message}")
            ctx.report.bad_values.append((*where, message))
    for r, header in form.formulas:
        if r == row["_row"]:
            notes.append(f"{CHECK_PREFIX}{header}{FORMULA_NOTE}")
            ctx.report.to_check.append((*where, f"“{header}”{FORMULA_NOTE}"))
    for header, value in row.items():
        if header not in FORM_HEADERS and header != "_row" and _text(value):
            note = f"另填“{header or '无标题列'}”：{_text(value)[:200]}"
            notes.append(note)
            ctx.report.to_check.append((*where, note))
    date_text = "" if done else _text(row.get("完成日期"))
    return Progress(unit, _text(row.get("进展情况")), reading.typed, done, _text(row.get("佐证材料")), ctx.now,
                    percent, ctx.ledger.round, date_text, form.signature.get("reporter", ""),
                    form.signature.get("phone", ""), form.signature.get("reviewer", ""), "；".join(notes))


def _combine(old: Progress, new: Progress, form: ReturnedForm, row: dict, ctx: _Context,
             task_id: str) -> Progress:
    """``old`` updated by ``new``: a blank, a missing column or a shorter text never replaces a value."""
    where = (form.path.name, new.unit, row["_row"])
    merged = replace(new)
    if not (new.done_date or new.date_text) or "完成日期" not in form.columns:
        merged.done_date, merged.date_text = old.done_date, old.date_text
    for label, key in FIELDS:
        if key in ("done_date", "date_text"):
            continue
        before, after = getattr(old, key), getattr(new, key)
        column = label if label in HEADER_ALIASES else ""  # 填报人 etc. come from the signature block
        if after in ("", None) or (column and column not in form.columns):
            setattr(merged, key, before)
            if before not in ("", None) and column in form.columns:
                ctx.report.kept.append((*where, f"“{label}”为空，保留原值"))
        elif key in TEXT_FIELDS and before and len(after) < len(before):
            setattr(merged, key, before)
            ctx.report.kept.append((*where, f"“{label}”比原值短，保留原值"))
            ctx.conflicts.append([ctx.now, form.path.name, new.unit, task_id, label, _show(before), _show(after),
                                  KEEP_LONGER])
    merged.notes = new.notes
    return merged


def _apply_row(form: ReturnedForm, row: dict, task, ctx: _Context) -> bool:
    unit = form.meta["单位"]
    if _text(row.get("任务内容")) and _text(row.get("任务内容")) != task.content:
        ctx.report.text_changed.append((form.path.name, unit, task.id))
    new = _typed(form, row, ctx)
    held = task.reports.get(unit)
    base = held if held is not None else Progress(unit, round=ctx.ledger.round)
    merged = _combine(base, new, form, row, ctx, task.id)
    same_round = held is None or held.round == ctx.ledger.round
    changes = [(label, getattr(base, key), getattr(merged, key)) for label, key in FIELDS
               if not _same(getattr(base, key), getattr(merged, key))]
    if same_round and not changes and (held.notes if held else "") == merged.notes:
        return False
    for label, before, after in changes:
        ctx.history.append([ctx.now, form.path.name, unit, task.id, label, _show(before), _show(after), ""])
    if not same_round and held is not None:
        task.history.append(held)  # an earlier round's report stays as it was
        if not changes:
            ctx.history.append([ctx.now, form.path.name, unit, task.id, "轮次", held.round, ctx.ledger.round,
                                "本轮沿用上轮填报"])
    task.reports[unit] = merged
    return True


def _conflict_key(line: list[object]) -> tuple[str, ...]:
    return tuple(str(v or "") for v in line[2:8])


def logged_conflicts(ledger_path: str | Path) -> set[tuple[str, ...]]:
    """Conflicts already in 合并记录, so merging the same files again adds nothing."""
    from ..sheet_xml import Unsupported
    from .ledger import SHEET_HISTORY, _rows
    from .ledger_package import marked_history_rows

    marks = (KEEP_LONGER, ADDED_ROW)
    try:
        rows = marked_history_rows(ledger_path, marks)
    except Unsupported as exc:
        logging.getLogger(__name__).info("合并记录按 python-calamine 逐行读取：%s", exc)
        rows = list(_rows(Path(ledger_path), SHEET_HISTORY))[1:]
    return {_conflict_key(list(r) + [""] * 8) for r in rows if len(r) >= 8 and r[7] in marks}


def _same(before: object, after: object) -> bool:
    return before == after or (before in ("", None) and after in ("", None))


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def _forms(folder: Path, report: MergeReport) -> list[ReturnedForm]:
    forms = []
    for other in sorted(p for p in folder.iterdir() if p.suffix.lower() in OTHER_SHEET_SUFFIXES):
        reason = f"{other.suffix} 格式无法合并：请该单位用 Excel 或 WPS 另存为 .xlsx 后重新报送"
        report.rejected.append((other.name, reason))
    files = sorted((p for p in folder.iterdir() if p.suffix.lower() in RETURN_SUFFIXES and not p.name.startswith("~$")),
                   key=lambda p: (p.stat().st_mtime, p.name))
    for path in files:
        form = read_return(path)
        if form is None:
            report.rejected.append((path.name, "不是 FenJie 下发的反馈表，或文件已损坏"))
        else:
            forms.append(form)
            columns = sorted({name for row in form.rows for name, value in row.items() if was_cleaned(value)})
            if columns:
                report.cleaned.append((path.name, "、".join(columns)))
    return forms


def merge_returns(ledger_path: str | Path, folder: str | Path, done_by: str | None = None) -> MergeReport:
    """Merge every returned form in ``folder`` into the ledger file.

    ``done_by`` (牵头/全部, see :class:`~addin.progress.status.Rules`) is the 办结认定 the
    工作台账's 完成状态 column follows from now on; None keeps the one the ledger remembers.

    A unit's returns are merged oldest first, so a later return updates an earlier
    one but never erases it (see :func:`_combine`); everything kept, replaced or
    found wrong is listed in 合并记录 and in the report.

    Raises:
        FenJieError: the ledger or the folder cannot be read.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FenJieError(f"找不到回收文件夹“{folder}”。")
    ledger = load_ledger(ledger_path)
    rule_changed = done_by is not None and done_by != ledger.done_by
    ledger.done_by = done_by or ledger.done_by
    by_id = ledger.by_id()
    ctx = _Context(ledger, MergeReport(), datetime.now().isoformat(timespec="seconds"))
    per_unit: dict[str, list[ReturnedForm]] = {}
    for form in _forms(folder, ctx.report):
        reason = _check_form(form, ledger, by_id)
        if reason:
            ctx.report.rejected.append((form.path.name, reason))
            continue
        per_unit.setdefault(form.meta["单位"], []).append(form)
    if ledger.round and ledger.round not in ledger.rounds:
        ledger.rounds.append(ledger.round)
    for unit, forms in per_unit.items():
        ctx.report.duplicates += [(f.path.name, unit) for f in forms[:-1]]
        updated: set[str] = set()
        unchanged: set[str] = set()
        mine = set(ledger.issued.get(unit, [])) if ledger.issued else set(by_id)
        for form in forms:
            ctx.report.missing_columns += [(form.path.name, unit, h) for h in HEADER_ALIASES
                                           if h not in form.columns and h != "完成进度(%)"]
            for row in form.rows:
                task_id_ = _text(row.get("任务ID"))
                if task_id_ not in mine:
                    ctx.report.added_rows.append((form.path.name, unit, row["_row"], _text(row.get("任务内容"))))
                    typed = "；".join(f"{h}：{_text(v)}" for h, v in row.items() if h != "_row" and _text(v))
                    ctx.conflicts.append([ctx.now, form.path.name, unit, task_id_, f"第{row['_row']}行", "", typed,
                                          ADDED_ROW])
                elif _apply_row(form, row, by_id[task_id_], ctx):
                    updated.add(task_id_)
                else:
                    unchanged.add(task_id_)
        ctx.report.merged[unit], ctx.report.unchanged[unit] = len(updated), len(unchanged - updated)
    ctx.report.missing_units = [u for u in ledger.expected_units if u not in per_unit]
    logged = logged_conflicts(ledger_path)
    new_conflicts = [c for c in ctx.conflicts if _conflict_key(c) not in logged]
    if ctx.history or new_conflicts or rule_changed:
        save_ledger_progress(ledger_path, ledger, ctx.history + new_conflicts)
    return ctx.report
