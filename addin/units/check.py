"""Unit names in a 任务分解表 that the directory does not know."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import FenJieError
from .directory import UnitDirectory, sheet_rows
from .mentions import is_known_unit, split_unit_expression

UNIT_COLUMNS = ("牵头单位", "责任单位", "配合单位")


@dataclass(frozen=True)
class UnknownUnit:
    """A unit name found in a table cell but not in the directory."""

    cell: str
    name: str
    nearest: list[str]


def _header_row(rows: list[list[object]]) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(rows[:10]):
        cells = [re.sub(r"\s+", "", str(c or "")) for c in row]
        found = {name: cells.index(name) for name in UNIT_COLUMNS if name in cells}
        if found:
            return index, found
    raise FenJieError("表格前10行中没有“牵头单位”“责任单位”或“配合单位”列。")


def find_unknown_units(path: str | Path, directory: UnitDirectory, sheet: str = "任务分解") -> list[UnknownUnit]:
    """Every unit name in the unit columns of ``sheet`` that is not in ``directory``.

    Raises:
        FenJieError: the file or sheet cannot be read, or has no unit column.
    """
    from openpyxl.utils import get_column_letter

    rows = sheet_rows(Path(path), sheet)
    header, columns = _header_row(rows)
    unknown = []
    for row_index in range(header + 1, len(rows)):
        for column in columns.values():
            value = rows[row_index][column] if column < len(rows[row_index]) else ""
            for name in split_unit_expression(str(value or "").replace("*", ""), directory):
                if is_known_unit(directory, name):
                    continue
                cell = f"{get_column_letter(column + 1)}{row_index + 1}"
                unknown.append(UnknownUnit(cell, name, directory.nearest(name)))
    return unknown
