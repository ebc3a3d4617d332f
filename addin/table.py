"""Reading any real 任务分解表, not only FenJie's own.

Published tables differ in column order and wording (任务名称/工作重点/目标和任务,
完成时限/时间节点/完成时间), put 一、 section rows between tasks, merge a task name
over several rows, mark lead units with ``*``, repeat the header at page breaks, or
split a header over two merged rows. This module finds the header and reads the
rows the way a person does. It reports what it cannot read as findings.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .columns import MAX_HEADER_SCAN, TASK_ROLES, find_task_header, header_roles, is_header_row, normalize_header
from .decompose import TaskRow
from .errors import FenJieError
from .findings import Finding, Severity
from .plan.markers import find_marker
from .safe_io import check_input_file
from .units.cells import parse_unit_cell
from .units.notes import UnitRoles
from .workbook import SHEET_PLAN

MAX_TABLE_BYTES = 50 * 1024 * 1024


class TableReadError(FenJieError):
    """A workbook that cannot be read as a 任务分解表 at all."""


@dataclass
class TaskTable:
    """A 任务分解表 read from a workbook.

    Attributes:
        path: The workbook.
        sheet: The sheet the table is on.
        header_row: 1-based row of the (last) header row.
        columns: Column role -> 0-based column index.
        rows: The tasks; ``where`` holds "第N行".
        row_numbers: 1-based sheet row of each task.
        star_lead: Lead units are marked with ``*`` in the units column.
        findings: What the reader noticed (merged cells, hidden rows, formulas, …).
    """

    path: Path
    sheet: str
    header_row: int
    columns: dict[str, int]
    rows: list[TaskRow]
    row_numbers: list[int]
    star_lead: bool = False
    title: str = ""
    findings: list[Finding] = field(default_factory=list)
    texts: list[dict[str, str]] = field(default_factory=list)  # per task: role -> cell text as stored

    def cell(self, role: str, index: int) -> str:
        """A1 reference of column ``role`` in task ``index`` (or "" if no such column)."""
        from openpyxl.utils import get_column_letter

        if role not in self.columns:
            return ""
        return f"{get_column_letter(self.columns[role] + 1)}{self.row_numbers[index]}"


def _row_roles(values: list[object]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for index, role in header_roles(values).items():
        if role in TASK_ROLES and role not in roles:
            roles[role] = index
    return roles


def find_header(grid: list[list[object]]) -> tuple[int, dict[str, int]]:
    """0-based header row and its column roles (header words and content); a two-row header is combined.

    Raises:
        TableReadError: no row among the first rows names a task column, and the
            content shows none either.
    """
    found = find_task_header(grid)
    if found is None:
        raise TableReadError("未找到表头：前 15 行中没有“序号”“任务内容”“责任单位”等列名。")
    index, roles = found
    if index + 1 < len(grid):
        below = _row_roles(grid[index + 1])
        if below and not (below.keys() & {"seq"}) and is_header_row(grid[index + 1]) and all(
                grid[index + 1][i] not in (None, "") for i in below.values()):
            merged = {**roles, **below}  # 责任单位 over 牵头单位 | 配合单位
            if "units" in merged and merged["units"] in below.values() and "units" not in below:
                del merged["units"]
            return index + 1, merged
    return index, roles


_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # OOXML stores characters XML cannot hold (control characters) as _xHHHH_.
    return _XML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), str(value)).strip()


def _is_header_again(values: list[str], header: list[str]) -> bool:
    """The header repeated at a page break, or another header row (never a task)."""
    filled = [normalize_header(v) for v in values if v]
    return bool(filled) and (filled == [normalize_header(h) for h in header if h] or is_header_row(values))


def _section_text(values: list[str], columns: dict[str, int]) -> str | None:
    """The text of a section row ("一、…" alone on its row, or one text across the row), else None."""
    filled = [v for v in values if v]
    if not filled or len(set(filled)) != 1:
        return None
    marker = find_marker(filled[0])
    if marker and marker.kind in ("chapter", "section", "part"):
        return filled[0]
    spread = len(filled) >= 3 and len(filled) == len([v for v in values[: max(columns.values()) + 1]])
    return filled[0] if spread and len(filled[0]) <= 60 else None


_FOOTNOTE = re.compile(r"^\s*(?:注|备注|说明|附注)\s*[0-9０-９]?\s*[:：]")


def _is_footnote(values: list[str]) -> bool:
    """"注：标*的为牵头单位" under a table: one text, no task."""
    filled = {v for v in values if v}
    return len(filled) == 1 and _FOOTNOTE.match(next(iter(filled))) is not None


def parse_units_cell(text: str, star_lead: bool, default_role: str = "units") -> UnitRoles:
    """The roles in a 责任单位 cell: ``*`` marks, 牵头单位：…；…, X牵头，Y配合, one unit per line."""
    del star_lead  # a "*" marks the lead wherever it is written
    return parse_unit_cell(text, default_role)


MAX_TABLE_ROWS = 20000
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class _Sheet:
    name: str
    grid: list[list[object]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based r1, c1, r2, c2
    hidden_rows: set[int] = field(default_factory=set)  # 0-based
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)


def check_file(path: Path) -> None:
    """Refuse a missing, empty or far too large workbook (a 任务分解表 is well under 50 MB)."""
    check_input_file(path, MAX_TABLE_BYTES, "一份任务分解表", TableReadError)


def _ole_kind(path: Path) -> str:
    """For an OLE compound file: "encrypted" (a protected .xlsx) or "legacy" (.xls/.et)."""
    with path.open("rb") as handle:
        head = handle.read(8)
        if head != _OLE_SIGNATURE:
            return ""
        handle.seek(0)
        data = handle.read(2 * 1024 * 1024)
    return "encrypted" if "EncryptionInfo".encode("utf-16-le") in data else "legacy"


def _read_sheets(path: Path) -> list[_Sheet]:
    check_file(path)
    suffix = path.suffix.lower()
    ole = _ole_kind(path)
    if ole == "encrypted":
        raise TableReadError(f"工作簿“{path.name}”设有打开密码：请在 Excel 中取消密码后再试。")
    if suffix in (".xlsx", ".xlsm") and not ole:
        return _read_openpyxl(path)
    if suffix in (".xls", ".et", ".ods", ".xlsb") or ole:
        return _read_calamine(path)
    raise TableReadError(f"不支持的文件类型“{path.suffix}”（{path.name}）：请提供 .xlsx、.xls 或 .et 文件。")


def _read_calamine(path: Path) -> list[_Sheet]:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        return [_Sheet(name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
                for name in workbook.sheet_names]
    except PasswordError:
        raise TableReadError(f"工作簿“{path.name}”设有打开密码：请在 Excel 中取消密码后再试。") from None
    except (CalamineError, OSError, ValueError, TypeError):
        hint = "WPS 表格文件请另存为 .xlsx 后再试。" if path.suffix.lower() == ".et" else "文件可能已损坏。"
        raise TableReadError(f"无法读取“{path.name}”：{hint}") from None


def open_workbook(path: Path, **options):
    """openpyxl.load_workbook with damaged files turned into a clear TableReadError."""
    import openpyxl

    try:
        return openpyxl.load_workbook(path, **options)
    except zipfile.BadZipFile:
        raise TableReadError(f"文件“{path.name}”已损坏，或不是 Excel 工作簿（.xlsx）。") from None
    except (KeyError, ValueError, TypeError, OSError):
        raise TableReadError(
            f"文件“{path.name}”无法作为 Excel 工作簿打开：可能已损坏，或是改了扩展名的其他文件。") from None


def _read_openpyxl(path: Path) -> list[_Sheet]:
    probe = open_workbook(path, read_only=True)
    too_long = [ws.title for ws in probe.worksheets if _row_count(ws) > MAX_TABLE_ROWS + MAX_HEADER_SCAN]
    probe.close()
    if too_long:
        raise TableReadError(
            f"工作表“{too_long[0]}”超过 {MAX_TABLE_ROWS:,} 行，不像是一份任务分解表：请只保留任务表后再试。")
    workbook = open_workbook(path)
    sheets = [_sheet_of(ws) for ws in workbook.worksheets]
    if any(s.formulas for s in sheets):
        cached = open_workbook(path, data_only=True)
        for sheet in sheets:
            for (r, c), formula in sheet.formulas.items():
                value = cached[sheet.name].cell(r + 1, c + 1).value
                # Never calculated (written by a program): keep the formula text, reported below.
                sheet.grid[r][c] = formula if value is None else value
    return sheets


def _row_count(ws) -> int:
    """Rows of a read-only sheet: its recorded dimension, else counted up to just past the limit."""
    if ws.max_row is not None and ws.max_row > 1:
        return ws.max_row
    limit = MAX_TABLE_ROWS + MAX_HEADER_SCAN + 1
    count = 0
    for count, _ in enumerate(ws.iter_rows(values_only=True), start=1):
        if count >= limit:
            break
    return count


def _sheet_of(ws) -> _Sheet:
    grid = [list(row) for row in ws.iter_rows(values_only=True)]
    width = max((len(r) for r in grid), default=0)
    grid = [r + [None] * (width - len(r)) for r in grid]
    formulas = {(r, c): v for r, row in enumerate(grid) for c, v in enumerate(row)
                if isinstance(v, str) and v.startswith("=") and ws.cell(r + 1, c + 1).data_type == "f"}
    merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
    hidden = {r - 1 for r, dim in ws.row_dimensions.items() if dim.hidden}
    return _Sheet(ws.title, grid, merged, hidden, formulas)


def _fill_merged(sheet: _Sheet) -> None:
    for r1, c1, r2, c2 in sheet.merged:
        value = sheet.grid[r1][c1] if r1 < len(sheet.grid) and c1 < len(sheet.grid[r1]) else None
        for r in range(r1, min(r2 + 1, len(sheet.grid))):
            for c in range(c1, min(c2 + 1, len(sheet.grid[r]))):
                sheet.grid[r][c] = value


def _choose_sheet(sheets: list[_Sheet], wanted: str | None, name: str) -> tuple[_Sheet, int, dict[str, int]]:
    sheets = [s for s in sheets if not s.name.startswith("_备份_")]  # FenJie's hidden undo copies
    if not sheets or all(not any(v not in (None, "") for row in s.grid for v in row) for s in sheets):
        raise TableReadError(f"工作簿“{name}”是空的。")
    if wanted:
        chosen = [s for s in sheets if s.name == wanted]
        if not chosen:
            raise TableReadError(f"工作簿“{name}”中没有“{wanted}”工作表（现有：{'、'.join(s.name for s in sheets)}）。")
        candidates = chosen
    else:
        candidates = sorted(sheets, key=lambda s: s.name != "任务分解")
    for sheet in candidates:
        try:
            return sheet, *find_header(sheet.grid)
        except TableReadError:
            continue
    where = f"工作表“{wanted}”" if wanted else f"工作簿“{name}”"
    raise TableReadError(f"{where}中未找到任务表的表头（如“序号”“任务内容”“责任单位”）。")


def read_task_table(path: str | Path, sheet: str | None = None) -> TaskTable:
    """Read the 任务分解表 of a workbook (.xlsx/.xlsm; .xls/.et through python-calamine).

    Args:
        path: The workbook.
        sheet: The sheet to read; default: 任务分解, else the first sheet with a header.

    Raises:
        TableReadError: the file is missing, damaged, encrypted, empty, of another
            type, far too large, or has no recognizable header. The message names it.
    """
    path = Path(path)
    sheets = _read_sheets(path)
    chosen, header, columns = _choose_sheet(sheets, sheet, path.name)
    raw_grid = [list(r) for r in chosen.grid]
    _fill_merged(chosen)
    title = _title(chosen.grid[:header]) or _plan_title(sheets)
    table = TaskTable(path, chosen.name, header + 1, columns, [], [], title=title)
    table.star_lead = any("*" in str(v) or "＊" in str(v) for v in chosen.grid[header]) and "lead" not in columns
    _read_rows(table, chosen, header)
    if not table.rows:
        raise TableReadError(f"工作表“{chosen.name}”只有表头（第{header + 1}行），没有任务行。")
    # Cell texts as stored: a merged range's text once, at its top-left cell.
    table.texts = [{role: _text(raw_grid[r - 1][c]) for role, c in columns.items() if c < len(raw_grid[r - 1])}
                   for r in table.row_numbers]
    table.findings = _sheet_findings(table, chosen, raw_grid, header)
    return table


def rows_from_grid(grid: list[list[str]], label: str, strict: bool = True) -> list[TaskRow]:
    """The task rows of a table inside a plan document (a plan that already carries its 任务分解表).

    Args:
        grid: The table's cell texts, row by row (merged cells repeated, as Word gives them).
        label: Where the table is, for the 来源 column ("表1").
        strict: Require a unit or deadline column besides the task column; without
            it any table naming a task column (序号 | 重点任务) counts.

    Returns:
        The rows, or [] when the table is no task table.
    """
    try:
        header, columns = find_header(grid)
    except TableReadError:
        return []
    if strict and not {"units", "lead", "assist", "deadline"} & columns.keys():
        return []
    table = TaskTable(Path(label), label, header + 1, columns, [], [])
    table.star_lead = any("*" in v or "＊" in v for v in grid[header]) and "lead" not in columns
    _read_rows(table, _Sheet(label, [list(r) for r in grid]), header)
    for row, number in zip(table.rows, table.row_numbers, strict=True):
        row.source, row.where = label, f"第{number}行"
    return [row for row in table.rows if row.content]


def table_header(grid: list[list[str]]) -> list[str]:
    """The header row of a task table's grid (for a continuation that lacks it), or []."""
    try:
        return list(grid[find_header(grid)[0]])
    except TableReadError:
        return []


