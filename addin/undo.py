"""One level of undo for sheets the add-in rewrites.

Excel clears its own undo stack when a macro runs, so before FenJie rewrites a
sheet it copies it to a hidden sheet; 撤销上一步 (``fenjie undo``) puts it back.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FenJieError

if TYPE_CHECKING:  # openpyxl only for type hints: a ribbon click that backs a sheet up must not import it
    from openpyxl import Workbook

BACKUP_PREFIX = "_备份_"
_SHEET_NAME_LIMIT = 31  # Excel's limit on sheet names


def backup_name(sheet: str) -> str:
    """The hidden backup sheet's name for ``sheet``."""
    return (BACKUP_PREFIX + sheet)[:_SHEET_NAME_LIMIT]


def backup_sheet(workbook: Workbook, sheet: str) -> None:
    """Copy ``sheet`` to its hidden backup, replacing an older backup."""
    name = backup_name(sheet)
    if name in workbook.sheetnames:
        del workbook[name]
    copy = workbook.copy_worksheet(workbook[sheet])
    copy.title = name
    copy.sheet_state = "hidden"


def restorable(workbook: Workbook) -> list[str]:
    """Sheets that have a backup to restore."""
    return [s for s in workbook.sheetnames if not s.startswith(BACKUP_PREFIX) and backup_name(s) in workbook.sheetnames]


def restore_sheets(workbook: Workbook) -> list[str]:
    """Put every backed-up sheet back as it was; returns their names.

    Raises:
        FenJieError: there is nothing to restore.
    """
    names = restorable(workbook)
    if not names:
        raise FenJieError("没有可以撤销的操作：工作簿中没有 FenJie 的备份工作表。")
    for sheet in names:
        position = workbook.sheetnames.index(sheet)
        del workbook[sheet]
        backup = workbook[backup_name(sheet)]
        backup.title = sheet
        backup.sheet_state = "visible"
        workbook.move_sheet(backup, offset=position - workbook.sheetnames.index(sheet))
    workbook.active = 0
    return names


def open_for_undo(path: Path) -> Workbook:
    """Open an .xlsx/.xlsm whose backup sheets are to be restored."""
    from .table import TableReadError, check_file, open_workbook

    check_file(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise TableReadError(f"只能撤销 .xlsx/.xlsm 工作簿中的操作（{path.name}）。")
    return open_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
