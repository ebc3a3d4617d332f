"""Feedback forms at template speed: render once per round, then write only each unit's rows.

openpyxl spends ~60 ms per form loading the template, copying styles and fonts
cell by cell and serialising a package whose parts are the same for every unit
(styles, theme, workbook, the 填报说明 sheet). Here one unit's form is rendered
and saved by the normal path (:func:`addin.progress.split.build_feedback_workbook`);
every other unit's package is that prototype with two parts rewritten: the form
sheet (its task rows, written as openpyxl writes them, every range that
depends on the row count, the unit columns' widths and the print scale and page
breaks that follow from them, computed by the renderer's and print_layout's own
code) and the hidden 反馈信息 sheet.

Hand-written because no library patches a rendered package: XlsxWriter and
openpyxl's write-only mode rebuild every part, styles included, from Python
objects. The prototype is whatever the template and the renderer produce, so a
column or a block of rows added to the template (or by the code after rendering)
travels into every form; a second unit is rendered both ways and compared part by
part before the fast path is trusted, and a form the fast path cannot reproduce
exactly (a formula-like text, an unexpected value type) is rendered the slow way.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.xml.functions import tostring

from ..layout import row_height
from ..print_layout import fits_columns_to_page, fitting_scale, page_breaks, printable_height, title_rows
from ..render import _marker_rows, _Renderer, _row_style, _settings, cell_value, find_template, task_field
from ..sheet_xml import ROW, ROW_NUMBER, STYLE, Unsupported, cell_xml, column_index, number_text
from .model import Ledger, LedgerTask
from .split import FORM_TEMPLATE, SHEET_FORM, SHEET_META, build_feedback_workbook, feedback_context, feedback_meta

_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_REF_ATTR = re.compile(r'\b(sqref|ref)="([^"]*)"')
_CELL_REF = re.compile(r"(\$?)([A-Z]{1,3})(\$?)(\d+)")
_MERGES = re.compile(rb"(<mergeCells[^>]*>)(.*?)</mergeCells>", re.S)
_MERGE = re.compile(rb"<mergeCell [^>]*/>")
_DEFINED_NAME = re.compile(r"(<definedName [^>]*>)([^<]*)</definedName>")
_COLS = re.compile(r"<cols>.*?</cols>|<cols/>", re.S)
_SCALE = re.compile(r'(<pageSetup\b[^>]*? scale=")(\d+)(")')
_UNIT_COLUMN = re.compile(r"task\.(lead|units|assist|deadline)")  # as render._fit_unit_columns picks them
_HEIGHT = re.compile(r' ht="([^"]*)"')
_ROW_BREAKS = re.compile(r"<rowBreaks\b[^>]*?(?:/>|>.*?</rowBreaks>)", re.S)
# CT_Worksheet's elements that follow <rowBreaks> (ECMA-376 Part 1, 18.3.1.99): a new one goes before the first
_AFTER_ROW_BREAKS = re.compile(r"<(?:colBreaks|customProperties|cellWatches|ignoredErrors|smartTags|drawing"
                               r"|legacyDrawing|legacyDrawingHF|drawingHF|picture|oleObjects|controls"
                               r"|webPublishItems|tableParts|extLst)\b|</worksheet>")


_MISSING = object()


@dataclass
class _TaskRowPattern:
    open_tag: str  # the prototype's <row …> tag of its first task row
    cells: list[tuple[int, str, object]]  # (column, style id, template value)
    widths: list[float]  # per column, for the fitted height
    font_size: float
    template_height: float


class FormFactory:
    """Writes every unit's feedback form of one round from a prototype rendered once."""

    def __init__(self, ledger: Ledger, round_label: str, prototype_unit: str, prototype_tasks: list[LedgerTask]):
        self.ledger, self.round_label = ledger, round_label
        workbook = build_feedback_workbook(ledger, prototype_unit, prototype_tasks, round_label)
        buffer = io.BytesIO()
        workbook.save(buffer)
        with zipfile.ZipFile(buffer) as archive:
            self.parts = [(info, archive.read(info)) for info in archive.infolist()]
        self.deflated = {info.filename: _deflated(data) for info, data in self.parts}
        names = workbook.sheetnames
        book_xml = dict((i.filename, data) for i, data in self.parts)["xl/workbook.xml"].decode("utf-8")
        # a print area over the task rows (not the print titles above them) moves with the last row
        self.names_xml = book_xml if _DEFINED_NAME.search(book_xml) else ""
        self.form_part = f"xl/worksheets/sheet{names.index(SHEET_FORM) + 1}.xml"
        self.meta_part = f"xl/worksheets/sheet{names.index(SHEET_META) + 1}.xml"
        template = load_workbook(find_template(FORM_TEMPLATE))
        self.renderer = _Renderer(template, feedback_context(ledger, prototype_unit, prototype_tasks, round_label),
                                  FORM_TEMPLATE)
        self._learn(template, workbook[SHEET_FORM], len(prototype_tasks))

    def _learn(self, template, rendered, count: int) -> None:
        """Split the prototype's form sheet into fixed rows, the task row pattern and the rows after it."""
        sheet = self.template_sheet = template[SHEET_FORM]
        section, task_row = _marker_rows(sheet)
        # what render_sheet hands print_layout.paginate: the rows after the tasks are the template's
        self.tail_count = sheet.max_row - task_row
        self.paged = fits_columns_to_page(sheet)
        self.task_style = _row_style(sheet, task_row, sheet.max_column)
        # the renderer widens unit columns per unit (render._fit_unit_columns): the prototype's form sheet is
        # the scratch sheet it is run on again, from the template's widths, for every unit
        self.scratch = rendered
        self.wraps: dict[tuple[int, int], bool] = {}
        self.base_widths = {letter: sheet.column_dimensions[letter].width for letter in rendered.column_dimensions}
        if (section and _settings(template).get("章节行", "是") != "否") or count < 2 \
                or _settings(template).get("合并相同任务名称", "否") == "是":
            raise Unsupported("章节行或合并单元格")
        self.first, self.proto_last = task_row, task_row + count - 1
        if any(m.max_row >= self.first and m.min_row <= self.proto_last for m in rendered.merged_cells.ranges):
            raise Unsupported("任务行中有合并单元格")
        self.fixed_templates = {
            c.coordinate: c.value for row in sheet.iter_rows(max_row=self.first - 1) for c in row
            if type(c).__name__ != "MergedCell"}
        xml = dict((i.filename, data) for i, data in self.parts)[self.form_part].decode("ascii")
        head, rest = xml.split("<sheetData>", 1)
        body, self.tail_xml = rest.split("</sheetData>", 1)
        if self.paged:  # print_layout.paginate's breaks depend on every row's height: placed again per unit
            if any(m.max_row > m.min_row for m in [*rendered.merged_cells.ranges, *sheet.merged_cells.ranges]):
                raise Unsupported("分页处有跨行合并")  # paginate would cut a vertical merge at its breaks
            self.repeated_rows = title_rows(rendered)
            self.tail_xml = _ROW_BREAKS.sub("", self.tail_xml, count=1)
        elif "<rowBreaks" in self.tail_xml:
            raise Unsupported("分页")
        self.head_xml = head
        rows = {int(ROW_NUMBER.match(r).group(1)): r for r in ROW.findall(body)}
        self.fixed_rows = [rows[r] for r in sorted(rows) if r < self.first]
        self._learn_fixed_fit(template, rendered)
        self.after_rows = [rows[r] for r in sorted(rows) if r > self.proto_last]
        first_row = rows[self.first]
        width = rendered.max_column
        widths = [self._fit_width(rendered, self.first, c) for c in range(1, width + 1)]
        styles = {int(column_index(m.group(1))): (STYLE.search(m.group(3)) or [None, ""])[1]
                  for m in _CELL.finditer(first_row)}
        cells = [(c, styles.get(c, ""), sheet.cell(task_row, c).value) for c in range(1, width + 1) if c in styles]
        self.unit_columns = [c for c, _, value in cells if isinstance(value, str) and _UNIT_COLUMN.search(value)]
        self.task_fields = {c: task_field(value) for c, _, value in cells}
        self.width = width
        sizes = [rendered.cell(self.first, c).font.sz or 11 for c in range(1, width + 1)]
        # openpyxl's delete_rows leaves row heights behind: the renderer's output row N keeps the template's
        # row N height (e.g. a 填报人 row's) unless the task row sets one; the fit never goes below it
        self.leftover = {r: sheet.row_dimensions[r].height for r in range(task_row + 1, sheet.max_row + 1)
                         if sheet.row_dimensions[r].height}
        self.pattern = _TaskRowPattern(first_row[:first_row.index(">") + 1], cells, widths, max(sizes, default=11),
                                       sheet.row_dimensions[task_row].height or 0)

    def _fit_width(self, sheet, row: int, column: int, span: int | None = None) -> float:
        """The width render._fit_heights wraps a cell's text in: its columns, or 1000 when it does not wrap.

        Whether a cell wraps is read once (its style is the prototype's for every unit);
        the widths are read each time, as the unit columns are fitted per unit.
        """
        wraps = self.wraps.get((row, column))
        if wraps is None:
            cell = sheet.cell(row, column)
            wraps = self.wraps[row, column] = cell.alignment is not None and bool(cell.alignment.wrap_text)
        if not wraps:
            return 1000.0
        columns = range(column, (span or column) + 1)
        return sum(sheet.column_dimensions[get_column_letter(c)].width or 8.43 for c in columns)

    def _learn_fixed_fit(self, template, rendered) -> None:
        """For the rows above the tasks: each cell's fitting width and size, the template height, the static values."""
        spans = {(m.min_row, m.min_col): m for m in rendered.merged_cells.ranges}
        self.fixed_fit, self.fixed_values = {}, {}
        for row in range(1, self.first):
            cells, values = [], {}
            for column in range(1, rendered.max_column + 1):
                merged = spans.get((row, column))
                if merged and merged.max_row > merged.min_row:
                    raise Unsupported("表头有跨行合并")
                cell = rendered.cell(row, column)
                cells.append((column, merged.max_col if merged else None, cell.font.sz or 11))
                values[column] = cell.value
            self.fixed_fit[row] = (cells, template[SHEET_FORM].row_dimensions[row].height or 0)
            self.fixed_values[row] = values

    # -- one unit --------------------------------------------------------------------------------

    def form_bytes(self, unit: str, tasks: list[LedgerTask], generated: str | None = None) -> bytes:
        """The unit's form as an .xlsx package.

        Raises:
            Unsupported: a value the fast path does not write exactly as openpyxl would.
        """
        context = feedback_context(self.ledger, unit, tasks, self.round_label)
        self.renderer.context = context
        last = self.first + len(tasks) - 1
        values = [self._task_values(task) for task in context.tasks]
        if self.unit_columns:
            self._fit_unit_columns(values)
        task_widths = [self._fit_width(self.scratch, self.first, c) for c in range(1, self.width + 1)]
        rows = [self._fixed_row(r) for r in self.fixed_rows]
        rows += [self._task_row(self.first + i, row_values, task_widths) for i, row_values in enumerate(values)]
        delta = last - self.proto_last
        rows += [_shift_rows(r, delta) for r in self.after_rows]
        head = _shift_dimension(self.head_xml, self.proto_last, delta)
        tail = _REF_ATTR.sub(lambda m: _shift_attr(m, self.first, self.proto_last, delta), self.tail_xml)
        if self.unit_columns:
            head = _COLS.sub(tostring(self.scratch.column_dimensions.to_tree()).decode("ascii"), head, count=1)
        if self.paged:
            self.scratch.page_setup.scale = fitting_scale(self.scratch)
            tail = _SCALE.sub(lambda m: f"{m.group(1)}{self.scratch.page_setup.scale}{m.group(3)}", tail, count=1)
            tail = self._with_row_breaks(tail, rows, last + self.tail_count)
        sheet = head + "<sheetData>" + "".join(rows) + "</sheetData>" + tail
        meta = feedback_meta(self.ledger, unit, tasks, self.round_label, generated)
        replaced = {self.form_part: sheet.encode("ascii"), self.meta_part: self._meta_sheet(meta)}
        if delta and self.names_xml:
            replaced["xl/workbook.xml"] = _DEFINED_NAME.sub(
                lambda m: m.group(0) if SHEET_FORM not in m.group(2) else
                f"{m.group(1)}{_shift_ref(m.group(2), self.first, self.proto_last, delta)}</definedName>",
                self.names_xml).encode("utf-8")
        return self._package(replaced)

    def _with_row_breaks(self, tail: str, rows: list[str], max_row: int) -> str:
        """``tail`` with the <rowBreaks> print_layout.paginate places for these rows, as openpyxl writes it."""
        heights = {}
        for row_xml in rows:
            height = _HEIGHT.search(row_xml[:row_xml.index(">")])
            if height:
                heights[int(ROW_NUMBER.match(row_xml).group(1))] = float(height.group(1))
        breaks = page_breaks(lambda row: heights.get(row) or 15.0, max_row, [], self.first,
                             printable_height(self.scratch), self.repeated_rows, {})
        if not breaks:
            return tail
        element = RowBreak()
        for row in breaks:
            element.append(Break(id=row))
        at = _AFTER_ROW_BREAKS.search(tail).start()
        return tail[:at] + tostring(element.to_tree()).decode("ascii") + tail[at:]

    def _fixed_row(self, row_xml: str) -> str:
        row = int(ROW_NUMBER.match(row_xml).group(1))
        values = dict(self.fixed_values[row])

        def cell(match: re.Match) -> str:
            ref = match.group(1) + match.group(2)
            if ref not in self.fixed_templates or not isinstance(self.fixed_templates[ref], str):
                return match.group(0)
            style = (STYLE.search(match.group(3)) or [None, ""])[1]
            value = self.renderer.value(self.fixed_templates[ref], self.template_sheet, ref)
            values[column_index(match.group(1))] = value
            return cell_xml(ref, style, value)

        row_xml = _CELL.sub(cell, row_xml)
        cells, floor = self.fixed_fit[row]
        widths = [self._fit_width(self.scratch, row, column, span) for column, span, _ in cells]
        fitted = max(row_height([values.get(c) for c, _, _ in cells], widths,
                                max((z for _, _, z in cells), default=11)), floor)
        return re.sub(r' ht="[^"]*"', f' ht="{number_text(fitted)}"', row_xml, count=1)

    def _task_values(self, task: dict) -> dict[int, object]:
        """The task row's values; a lone {{ task.x }} holding text or a number looked up here, not per call."""
        sheet, first, values = self.template_sheet, self.first, {}
        for column, _, template in self.pattern.cells:
            found = task.get(self.task_fields[column], _MISSING) if self.task_fields[column] else _MISSING
            values[column] = cell_value(str(found)) if type(found) in (str, int) else \
                self.renderer.value(template, sheet, f"{get_column_letter(column)}{first}", task=task)
        return values

    def _fit_unit_columns(self, values: list[dict[int, object]]) -> None:
        """The unit's column widths and unit lists broken at 、, by the renderer's own code on the scratch sheet."""
        sheet = self.scratch
        for letter, width in self.base_widths.items():
            sheet.column_dimensions[letter].width = width
        for row, row_values in enumerate(values, start=self.first):
            for column in self.unit_columns:
                sheet.cell(row, column).value = row_values[column]
        self.renderer._fit_unit_columns(sheet, self.first, self.first + len(values) - 1, self.task_style)
        for row, row_values in enumerate(values, start=self.first):
            for column in self.unit_columns:
                row_values[column] = sheet.cell(row, column).value

    def _task_row(self, row: int, values: dict[int, object], widths: list[float]) -> str:
        pattern = self.pattern
        fitted = [values.get(c) for c in range(1, len(widths) + 1)]
        floor = pattern.template_height or self.leftover.get(row, 0)
        height = max(row_height(fitted, widths, pattern.font_size, slack=True), floor)
        open_tag = re.sub(r'r="\d+"', f'r="{row}"', pattern.open_tag, count=1)
        open_tag = re.sub(r' ht="[^"]*"', f' ht="{number_text(height)}"', open_tag, count=1)
        cells = "".join(cell_xml(f"{get_column_letter(c)}{row}", style, values[c]) for c, style, _ in pattern.cells)
        return f"{open_tag}{cells}</row>"

    def _meta_sheet(self, meta: list[tuple[str, object]]) -> bytes:
        xml = dict((i.filename, data) for i, data in self.parts)[self.meta_part].decode("ascii")
        head, rest = xml.split("<sheetData>", 1)
        tail = rest.split("</sheetData>", 1)[1]
        rows = "".join(f'<row r="{r}">{cell_xml(f"A{r}", "", key)}{cell_xml(f"B{r}", "", value)}</row>'
                       for r, (key, value) in enumerate(meta, start=1))
        head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:B{len(meta)}"/>', head, count=1)
        return f"{head}<sheetData>{rows}</sheetData>{tail}".encode("ascii")

    def _package(self, replaced: dict[str, bytes]) -> bytes:
        """The prototype's parts, ``replaced`` ones compressed anew, the others as compressed once."""
        entries = [(info.filename, _deflated(replaced[info.filename]) if info.filename in replaced
                    else self.deflated[info.filename]) for info, _ in self.parts]
        return zip_package(entries, time.localtime(time.time())[:6])