def _plan_title(sheets: list[_Sheet]) -> str:
    """"《要点》任务分解表" from the 上级要点 sheet of a FenJie working workbook, or ""."""
    from .titles import table_title, title_from_plan_rows

    plan = next((sheet for sheet in sheets if sheet.name == SHEET_PLAN), None)
    name = title_from_plan_rows(plan.grid) if plan else ""
    return table_title(name) if name else ""


def _title(rows: list[list[object]]) -> str:
    """The table's title above its header: "…任务分解表", "…分工方案", "…重点事项推进表"."""
    texts = [_text(v) for row in rows for v in row if _text(v)]
    # Any "…表" counts (分工表, 推进表, 责任表): a table's title names what it is, whatever it lists.
    titled = [t for t in texts if re.search(r"(分解|分工|台账|清单|计划|要点|方案|表$)", t)
              and not t.startswith(("附件", "附表")) and not re.search(r"[:：]", t)]
    return titled[0] if titled else ""


_INHERITED = ("chapter", "section", "name")


def _read_rows(table: TaskTable, sheet: _Sheet, header: int) -> None:
    header_values = [_text(v) for v in sheet.grid[header]]
    chapter = section = ""
    columns = table.columns
    above: dict[str, str] = {}
    for r in range(header + 1, len(sheet.grid)):
        values = [_text(v) for v in sheet.grid[r]]
        if not any(values) or _is_header_again(values, header_values):
            continue
        if _is_footnote(values):
            continue
        heading = _section_text(values, columns)
        if heading:
            kind = find_marker(heading).kind if find_marker(heading) else "chapter"
            chapter, section = (heading, "") if kind in ("chapter", "part") else (chapter, heading)
            above = {}
            continue
        _inherit(values, columns, above)
        row = _task_row(values, columns, table.star_lead, chapter, section, r + 1)
        if not row.content and not row.name:
            continue
        table.rows.append(row)
        table.row_numbers.append(r + 1)


