"""Reading a sheet's cells by their real extent.

python-calamine turns a sheet into a dense grid from A1 to its last cell. One
stray cell at XFD1048576 in a 16 KB return makes that 17 billion cells: a 550 GB
allocation that aborts the whole process (no Python exception to catch). So the
cell references of the sheet's XML part are scanned first (milliseconds for a
form, tens of them for a 5 MB ledger sheet); a sheet whose cells span more than
:data:`MAX_CELLS` is read sparsely through openpyxl instead, up to the last
cell that holds a value within :data:`MAX_ROWS` x :data:`MAX_COLUMNS`.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

MAX_CELLS = 2_000_000
MAX_ROWS = 200_000
MAX_COLUMNS = 512
_ROW_REF = re.compile(rb'<row r="([0-9]{1,7})"')
_FAR_ROW = re.compile(rb' r="[A-Z]{1,3}[0-9]{6,}"')
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def part_extent(xml: bytes) -> tuple[int, int]:
    """(last row, last column) of the cells a sheet part declares.

    Cheap on a 5 MB sheet: rows from the ``<row r=…>`` tags, columns from the
    widest references only (a reference with three letters is past column ZZ).
    """
    rows = max((int(r) for r in _ROW_REF.findall(xml)), default=0)
    columns = 26 if b"<c " in xml else 0  # one-letter columns at most, unless a wider reference is found
    for width in (3, 2):
        letters = re.findall(rb' r="([A-Z]{%d})[0-9]' % width, xml)
        if letters:
            columns = max(_column_number(c) for c in letters)
            break
    if (not rows and columns) or _FAR_ROW.search(xml):  # rows tagged otherwise, or a cell 100,000 rows down
        rows = max(rows, max((int(d) for _, d in _CELL_REF.findall(xml)), default=0))
    return rows, columns


_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\s[^>]*>")
_RELATION_TAG = re.compile(r"<(?:\w+:)?Relationship\s[^>]*>")
_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')
# A cell with content (not a self-closing <c …/>), its reference and its inside.
_FORMULA_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(?<!/)>(.*?)</c>', re.S)
_FORMULA = re.compile(rb"<f\b[^>]*>(.*?)</f>", re.S)
_FORMULA_TAG = re.compile(rb"<f\b")  # what _FORMULA needs: scanning every cell costs ~0.1 s on a merged ledger
_CACHED = re.compile(rb"<v>[^<]")


def workbook_relationships(rels: str) -> list[dict[str, str]]:
    """The attributes of each <Relationship> of xl/_rels/workbook.xml.rels."""
    return [dict(_ATTRIBUTE.findall(tag)) for tag in _RELATION_TAG.findall(rels)]


def part_name(target: str) -> str:
    """A target of xl/workbook.xml's relationships as a part name (xl/worksheets/sheet1.xml)."""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)


def rels_part(part: str) -> str:
    """The relationships part of ``part`` (xl/worksheets/sheet1.xml → xl/worksheets/_rels/sheet1.xml.rels)."""
    folder, name = posixpath.split(part)
    return f"{folder}/_rels/{name}.rels"


def workbook_sheet_parts(book: str, rels: str) -> dict[str, str]:
    """Sheet name → the part holding it, in the workbook's order, from xl/workbook.xml and its relationships."""
    targets = {r.get("Id"): r.get("Target", "") for r in workbook_relationships(rels)}
    parts = {}
    for tag in _SHEET_TAG.findall(book):
        attributes = dict(_ATTRIBUTE.findall(tag))
        rid = next((value for key, value in attributes.items() if key.endswith(":id")), None)
        if rid in targets:
            parts[html.unescape(attributes.get("name", ""))] = part_name(targets[rid])
    return parts


def sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip part holding ``sheet`` of an .xlsx."""
    book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    return workbook_sheet_parts(book, rels).get(sheet)


def sheet_xml(path: Path, sheet: str) -> bytes:
    """The XML of one sheet of an .xlsx (b"" for an .xls or a damaged file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet)
            return archive.read(part) if part else b""
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError):
        return b""


def uncached_formulas(xml: bytes) -> dict[tuple[int, int], str]:
    """Formulas of a sheet part saved without a calculated value (0-based row, column -> "=…").

    A program (not Excel) wrote them, or a person typed text starting with "=":
    a reader of cached values would see an empty cell, and a merge would take it
    for "nothing reported". Their text is kept instead.
    """
    if not _FORMULA_TAG.search(xml):  # <firstHeader>/<firstFooter> of a page footer are no formula
        return {}
    found = {}
    for letters, digits, inner in _FORMULA_CELL.findall(xml):
        formula = _FORMULA.search(inner)
        if formula and formula.group(1) and not _CACHED.search(inner):
            text = html.unescape(formula.group(1).decode("utf-8", "replace"))
            found[(int(digits) - 1, _column_number(letters) - 1)] = "=" + text
    return found


