"""Step 7 of the flow: the formatted workbooks, from templates users can edit.

A template is an ordinary .xlsx (see ``workbook_templates/``): cells hold jinja2
placeholders; the row with ``{{ task.… }}`` is repeated for every task with its
styles, the row with ``{{ section.title }}`` becomes each section row, rows with
the same 任务名称 are merged, and every row gets a height that fits its text
(openpyxl does not autofit, and Excel does not refit rows on opening).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from copy import copy
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
from openpyxl import Workbook, load_workbook
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .cells import put_text
from .errors import FenJieError
from .layout import row_height, wrapped_lines
from .print_layout import fit_units_to_column, paginate, unit_column_width
from .safe_io import write_atomically
from .typography import typeset

TEMPLATE_NAMES = ("任务分解表", "工作台账", "单位反馈表")
SETTINGS_SHEET = "模板设置"
BREAK_NAMES_SETTING = "长单位名称在词间换行"
TITLE_FONT_FALLBACK = {"方正小标宋简体": ("宋体", True), "仿宋_GB2312": ("仿宋", False)}


class TemplateError(FenJieError):
    """A template that cannot be used (missing, or a broken placeholder)."""


@dataclass
class RenderContext:
    """What the placeholders of a template can use.

    Attributes:
        title: The table's title ({{ title }}).
        tasks: One mapping per task ({{ task.seq }}, {{ task.content }}, …).
        values: Any other placeholders ({{ year }}, {{ issuer }}, {{ attachment_label }}, …).
    """

    title: str
    tasks: list[dict[str, object]]
    values: dict[str, object] = field(default_factory=dict)


def template_dirs(extra: str | Path | None = None) -> list[Path]:
    """Where templates are looked up, first match wins: ``extra``, $FENJIE_TEMPLATES, bundled."""
    dirs = [Path(p) for p in (extra, os.environ.get("FENJIE_TEMPLATES")) if p]
    return [*dirs, Path(str(resources.files("workbook_templates")))]


def find_template(name: str, extra: str | Path | None = None) -> Path:
    """The template file for ``name`` (a bundled name, a file name, or a path)."""
    candidate = Path(name)
    if candidate.suffix.lower() == ".xlsx" and candidate.is_file():
        return candidate
    file_name = name if name.endswith(".xlsx") else f"{name}.xlsx"
    for folder in template_dirs(extra):
        if (folder / file_name).is_file():
            return folder / file_name
    raise TemplateError(f"找不到模板“{name}”：可用 {'、'.join(TEMPLATE_NAMES)}，或给出 .xlsx 模板文件的路径。")


def _settings(workbook: Workbook) -> dict[str, str]:
    if SETTINGS_SHEET not in workbook.sheetnames:
        return {}
    rows = workbook[SETTINGS_SHEET].iter_rows(min_row=2, values_only=True)
    return {str(r[0]).strip(): str(r[1] or "").strip() for r in rows if r and r[0]}


def _marker_rows(sheet: Worksheet) -> tuple[int | None, int]:
    """(section row, task row) of a template sheet, 1-based."""
    section = task = None
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                if "section." in cell.value and section is None:
                    section = cell.row
                if "task." in cell.value and task is None:
                    task = cell.row
    if task is None:
        raise TemplateError(f"模板工作表“{sheet.title}”中没有任务行：请在一行中放入 {{{{ task.content }}}} 等占位符。")
    return section, task


@dataclass
class _RowStyle:
    height: float | None
    cells: list[tuple[object, object]]  # (template value, style source cell)
    merges: list[tuple[int, int]]  # column spans merged on this row


def _row_style(sheet: Worksheet, row: int, width: int) -> _RowStyle:
    cells = [(sheet.cell(row, c).value, sheet.cell(row, c)) for c in range(1, width + 1)]
    merges = [(m.min_col, m.max_col) for m in sheet.merged_cells.ranges if m.min_row == m.max_row == row]
    return _RowStyle(sheet.row_dimensions[row].height, cells, merges)


_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
# A cell holding one placeholder and nothing else ({{ task.content }}): looked up directly,
# since a jinja2 render per cell (a new context each time) was most of a form's time.
_LONE_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?\s*\}\}")
_MISSING = object()


@functools.lru_cache(maxsize=1024)
def _compiled(template: str) -> jinja2.Template:
    """A cell's jinja2 template, compiled once per process (templates repeat the same few cells)."""
    return _ENV.from_string(template)