@dataclass(frozen=True)
class _Deflated:
    """One part compressed as zipfile compresses it (raw deflate, default level)."""

    crc: int
    size: int
    data: bytes


def _deflated(data: bytes) -> _Deflated:
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return _Deflated(zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())


_LOCAL = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader (APPNOTE 4.3.7)
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # zipfile.structCentralDir (APPNOTE 4.3.12)
_END = struct.Struct("<4s4H2LH")  # zipfile.structEndArchive (APPNOTE 4.3.16)
_CREATE_SYSTEM = zipfile.ZipInfo().create_system  # 0 on Windows, 3 elsewhere, as zipfile writes it


def zip_package(entries: list[tuple[str, _Deflated]], date_time: tuple[int, ...]) -> bytes:
    """A zip archive of already compressed parts, byte for byte what zipfile.writestr writes.

    Hand-written because zipfile has no way to write data compressed beforehand, and
    compressing the nine parts every form shares was a fifth of a form's time (a new
    zlib compressor per part, most of it for parts of a few hundred bytes). ASCII
    part names, no zip64 (a form is far below 4 GB), as zipfile writes a package
    to a seekable buffer: no data descriptor, permissions rw------- (0o600).
    """
    dosdate = (date_time[0] - 1980) << 9 | date_time[1] << 5 | date_time[2]
    dostime = date_time[3] << 11 | date_time[4] << 5 | date_time[5] // 2
    local, central, offset = [], [], 0
    for name, part in entries:
        encoded = name.encode("ascii")
        fields = (zipfile.ZIP_DEFLATED, dostime, dosdate, part.crc, len(part.data), part.size, len(encoded), 0)
        local += [_LOCAL.pack(b"PK\x03\x04", 20, 0, 0, *fields), encoded, part.data]
        central += [_CENTRAL.pack(b"PK\x01\x02", 20, _CREATE_SYSTEM, 20, 0, 0, *fields, 0, 0, 0, 0o600 << 16,
                                  offset), encoded]
        offset += _LOCAL.size + len(encoded) + len(part.data)
    directory = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(local) + directory + end


