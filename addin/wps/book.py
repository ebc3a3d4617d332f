"""A workbook that gives addin.ribbon the part of the xlwings API it uses, and records writes.

The WPS add-in posts the sheets FenJie works on (values from A1 to the end of the
used range, as ``Range.Value2`` gives them); :func:`addin.ribbon.dispatch` runs on
a :class:`RecordingBook` built from them, and every write becomes an action the
add-in's JS applies in WPS. Reads after a write see the written values, as in
Excel. Dates arrive as serial numbers, with the cells shown as dates listed
(``dates``); they become datetimes here, as xlwings gives them from Excel.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

from ..errors import FenJieError
from ..undo import BACKUP_PREFIX
from ..workbook import SHEET_FINDINGS, SHEET_LEDGER, SHEET_PLAN, SHEET_TASKS, SHEET_UNITS

# The sheets the add-in sends with values: every sheet addin.ribbon reads or rewrites
# (a rewrite backs the old contents up, so they must be known), plus the backups.
FENJIE_SHEETS = ("设置", SHEET_PLAN, SHEET_TASKS, SHEET_UNITS, SHEET_FINDINGS, SHEET_LEDGER, "邮件预览")
_CELL = re.compile(r"^([A-Z]{1,3})([1-9][0-9]*)$")
# Day 0 of the 1900 date system as Excel and WPS count it; right from 1900-03-01 on (they count a
# 1900-02-29 that never was), which is every date a work plan has.
_EPOCH = datetime(1899, 12, 30)


def is_fenjie_sheet(name: str) -> bool:
    """Whether the add-in sends this sheet's values."""
    return name in FENJIE_SHEETS or name.startswith(BACKUP_PREFIX)