def cell_value(text: str) -> object:
    """What a filled placeholder's text is written as: a short run of digits a number, else typeset text."""
    return int(text) if text.isdigit() and len(text) < 10 else typeset(text)


def task_field(template: object) -> str | None:
    """The task field a cell holding only ``{{ task.<field> }}`` shows (None for any other cell).

    Such a cell's value is :func:`cell_value` of the field when the field holds text or
    an integer (what :meth:`_Renderer.value` looks up without jinja2).
    """
    lone = _LONE_PLACEHOLDER.fullmatch(template) if isinstance(template, str) else None
    if not lone or lone.group(1) != "task" or lone.group(2) is None or hasattr(dict, lone.group(2)):
        return None
    return lone.group(2)


class _Renderer:
    def __init__(self, workbook: Workbook, context: RenderContext, template_name: str) -> None:
        self.workbook = workbook
        self.context = context
        self.template_name = template_name
        self.settings = _settings(workbook)

    def _lookup(self, match: re.Match, extra: dict) -> object:
        """A lone placeholder's value as jinja2 would print it, or _MISSING to let jinja2 decide."""
        name, attribute = match.groups()
        if name in extra:
            found = extra[name]
        elif name in self.context.values:
            found = self.context.values[name]
        elif name == "title":
            found = self.context.title
        else:
            return _MISSING
        if attribute is not None:
            if not isinstance(found, dict) or attribute not in found or hasattr(dict, attribute):
                return _MISSING  # jinja2 tries attributes before items: leave the odd cases to it
            found = found[attribute]
        return str(found) if type(found) in (str, int) else _MISSING

    def value(self, template: object, sheet: Worksheet, ref: str, **extra) -> object:
        """Render one cell's placeholders; a bad placeholder names the cell."""
        if not isinstance(template, str) or not ("{{" in template or "{%" in template):
            return template
        lone = _LONE_PLACEHOLDER.fullmatch(template)
        text = self._lookup(lone, extra) if lone else _MISSING
        try:
            if text is _MISSING:
                text = _compiled(template).render(title=self.context.title, **{**self.context.values, **extra})
        except jinja2.TemplateError as exc:
            raise TemplateError(
                f"模板“{self.template_name}”工作表“{sheet.title}”单元格 {ref} 的占位符“{template}”有误：{exc}"
            ) from None
        return cell_value(text)

    @staticmethod
    def _put(cell, template: object, value: object) -> None:
        """A filled placeholder is data (text stays text); a template's own formula stays a formula."""
        if value is template:
            cell.value = value
        else:
            put_text(cell, value)

    def render_sheet(self, sheet: Worksheet) -> None:
        section_row, task_row = _marker_rows(sheet)
        width = sheet.max_column
        first = min(r for r in (section_row, task_row) if r)
        task_style = _row_style(sheet, task_row, width)
        section_style = _row_style(sheet, section_row, width) if section_row else None
        tail = [_row_style(sheet, r, width) for r in range(max(task_row, section_row or 0) + 1, sheet.max_row + 1)]
        self._clear_from(sheet, first)
        self._fill_fixed_rows(sheet, first)
        row = first
        chapter = None
        self.section_rows: list[int] = []
        use_sections = section_style and self.settings.get("章节行", "是") != "否"
        for task in self.context.tasks:
            if use_sections and task.get("chapter") and task["chapter"] != chapter:
                chapter = task["chapter"]
                self._write_row(sheet, row, section_style, section={"title": chapter})
                self.section_rows.append(row)
                row += 1
            self._write_row(sheet, row, task_style, task=task)
            row += 1
        for style in tail:
            self._write_row(sheet, row, style)
            row += 1
        self._fit_unit_columns(sheet, first, row - 1 - len(tail), task_style)
        if self.settings.get("合并相同任务名称", "否") == "是":
            self._merge_names(sheet, first, row - 1 - len(tail), task_style)
        self._fit_heights(sheet, 1, row - 1, body=first)
        paginate(sheet, self.section_rows, first)

    def _fit_unit_columns(self, sheet: Worksheet, first: int, last: int, style: _RowStyle) -> None:
        """Unit and deadline columns wide enough for the longest unit name; lines break only at 、."""
        added = 0.0
        # Off unless the template says so: the 工作台账 reads its unit cells back split at line breaks.
        break_names = self.settings.get(BREAK_NAMES_SETTING, "否") == "是"
        for column, (template, source) in enumerate(style.cells, start=1):
            if not isinstance(template, str) or not re.search(r"task\.(lead|units|assist|deadline)", template):
                continue
            letter = get_column_letter(column)
            values = [sheet.cell(r, column).value for r in range(first, last + 1)]
            size = source.font.sz or 11  # the task row's font: the first row may be a section row
            before = sheet.column_dimensions[letter].width or 8.43
            width = unit_column_width(values, before, size, break_names)
            sheet.column_dimensions[letter].width = width
            added += width - before
            for r in range(first, last + 1):
                cell = sheet.cell(r, column)
                if isinstance(cell.value, str) and "task.deadline" not in template:
                    cell.value = fit_units_to_column(cell.value, width, size, break_names)
        if added:  # the widest text column gives the width back, so the print scale stays
            widest = max(range(1, sheet.max_column + 1),
                         key=lambda c: sheet.column_dimensions[get_column_letter(c)].width or 0)
            dimension = sheet.column_dimensions[get_column_letter(widest)]
            dimension.width = max(dimension.width - added, dimension.width * 0.85)

    def _clear_from(self, sheet: Worksheet, first: int) -> None:
        for merged in list(sheet.merged_cells.ranges):
            if merged.max_row >= first:
                sheet.unmerge_cells(str(merged))
        sheet.delete_rows(first, sheet.max_row - first + 1)

    def _fill_fixed_rows(self, sheet: Worksheet, last: int) -> None:
        for row in sheet.iter_rows(min_row=1, max_row=last - 1):
            for cell in row:
                if not type(cell).__name__ == "MergedCell":
                    self._put(cell, cell.value, self.value(cell.value, sheet, cell.coordinate))

    def _write_row(self, sheet: Worksheet, row: int, style: _RowStyle, **extra) -> None:
        for column, (template, source) in enumerate(style.cells, start=1):
            cell = sheet.cell(row, column)
            self._put(cell, template, self.value(template, sheet, source.coordinate, **extra))
            if source.has_style:
                cell._style = copy(source._style)
        for start, end in style.merges:
            sheet.merge_cells(start_row=row, start_column=start, end_row=row, end_column=end)
        if style.height:
            sheet.row_dimensions[row].height = style.height

    def _merge_names(self, sheet: Worksheet, first: int, last: int, style: _RowStyle) -> None:
        column = next((c for c, (t, _) in enumerate(style.cells, start=1) if isinstance(t, str) and "task.name" in t),
                      None)
        if column is None:
            return
        start = first
        for row in range(first + 1, last + 2):
            same = row <= last and sheet.cell(row, column).value == sheet.cell(start, column).value and \
                sheet.cell(start, column).value not in (None, "") and not self._is_merged_row(sheet, row)
            if not same:
                if row - 1 > start:
                    sheet.merge_cells(start_row=start, start_column=column, end_row=row - 1, end_column=column)
                start = row

    @staticmethod
    def _is_merged_row(sheet: Worksheet, row: int) -> bool:
        return any(m.min_row == m.max_row == row and m.max_col > m.min_col for m in sheet.merged_cells.ranges)

    def _fit_heights(self, sheet: Worksheet, first: int, last: int, body: int = 1) -> None:
        """Rows first..last fit their text; rows from ``body`` on keep a line of slack."""
        columns = sheet.max_column
        widths = [sheet.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, columns + 1)]
        spans = {(m.min_row, m.min_col): m for m in sheet.merged_cells.ranges}
        for row in range(first, last + 1):
            values, cell_widths, sizes = [], [], []
            for column in range(1, columns + 1):
                merged = spans.get((row, column))
                if merged and merged.max_row > merged.min_row:
                    continue  # a vertically merged name: fitted over its rows below
                cell = sheet.cell(row, column)
                span = merged.max_col if merged else column
                values.append(cell.value)
                wraps = cell.alignment is not None and cell.alignment.wrap_text
                cell_widths.append(sum(widths[column - 1:span]) if wraps else 1000.0)  # else it runs over
                sizes.append(cell.font.sz or 11)
            size = max(sizes, default=11)
            sheet.row_dimensions[row].height = max(row_height(values, cell_widths, size, slack=row >= body),
                                                   sheet.row_dimensions[row].height or 0)
        self._fit_vertical_merges(sheet, spans, widths)

    @staticmethod
    def _fit_vertical_merges(sheet: Worksheet, spans, widths) -> None:
        for (row, column), merged in spans.items():
            if merged.max_row == merged.min_row:
                continue
            cell = sheet.cell(row, column)
            size = cell.font.sz or 11
            needed = row_height([cell.value], [widths[column - 1]], size, slack=True)
            rows = range(merged.min_row, merged.max_row + 1)
            have = sum(sheet.row_dimensions[r].height or 15 for r in rows)
            if needed > have:
                sheet.row_dimensions[merged.max_row].height += needed - have


