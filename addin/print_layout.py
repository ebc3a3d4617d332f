"""Print layout of the formatted workbooks: unit columns, print scale and page breaks.

Excel and LibreOffice wrap Chinese text at any character, so a unit list in a
narrow column breaks inside a name ("…市政府各部 / 门"). Here the column is
made wide enough for the longest name (up to a limit) and lines are broken after
a 、; a name longer than the limit is broken between two words
("区人力资源 / 社会保障局") where the template allows it.

A section row ("四、践行全过程人民民主…") must not end a page alone. Excel
ignores manual page breaks while "fit to page" is on, so the scale that fits
the columns to the page width is computed here instead, and every page break is
placed from the rows' (explicit) heights: a section row starts a new page when
the row after it would not fit below it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from copy import copy

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.worksheet import Worksheet

from .layout import row_height, text_units

UNIT_SEPARATOR = "、"
# A unit column widens for its longest name up to this: a 10-character name and its 、 at
# 12 pt by the (cautious) measure of addin.layout (区人力资源社会保障局、), which Excel and
# LibreOffice print with room to spare. Wider, the other columns and the print scale would
# pay for one name. A longer name is broken between words where the template allows it
# (see :func:`name_pieces`), else Excel wraps it where the line is full.
MAX_UNIT_WIDTH = 26.0
PAPER_POINTS = {"9": (595.3, 841.9), "8": (841.9, 1190.6)}  # A4, A3 portrait (width, height)
SAFETY = 0.97  # estimates of widths in points are not exact: keep a margin on every page
# The organ word that ends a unit name; it stays with the word before it on a broken name.
_ORGAN_SUFFIX = re.compile(r"(?:办公室|委员会|中心|部门|[局委办室部院所队厅站馆社会处科股司府])$")


def _units_width(text: str) -> float:
    return text_units(text)


def unit_column_width(values: list[object], current: float, font_size: float, break_names: bool = False) -> float:
    """Width (Excel units) that holds the longest single unit name of ``values`` on one line.

    At most :data:`MAX_UNIT_WIDTH`; with ``break_names``, a name over it counts as the
    parts :func:`name_pieces` breaks it into.
    """
    scale = font_size / 11.0
    names = [n for v in values if isinstance(v, str) for n in re.split(r"[、\n]", v) if n.strip()]
    if break_names:
        names = [piece for n in names for piece in name_pieces(n.strip(), (MAX_UNIT_WIDTH - 1.5) / scale)]
    longest = max((_units_width(n + UNIT_SEPARATOR) for n in names), default=0.0)
    needed = min(longest * scale + 1.5, MAX_UNIT_WIDTH)
    return round(max(current, needed), 1)


def name_pieces(name: str, usable: float) -> list[str]:
    """``[name]``, or ``[head, tail]`` for a name too long for a line ``usable`` digits wide.

    Broken where a reader sees two words, not at the last character that fits: before a
    bracket ("营商环境办公室 / （财务管理办公室）"), else between two-character words, the
    organ word kept with the word before it ("区人力资源 / 社会保障局", never
    "区人力资源社会保障 / 局"); Chinese unit names are built of such words after a
    one-character 区/市/镇. Only a break that :func:`addin.units.cells.continues_on_next_line`
    reads back as one name is made; with none, ``[name]`` (Excel wraps it).
    """
    # imported here: the feedback forms' fast path loads this module for page_breaks alone
    from .units.cells import continues_on_next_line

    if _units_width(name + UNIT_SEPARATOR) <= usable:
        return [name]
    for cut in _name_cuts(name):
        head, tail = name[:cut], name[cut:]
        if _units_width(head) <= usable and _units_width(tail + UNIT_SEPARATOR) <= usable \
                and continues_on_next_line(head, tail):
            return [head, tail]
    return [name]


def _name_cuts(name: str) -> list[int]:
    """Where ``name`` may be broken, best first: before its bracket, then word boundaries from the middle."""
    bracket = [i for i in (name.find("（"), name.find("(")) if i > 0]
    body = len(name) - len(suffix.group(0)) if (suffix := _ORGAN_SUFFIX.search(name)) else len(name)
    words = [cut for cut in range(body - 2, 1, -2)]
    return [*bracket[:1], *sorted(words, key=lambda cut: (abs(len(name) / 2 - cut), cut))]  # tie: longer tail


def fit_units_to_column(text: str, width: float, font_size: float, break_names: bool = False) -> str:
    """``text`` ("甲、乙、丙") with line breaks after a 、 where the next name would not fit.

    With ``break_names``, a name longer than a line is broken too (:func:`name_pieces`):
    its first part starts a line of its own, the next names may follow its last part.
    """
    names = [n.strip() for n in re.split(r"、\n?|\n", text) if n.strip()]
    usable = (width - 1.0) / (font_size / 11.0)
    pieces = [name_pieces(n, usable) if break_names else [n] for n in names]
    if len(names) < 2 and len(pieces[0] if pieces else []) < 2:
        return text
    lines: list[str] = []
    for parts in pieces:
        if lines and len(parts) == 1 and _units_width(lines[-1] + UNIT_SEPARATOR + parts[0] + UNIT_SEPARATOR) <= usable:
            lines[-1] += UNIT_SEPARATOR + parts[0]  # a 、 may end it
            continue
        if lines:
            lines[-1] += UNIT_SEPARATOR
        lines.extend(parts)
    return "\n".join(lines)


# Pixel width of the digit "0" of the workbook's default font at 11 pt, 96 dpi: the unit of
# column widths. The bundled templates use Arial, which LibreOffice replaces by the
# metric-compatible Liberation Sans, so Excel, WPS and LibreOffice lay a page out alike.
DIGIT_PIXELS = {"Calibri": 7, "Arial": 8, "宋体": 8, "SimSun": 8}


def _column_points(sheet: Worksheet) -> float:
    fonts = getattr(sheet.parent, "_fonts", None)  # openpyxl has no public "default font"
    digit = DIGIT_PIXELS.get(fonts[0].name if fonts else "", 8)
    total = 0.0
    for column in range(1, sheet.max_column + 1):
        dimension = sheet.column_dimensions[get_column_letter(column)]
        if not dimension.hidden:
            total += ((dimension.width or 8.43) * digit + 5) * 0.75  # width in digits → px → pt
    return total


def _printable(sheet: Worksheet) -> tuple[float, float]:
    """(width, height) in points inside the margins."""
    width, height = PAPER_POINTS.get(str(sheet.page_setup.paperSize or 9), PAPER_POINTS["9"])
    if sheet.page_setup.orientation == "landscape":
        width, height = height, width
    margins = sheet.page_margins
    return width - (margins.left + margins.right) * 72, height - (margins.top + margins.bottom) * 72


def title_rows(sheet: Worksheet) -> range:
    """The rows printed at the top of every page (``print_title_rows``)."""
    match = re.match(r"\$?(\d+):\$?(\d+)", sheet.print_title_rows or "")
    return range(int(match.group(1)), int(match.group(2)) + 1) if match else range(0)


def page_numbers(sheet: Worksheet) -> None:
    """GB/T 9704 page numbers: "— N —" in 4号 宋体 (14 pt), odd pages right, even pages left.

    The one footer of every printed output (任务分解表, feedback forms, 进度汇总); any
    other footer text ("第 1 页 共 N 页") is removed, so a page shows one number.
    """
    for footer in (sheet.oddFooter, sheet.evenFooter):
        for part in (footer.left, footer.center, footer.right):
            part.text = None
    sheet.HeaderFooter.differentOddEven = True
    for part in (sheet.oddFooter.right, sheet.evenFooter.left):
        part.text, part.font, part.size = "— &P —", "宋体,Regular", 14
    sheet.page_margins.footer = 0.4


def fits_columns_to_page(sheet: Worksheet) -> bool:
    """Whether ``sheet`` is set to "fit all columns on one page": the sheets :func:`paginate` lays out."""
    setup = sheet.page_setup
    return bool(sheet.sheet_properties.pageSetUpPr and sheet.sheet_properties.pageSetUpPr.fitToPage
                and setup.fitToWidth == 1 and not setup.fitToHeight)


def paginate(sheet: Worksheet, keep_with_next: list[int], first_body_row: int) -> None:
    """Fixed print scale fitting the columns to the page width, and a page break before each page.

    Only for a sheet set to "fit all columns on one page" (the bundled templates);
    rows in ``keep_with_next`` never end a page.
    """
    setup = sheet.page_setup
    if not fits_columns_to_page(sheet):
        return
    sheet.sheet_properties.pageSetUpPr.fitToPage = False
    setup.scale = fitting_scale(sheet)
    breaks = page_breaks(lambda row: _height(sheet, row), sheet.max_row, keep_with_next, first_body_row,
                         printable_height(sheet), title_rows(sheet), _vertical_blocks(sheet), _name_heights(sheet))
    sheet.row_breaks = RowBreak()
    for row in breaks:
        sheet.row_breaks.append(Break(id=row))
    _split_blocks_at_breaks(sheet, breaks)


def fitting_scale(sheet: Worksheet) -> int:
    """The print scale (per cent) at which the sheet's columns fit the page width."""
    page_width, _ = _printable(sheet)
    return max(10, min(100, int(page_width / _column_points(sheet) * 100 * SAFETY)))