def _shift_rows(row_xml: str, delta: int) -> str:
    """A row after the task rows, moved down by ``delta`` rows."""
    if not delta:
        return row_xml
    row_xml = re.sub(r'<row r="(\d+)"', lambda m: f'<row r="{int(m.group(1)) + delta}"', row_xml, count=1)
    return re.sub(r'<c r="([A-Z]+)(\d+)"', lambda m: f'<c r="{m.group(1)}{int(m.group(2)) + delta}"', row_xml)


def _shift_ref(ref: str, first: int, proto_last: int, delta: int) -> str:
    """A cell reference in a range that grows with the task rows."""
    def shift(match: re.Match) -> str:
        row = int(match.group(4))
        if row >= proto_last > first:  # the last task row (a range's end) or a row after the tasks
            row += delta
        return f"{match.group(1)}{match.group(2)}{match.group(3)}{row}"

    ranges = [_CELL_REF.sub(shift, part).split(":") for part in ref.split(" ")]
    # openpyxl writes a one-cell range H4:H4 as H4
    return " ".join(part[0] if len(part) == 2 and part[0] == part[1] else ":".join(part) for part in ranges)


def _shift_attr(match: re.Match, first: int, proto_last: int, delta: int) -> str:
    return f'{match.group(1)}="{_shift_ref(match.group(2), first, proto_last, delta)}"'