def _apply_font_fallback(workbook: Workbook) -> None:
    """Use 宋体 bold for 方正小标宋简体 (and 仿宋 for 仿宋_GB2312) where this machine lacks them."""
    installed = installed_fonts()
    if installed is None:
        return
    replaced: dict[int, int] = {}  # font id -> its fallback's id: each font is copied once, not per cell
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell._style is None:  # as openpyxl's cell.font does on first access
                    cell._style = StyleArray()
                font_id = cell._style.fontId
                if font_id not in replaced:
                    font = workbook._fonts[font_id]
                    replaced[font_id] = font_id
                    if font and font.name in TITLE_FONT_FALLBACK and font.name not in installed:
                        name, bold = TITLE_FONT_FALLBACK[font.name]
                        new = copy(font)
                        new.name, new.bold = name, bold or font.bold
                        replaced[font_id] = workbook._fonts.add(new)
                cell._style.fontId = replaced[font_id]


@functools.lru_cache(maxsize=1)
def installed_fonts() -> frozenset[str] | None:
    """Font family names on this machine (fc-list), or None when they cannot be listed."""
    if not shutil.which("fc-list"):
        return None
    try:
        out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


def task_placeholders(row, index: int) -> dict[str, object]:
    """The ``task`` mapping of one :class:`addin.decompose.TaskRow` for a template."""
    join = "、".join
    return {"seq": row.seq or index, "id": getattr(row, "task_id", "") or "", "chapter": row.chapter,
            "section": row.section, "name": row.name, "content": row.content, "lead": join(row.lead),
            "units": join(row.units), "assist": join(row.assist),
            "units_starred": join([f"*{u}" for u in row.lead] + row.units), "deadline": row.deadline,
            "due": row.due, "progress": "", "status": "", "done_date": "", "evidence": "", "updated": "",
            "reporter": "", "role": ""}