def json_value(value: object) -> object:
    """A written cell value as JSON: dates as ISO text (WPS reads them as dates), NaN as empty, the rest as is."""
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        return None  # not JSON
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def bgr(color: str) -> int:
    """``#RRGGBB`` as the BGR integer of ``Range.Interior.Color``."""
    red, green, blue = (int(color.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return red + green * 256 + blue * 65536


class _Cell:
    """``sheet["A1"]``: a value write (a block from this cell) or a fill colour."""

    def __init__(self, sheet: RecordingSheet, address: str) -> None:
        if not _CELL.match(address.upper()):
            raise FenJieError(f"单元格地址“{address}”无效。")
        self.sheet, self.address = sheet, address.upper()

    @property
    def value(self) -> object:
        rows = self.sheet.rows
        column, row = _position(self.address)
        return rows[row][column] if row < len(rows) and column < len(rows[row]) else None

    @value.setter
    def value(self, values: object) -> None:
        grid = values if isinstance(values, list) and values and isinstance(values[0], list) else [
            values if isinstance(values, list) else [values]]
        self.sheet.set_values(self.address, [[json_value(v) for v in row] for row in grid])

    @property
    def color(self) -> str | None:
        return None

    @color.setter
    def color(self, color: str) -> None:
        self.sheet.book.record({"type": "setColor", "sheet": self.sheet.name, "address": self.address,
                                "color": color, "bgr": bgr(color)})


def _position(address: str) -> tuple[int, int]:
    """Zero-based (column, row) of an A1 address."""
    letters, digits = _CELL.match(address).groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return column - 1, int(digits) - 1


class _UsedRange:
    def __init__(self, sheet: RecordingSheet) -> None:
        self.sheet = sheet

    @property
    def value(self) -> list[list[object]] | None:
        return [list(row) for row in self.sheet.rows] or None


class RecordingSheet:
    """One worksheet: its values from the request, updated by the writes it records."""

    def __init__(self, book: RecordingBook, name: str, rows: list[list[object]] | None) -> None:
        self.book, self._name, self._rows = book, name, rows

    @property
    def name(self) -> str:
        return self._name

    @property
    def rows(self) -> list[list[object]]:
        if self._rows is None:
            # A sheet the add-in did not send: reading it as empty would lose it on a rewrite.
            # The service asks the add-in for it and runs the button again (see service.dispatch_request).
            self.book.unsent.add(self._name)
            raise FenJieError(f"WPS 加载项没有发送工作表“{self._name}”的内容：请升级 FenJie 加载项后重试。")
        return self._rows

    @property
    def used_range(self) -> _UsedRange:
        return _UsedRange(self)

    def __getitem__(self, address: str) -> _Cell:
        return _Cell(self, address)

    def clear_contents(self) -> None:
        self._rows = []
        self.book.record({"type": "clearContents", "sheet": self._name})

    def set_values(self, address: str, grid: list[list[object]]) -> None:
        column, row = _position(address)
        rows = [list(r) for r in self.rows]
        rows.extend([] for _ in range(row + len(grid) - len(rows)))
        for offset, values in enumerate(grid):
            target = rows[row + offset]
            target.extend(None for _ in range(column + len(values) - len(target)))
            target[column:column + len(values)] = values
        self._rows = rows
        self.book.record({"type": "setValues", "sheet": self._name, "address": address, "values": grid})

    @property
    def visible(self) -> bool:
        return True

    @visible.setter
    def visible(self, shown: bool) -> None:
        self.book.record({"type": "showSheet" if shown else "hideSheet", "sheet": self._name})

    def activate(self) -> None:
        self.book.record({"type": "activateSheet", "sheet": self._name})


class _Sheets:
    """``book.sheets``: iterate, index, count, add."""

    def __init__(self, book: RecordingBook) -> None:
        self.book, self.items = book, []

    def __iter__(self):
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: int | str) -> RecordingSheet:
        if isinstance(key, str):
            return next(s for s in self.items if s.name == key)
        return self.items[key]

    def add(self, name: str, before: RecordingSheet | None = None, after: RecordingSheet | None = None):
        sheet = RecordingSheet(self.book, name, [])
        anchor = after or before
        position = len(self.items) if anchor is None else self.items.index(anchor) + (after is not None)
        self.items.insert(position, sheet)
        self.book.record({"type": "addSheet", "sheet": name, "after": after.name if after else None,
                          "before": before.name if before else None})
        return sheet


class _Api:
    """``app.api``: only the file dialog, answered by the add-in (see :class:`RecordingApp`)."""

    def __init__(self, app: RecordingApp) -> None:
        self.app = app

    def GetOpenFilename(self, file_filter: str = "", filter_index: int = 1, title: str = ""):  # noqa: N802 - COM name
        if self.app.picked is None:
            self.app.pick_request = {"type": "pickFile", "title": title, "filter": file_filter}
            return False  # as Excel's dialog when cancelled; the service asks the add-in to show one
        return self.app.picked


class RecordingApp:
    """``book.app``: message boxes become ``alert`` actions; the status bar is the add-in's own."""

    def __init__(self, book: RecordingBook, picked: str | bool | None) -> None:
        self.book, self.picked, self.pick_request = book, picked, None
        self.api = _Api(self)
        self.status_bar: str | bool = False

    def alert(self, prompt: str, title: str | None = None, **_: object) -> None:
        self.book.record({"type": "alert", "message": prompt, "title": title or "FenJie"})


class RecordingBook:
    """A workbook posted by the WPS add-in. ``actions`` lists what to apply in WPS, in order."""

    def __init__(self, full_name: str, sheets: list[dict], picked: str | bool | None = None) -> None:
        self.actions: list[dict] = []
        self.unsent: set[str] = set()  # sheets read that the request had no values for
        self.sheets = _Sheets(self)
        for sheet in sheets:
            values = sheet.get("values")
            rows = _with_dates(_grid(values), sheet.get("dates") or [])
            self.sheets.items.append(RecordingSheet(self, str(sheet["name"]), rows))
        self.fullname = full_name
        self.app = RecordingApp(self, picked)

    @classmethod
    def from_request(cls, body: dict) -> RecordingBook:
        """The ``book`` of a /dispatch request (and the file the add-in picked, if any).

        Raises:
            FenJieError: the request has no usable book.
        """
        book = body.get("book")
        if not isinstance(book, dict) or not isinstance(book.get("sheets"), list):
            raise FenJieError("请求中没有工作簿内容（book.sheets）。")
        if not all(isinstance(s, dict) and s.get("name") for s in book["sheets"]):
            raise FenJieError("请求中的工作表缺少名称。")
        return cls(_full_name(str(book.get("fullName") or "")), book["sheets"], body.get("picked"))

    @property
    def name(self) -> str:
        return Path(self.fullname).name

    def record(self, action: dict) -> None:
        self.actions.append(action)


def _grid(values: object) -> list[list[object]] | None:
    """A sheet's posted values as rows (None when the add-in sent none)."""
    if values is None:
        return None
    if not isinstance(values, list):
        return [[values]]
    rows = [row if isinstance(row, list) else [row] for row in values]
    return [] if rows in ([], [[]]) or all(v is None or v == "" for row in rows for v in row) else rows


def _with_dates(rows: list[list[object]] | None, cells: list) -> list[list[object]] | None:
    """The serial numbers of the cells shown as dates, as datetimes."""
    for position in cells:
        row, column = (int(i) for i in position)
        if rows and row < len(rows) and column < len(rows[row]):
            value = rows[row][column]
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 2958466:
                rows[row][column] = _EPOCH + timedelta(days=value)
    return rows


def _full_name(full_name: str) -> str:
    """Where the workbook is. An unsaved one (``工作簿1``) or a cloud document (a URL) has no local
    folder: FenJie's outputs go to the home folder."""
    if "://" not in full_name and (Path(full_name).is_absolute() or re.match(r"^[A-Za-z]:[\\/]", full_name)):
        return full_name
    return str(Path.home() / (re.split(r"[\\/]", full_name.rstrip("/\\"))[-1] or "工作簿"))