def _shift_dimension(head: str, proto_last: int, delta: int) -> str:
    return re.sub(r'<dimension ref="([^"]*)"/>',
                  lambda m: f'<dimension ref="{_shift_ref(m.group(1), 0, proto_last, delta)}"/>', head, count=1)


def write_forms(ledger: Ledger, by_unit: dict[str, list[LedgerTask]], round_label: str,
                write, generated: str | None = None) -> tuple[int, int]:
    """Write every unit's form through ``write(unit, tasks, data)``; returns (fast, slow) counts.

    The prototype is the unit with most tasks; a second unit is rendered both ways
    and must agree part by part, or every form is rendered the normal way.
    """
    units = sorted(by_unit, key=lambda u: -len(by_unit[u]))
    factory = None
    if len(units) >= 2 and len(by_unit[units[0]]) >= 2:
        try:
            factory = FormFactory(ledger, round_label, units[0], by_unit[units[0]])
            probe, stamp = units[1], generated or datetime.now().isoformat(timespec="seconds")
            if not same_parts(factory.form_bytes(probe, by_unit[probe], stamp),
                              slow_form_bytes(ledger, probe, by_unit[probe], round_label, stamp)):
                factory = None
        except Unsupported:
            factory = None
    fast = slow = 0
    for unit, tasks in by_unit.items():
        data = None
        if factory is not None:
            try:
                data = factory.form_bytes(unit, tasks, generated)
                fast += 1
            except Unsupported:
                data = None
        if data is None:
            data = slow_form_bytes(ledger, unit, tasks, round_label, generated)
            slow += 1
        write(unit, tasks, data)
    return fast, slow