def sheet_grid(workbook, path: str | Path, sheet: str) -> list[list[object]]:
    """The cells of ``sheet`` as rows of values from A1 (what ``to_python(skip_empty_area=False)`` gives).

    Formulas saved without a value read as their text (see :func:`uncached_formulas`).

    Args:
        workbook: The python-calamine workbook opened from ``path``.
        path: The file (its sheet scanned for an oversized used range).
        sheet: Sheet name.
    """
    path = Path(path)
    xml = sheet_xml(path, sheet)
    rows, columns = part_extent(xml)
    if rows * columns <= MAX_CELLS:
        grid = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    else:
        grid = sparse_grid(path, sheet)
    for (r, c), formula in uncached_formulas(xml).items():
        if r < len(grid) and c < len(grid[r]) and grid[r][c] in ("", None):
            grid[r][c] = formula
    return grid


def iter_sheet_rows(workbook, path: str | Path, sheet: str) -> Iterator[list[object]]:
    """The rows :func:`sheet_grid` gives (from A1), one at a time.

    A ledger's 反馈明细 of 20,000 reports is never a list of Python objects at once
    (python-calamine keeps the cells, compactly, until the last row is read).
    """
    path = Path(path)
    xml = sheet_xml(path, sheet)
    rows, columns = part_extent(xml)
    formulas: dict[int, list[tuple[int, str]]] = {}
    for (r, c), formula in uncached_formulas(xml).items():
        formulas.setdefault(r, []).append((c, formula))
    del xml
    if rows * columns <= MAX_CELLS:
        found = workbook.get_sheet_by_name(sheet)
        # iter_rows starts its rows at the first used column; to_python(skip_empty_area=False) at column A
        left = found.start[1] if found.start else 0
        source = ([""] * left + list(row) for row in found.iter_rows())
    else:
        source = iter(sparse_grid(path, sheet))
    for r, row in enumerate(source):
        row = list(row)
        for c, formula in formulas.get(r, ()):
            if c < len(row) and row[c] in ("", None):
                row[c] = formula
        yield row


def form_sheet(workbook, path: str | Path, sheet: str) -> tuple[object | None, list[list[object]]]:
    """(python-calamine sheet or None when oversized, its grid by real extent); formulas left as calamine reads them.

    The calamine sheet object is only asked for when it is safe: asking for it
    builds the dense grid (the abort of a stray XFD1048576).
    """
    path = Path(path)
    rows, columns = part_extent(sheet_xml(path, sheet))
    if rows * columns <= MAX_CELLS:
        found = workbook.get_sheet_by_name(sheet)
        return found, found.to_python(skip_empty_area=False)
    return None, sparse_grid(path, sheet)


def sparse_grid(path: Path, sheet: str) -> list[list[object]]:
    """Read one sheet through openpyxl, which keeps only the cells that exist, up to the real extent."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, data_only=True)
    cells = {key: cell.value for key, cell in workbook[sheet]._cells.items()
             if cell.value is not None and key[0] <= MAX_ROWS and key[1] <= MAX_COLUMNS}
    rows = max((r for r, _ in cells), default=0)
    columns = max((c for _, c in cells), default=0)
    grid: list[list[object]] = [[""] * columns for _ in range(rows)]
    for (r, c), value in cells.items():
        grid[r - 1][c - 1] = value
    return grid


def row_counts(path: str | Path) -> dict[str, int]:
    """Sheet title -> rows the sheet really stores (its ``<row>`` elements), whatever its used range says."""
    counts = {}
    try:
        with zipfile.ZipFile(path) as archive:
            book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            for tag in _SHEET_TAG.findall(book):
                title = html.unescape(dict(_ATTRIBUTE.findall(tag)).get("name", ""))
                part = sheet_part(archive, title)
                if part and part in archive.namelist():
                    counts[title] = archive.read(part).count(b"<row ")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError):
        return {}
    return counts


STRAY_GAP = 1000  # empty rows between a table and a few cells far below it: those cells are strays
STRAY_MAX_CELLS = 50


def drop_stray_cells(sheet) -> list[tuple[str, object]]:
    """Remove an openpyxl sheet's stray cells; returns (reference, value) of those that held a value.

    Stray: beyond :data:`MAX_ROWS` x :data:`MAX_COLUMNS` (iterating a sheet goes
    from A1 to its last cell: one cell at XFD1048576 would make that 17 billion
    cells), or a few cells more than :data:`STRAY_GAP` empty rows below the rest.
    The caller tells the user about them: a typed value is never dropped silently.
    """
    far = {key for key in sheet._cells if key[0] > MAX_ROWS or key[1] > MAX_COLUMNS}
    valued = sorted({key[0] for key, cell in sheet._cells.items() if key not in far and cell.value not in (None, "")})
    for before, after in zip(valued, valued[1:], strict=False):
        if after - before > STRAY_GAP:
            below = {key for key in sheet._cells if key[0] >= after}
            if sum(1 for key in below if sheet._cells[key].value not in (None, "")) <= STRAY_MAX_CELLS:
                far |= below
            break
    removed = []
    for key in sorted(far):
        cell = sheet._cells.pop(key)
        if cell.value not in (None, ""):
            removed.append((cell.coordinate, cell.value))
    return removed