def _inherit(values: list[str], columns: dict[str, int], above: dict[str, str]) -> None:
    """An empty group cell (task name, section) takes the text above it: a merged cell as pasted."""
    for role in _INHERITED:
        c = columns.get(role)
        if c is None or c >= len(values) or "content" not in columns:
            continue
        if values[c]:
            above[role] = values[c]
            for lower in _INHERITED[_INHERITED.index(role) + 1:]:
                if lower in columns and not values[columns[lower]]:
                    above.pop(lower, None)
        elif role in above and values[columns["content"]]:
            values[c] = above[role]


def _task_row(values: list[str], columns: dict[str, int], star_lead: bool, chapter: str, section: str,
              number: int) -> TaskRow:
    def get(role: str) -> str:
        return values[columns[role]] if role in columns and columns[role] < len(values) else ""

    name, content = get("name"), get("content")
    if "content" not in columns:
        name, content = "", name  # one text column (目标和任务) holds the task itself
    roles = parse_units_cell(get("units"), star_lead) if get("units") else UnitRoles()
    for role in ("lead", "assist"):
        if get(role):
            roles.merge(parse_units_cell(get(role), star_lead, role))
    seq_text = get("seq")
    seq = int(seq_text) if seq_text.isdigit() else 0
    chapter, section = get("chapter") or chapter, get("section") or section
    return TaskRow(seq=seq, chapter=chapter, section=section, name=name, content=content,
                   lead=roles.lead, units=roles.units, assist=roles.assist, deadline=get("deadline"),
                   source=seq_text, where=f"第{number}行", deadline_note=get("deadline"))