def slow_form_bytes(ledger: Ledger, unit: str, tasks: list[LedgerTask], round_label: str,
                    generated: str | None = None) -> bytes:
    """The unit's form rendered and saved by openpyxl (the reference the fast path must equal)."""
    buffer = io.BytesIO()
    build_feedback_workbook(ledger, unit, tasks, round_label, generated).save(buffer)
    return buffer.getvalue()


def package_parts(data: bytes) -> dict[str, bytes]:
    """Every part of an .xlsx package; docProps/core.xml's timestamps removed, merged ranges in one order.

    openpyxl keeps a sheet's merged ranges in a set and writes them in its hash order,
    which changes with the row numbers; the order of <mergeCell> elements means nothing
    to a reader, so it is the one difference the fast path is allowed.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    core = parts.get("docProps/core.xml", b"")
    parts["docProps/core.xml"] = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", core)
    for name in parts:
        if name.startswith("xl/worksheets/"):
            parts[name] = _MERGES.sub(
                lambda m: m.group(1) + b"".join(sorted(_MERGE.findall(m.group(2)))) + b"</mergeCells>", parts[name])
    return parts


def same_parts(one: bytes, other: bytes) -> bool:
    """Whether two packages hold the same parts (timestamps aside)."""
    return package_parts(one) == package_parts(other)


__all__ = ["FormFactory", "Unsupported", "cell_xml", "package_parts", "same_parts", "slow_form_bytes",
           "write_forms", "zip_package"]