def printable_height(sheet: Worksheet) -> float:
    """Height (points at 100 %) that the rows of one page may take at the sheet's print scale."""
    _, page_height = _printable(sheet)
    return page_height * 100 / (sheet.page_setup.scale or 100) * SAFETY


def page_breaks(height: Callable[[int], float], max_row: int, keep_with_next: Iterable[int], first_body_row: int,
                available: float, repeated_rows: range, block_end: dict[int, int],
                block_need: dict[int, float] | None = None) -> list[int]:
    """Rows after which a page ends, from each row's height (``height(row)``, points).

    Shared by :func:`paginate` and the feedback forms' fast path
    (:mod:`addin.progress.fastforms`), which knows the heights without a worksheet.

    Args:
        height: height of a row in points (15 for a row without an explicit height).
        max_row: the last row of the sheet.
        keep_with_next: rows that never end a page.
        first_body_row: no break above this row.
        available: :func:`printable_height` of the sheet.
        repeated_rows: :func:`title_rows`, printed at the top of every page.
        block_end: first row → last row of each vertically merged range.
        block_need: first row → height its merged text needs; a block that does not fit
            what is left of a page is split there (its text repeated, see
            :func:`_split_blocks_at_breaks`) when both parts are that tall, rather than
            moved whole to the next page. Without it blocks move whole.
    """
    repeated = sum(height(r) for r in repeated_rows)
    breaks, used, split_after = [], 0.0, 0
    keep = set(keep_with_next)
    for row in range(1, max_row + 1):
        if row == split_after + 1 and split_after:
            breaks.append(split_after)
            used = repeated
        size = _unit_height(height, row, block_end, available)
        if row in keep and row < max_row:  # the section row and its first task stay together
            size += _unit_height(height, row + 1, block_end, available)
        if used + size > available and row >= first_body_row and used > repeated and row > split_after:
            split_after = _split_point(height, row, block_end.get(row, row), available - used,
                                       (block_need or {}).get(row))
            if not split_after:
                breaks.append(row - 1)
                used = repeated
        used += height(row)
    return breaks