def _sheet_findings(table: TaskTable, sheet: _Sheet, raw: list[list[object]], header: int) -> list[Finding]:
    from openpyxl.utils import get_column_letter

    findings = []
    data_rows = set(table.row_numbers)
    spread_roles = {table.columns.get(k) for k in ("name", "seq")}
    for r1, c1, r2, c2 in sheet.merged:
        if r2 > r1 and r1 + 1 in data_rows and c1 not in spread_roles:
            ref = f"{get_column_letter(c1 + 1)}{r1 + 1}:{get_column_letter(c2 + 1)}{r2 + 1}"
            findings.append(Finding("layout.merged", Severity.WARNING, table.sheet, ref,
                                    f"数据区内有合并单元格 {ref}：已按每行相同的值读取，请确认。"))
    for r in sorted(sheet.hidden_rows):
        if r + 1 in data_rows:
            findings.append(Finding("layout.hidden_row", Severity.WARNING, table.sheet, f"A{r + 1}",
                                    f"第{r + 1}行是隐藏行：打印和下发时容易被遗漏。"))
    for (r, c), formula in sheet.formulas.items():
        if r > header:
            ref = f"{get_column_letter(c + 1)}{r + 1}"
            calculated = sheet.grid[r][c] != formula
            severity = Severity.WARNING if calculated else Severity.ERROR
            message = (f"单元格是公式（{formula[:30]}）：已读取其计算结果，建议改为文本。" if calculated
                       else f"单元格是公式（{formula[:30]}）且没有计算结果：请在 Excel 中打开并保存，或改为文本。")
            findings.append(Finding("cell.formula", severity, table.sheet, ref, message))
    return findings
