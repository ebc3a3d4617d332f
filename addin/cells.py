"""Text stays text: the one way FenJie puts a person's words into a cell.

openpyxl makes any string starting with "=" a live formula (``=HYPERLINK(…)``,
``=cmd|' /C calc'!A0``), which then reads back empty when nobody recalculated it;
Excel itself would turn a typed "+…", "-…" or "@…" into a formula when the cell is
edited. Every writer of a workbook (working workbook, ledger, forms, 反馈明细,
合并记录, formal table, summary) puts text through :func:`put_text`: the value is
stored as a string cell with Excel's "quote prefix" (the leading apostrophe a user
would type), and characters the file format forbids (a vertical tab pasted from
Word, stored as ``_x000B_``) are cleaned, never an IllegalCharacterError.
"""

from __future__ import annotations

import re

# The same two facts openpyxl.cell.cell holds (XML 1.0's forbidden characters, Excel's error
# values), written here so that a ribbon click that writes a sheet does not import openpyxl.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Word's manual line break (vertical tab) and form feed mean a new line to the person who typed them.
_LINE_BREAKS = re.compile(r"[\x0b\x0c]|_x000[BbCc]_")
# How a file stores the control characters a cell cannot hold (openpyxl reads the escape as it is).
_ESCAPED_CONTROL = re.compile(r"_x00(?:0[0-8Ee]|0[Ff]|1[0-9A-Fa-f])_")
EXCEL_CELL_LIMIT = 32767


MAY_NEED_CLEANING = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|_x00")


def clean_text(value: object) -> object:
    """``value`` with characters a cell cannot hold removed (line breaks kept as "\\n")."""
    if not isinstance(value, str) or not MAY_NEED_CLEANING.search(value):
        return value  # one scan for the usual text, instead of three substitutions
    return ILLEGAL_CHARACTERS_RE.sub("", _ESCAPED_CONTROL.sub("", _LINE_BREAKS.sub("\n", value)))


def was_cleaned(value: object) -> bool:
    """``value`` holds characters :func:`clean_text` removes."""
    return isinstance(value, str) and clean_text(value) != value


def looks_like_formula(value: object) -> bool:
    """Text a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _literal(cell) -> None:
    """A string cell openpyxl typed as a formula (=…) or an error value (#REF!) becomes text again."""
    if isinstance(cell.value, str) and (cell.data_type in ("f", "e") or looks_like_formula(cell.value)):
        cell.data_type = "s"
        if looks_like_formula(cell.value):
            cell.quotePrefix = True


def put_text(cell, value: object) -> None:
    """Write ``value`` into an openpyxl cell as data: a string never becomes a formula or an error value."""
    cell.value = clean_text(value)
    _literal(cell)


def keep_text(cell) -> None:
    """Make a cell already written hold its text as text (see :func:`put_text`)."""
    put_text(cell, cell.value)


def append_text(sheet, values) -> None:
    """``sheet.append(values)`` with every value written as by :func:`put_text`."""
    values = [clean_text(v) for v in values]
    sheet.append(values)
    risky = [column for column, value in enumerate(values, start=1)
             if looks_like_formula(value) or (isinstance(value, str) and value in ERROR_CODES)]
    if risky:
        row = sheet._current_row  # where append wrote; ``max_row`` is a scan of every cell: quadratic
        for column in risky:
            _literal(sheet.cell(row, column))


def excel_literal(value: object) -> object:
    """A value for Excel through COM/xlwings: text that looks like a formula gets the apostrophe prefix."""
    value = clean_text(value)
    return "'" + value if looks_like_formula(value) else value