def _split_point(height: Callable[[int], float], first: int, last: int, left: float, need: float | None) -> int:
    """The row after which a merged block is split to fill the ``left`` points of a page (0: none).

    Official tables do this, the name repeated on the next page; each part must be as tall
    as the name needs, or its text is cut.
    """
    if need is None or last == first:
        return 0
    best, total = 0, 0.0
    for row in range(first, last):
        total += height(row)
        if total > left:
            break
        if total >= need and sum(height(r) for r in range(row + 1, last + 1)) >= need:
            best = row
    return best


def _split_blocks_at_breaks(sheet: Worksheet, breaks: list[int]) -> None:
    """A merged block too tall for one page is merged page by page, its text repeated on each.

    Excel and LibreOffice centre a merged cell's text in the whole range, so across a break it
    is cut in two (half a name at the foot of one page, the rest at the head of the next).
    """
    for merged in [m for m in sheet.merged_cells.ranges if m.max_row > m.min_row]:
        cuts = [b for b in breaks if merged.min_row <= b < merged.max_row]
        if not cuts:
            continue
        top, column = merged.min_row, merged.min_col
        source = sheet.cell(top, column)
        value, style = source.value, copy(source._style)
        sheet.unmerge_cells(str(merged))
        for start, end in zip([top, *(b + 1 for b in cuts)], [*cuts, merged.max_row], strict=True):
            cell = sheet.cell(start, column)
            cell.value, cell._style = value, copy(style)
            for row in range(start + 1, end + 1):
                sheet.cell(row, column)._style = copy(style)
            if end > start:
                sheet.merge_cells(start_row=start, start_column=column, end_row=end, end_column=merged.max_col)


def _name_heights(sheet: Worksheet) -> dict[int, float]:
    """First row → points the text of each vertically merged cell needs (as the renderer fits it)."""
    needs: dict[int, float] = {}
    for merged in sheet.merged_cells.ranges:
        if merged.max_row > merged.min_row:
            cell = sheet.cell(merged.min_row, merged.min_col)
            width = sheet.column_dimensions[get_column_letter(merged.min_col)].width or 8.43
            needs[merged.min_row] = row_height([cell.value], [width], cell.font.sz or 11, slack=True)
    return needs


def _vertical_blocks(sheet: Worksheet) -> dict[int, int]:
    """First row → last row of each vertically merged range (a merged 任务名称 spanning rows)."""
    ends: dict[int, int] = {}
    for merged in sheet.merged_cells.ranges:
        if merged.max_row > merged.min_row:
            ends[merged.min_row] = max(ends.get(merged.min_row, 0), merged.max_row)
    return ends


def _unit_height(height: Callable[[int], float], row: int, block_end: dict[int, int], available: float) -> float:
    """Height that must stay on one page from ``row``: a merged block whole (when it fits a page).

    A merged cell's text is printed once, on the page its range starts on; a break inside
    the range cuts it off.
    """
    end = block_end.get(row, row)
    total = sum(height(r) for r in range(row, end + 1))
    return total if total <= available * 0.8 else height(row)


def _height(sheet: Worksheet, row: int) -> float:
    return sheet.row_dimensions[row].height or 15.0