def context_for_rows(rows, title: str, **values) -> RenderContext:
    """A render context for task rows (from a plan or a table read by :mod:`addin.table`)."""
    year = values.pop("year", None) or (re.search(r"(?:19|20)\d{2}", title) or [None])[0]
    defaults = {"attachment_label": "附件", "year": year or "", "issuer": "", "date": ""}
    tasks = [task_placeholders(row, i) for i, row in enumerate(rows, start=1)]
    return RenderContext(title, tasks, {**defaults, **values})


def render_workbook(template: str | Path, context: RenderContext, font_fallback: bool = False) -> Workbook:
    """Fill a template with ``context``; returns the workbook (not yet saved).

    Raises:
        TemplateError: the template is missing, has no task row, or a placeholder is broken.
    """
    path = find_template(str(template))
    try:
        workbook = load_workbook(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable template is the same problem to the user
        raise TemplateError(f"模板文件“{path}”无法打开：{exc}") from None
    renderer = _Renderer(workbook, context, path.stem)
    for sheet in workbook.worksheets:
        if sheet.title != SETTINGS_SHEET and sheet.sheet_state == "visible":
            renderer.render_sheet(sheet)
    if SETTINGS_SHEET in workbook.sheetnames:
        del workbook[SETTINGS_SHEET]
    if font_fallback:
        _apply_font_fallback(workbook)
    return workbook


def save_rendered(workbook: Workbook, out: str | Path) -> Path | None:
    """Save atomically (backing up an existing file); returns the backup path."""
    return write_atomically(out, lambda temp: workbook.save(temp))


__all__ = ["RenderContext", "TemplateError", "find_template", "render_workbook", "save_rendered",
           "wrapped_lines"]
