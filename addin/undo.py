"""Undo, one operation at a time.

Files: every operation that rewrites a workbook in place (merge, split, mail send,
validate, …) first copies the whole file to its timestamped backup and records
the operation in an undo journal beside it (``.台账.xlsx.fenjie-undo.jsonl``).
``fenjie undo`` puts the file back as it was before the LAST operation — every
sheet and every sheet feature (freeze panes, filters, print titles, drop-downs,
conditional formats), which copying sheets inside openpyxl would lose — and says
which operation it undid. Several writes of one operation are one entry.

Sheets: Excel clears its own undo stack when a macro runs, so before the ribbon
rewrites a sheet of the open workbook it copies it to a hidden sheet; workbooks
without a journal fall back to those.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FenJieError

if TYPE_CHECKING:  # openpyxl only for type hints: a ribbon click that backs a sheet up must not import it
    from openpyxl import Workbook

JOURNAL_SUFFIX = ".fenjie-undo.jsonl"
JOURNAL_KEEP = 50  # operations remembered per file (their backups stay beside it until deleted)
SHEET_UNDO_INFO = "_撤销信息"  # hidden, ribbon: the last action that changed sheets, when, and which sheets
_operation = {"label": "", "token": ""}


def begin_operation(label: str) -> None:
    """Name the operation this process runs from now on ("合并反馈"); its writes form one undo step."""
    _operation["label"], _operation["token"] = label, f"{os.getpid()}-{time.time_ns()}"


def end_operation() -> None:
    """The named operation is over: writes made outside one are each their own undo step."""
    _operation["label"], _operation["token"] = "", ""


def journal_of(path: Path) -> Path:
    """The undo journal of ``path``."""
    return path.with_name(f".{path.name}{JOURNAL_SUFFIX}")


def _entries(path: Path) -> list[dict]:
    try:
        lines = journal_of(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a kill
    return entries


def _write_entries(path: Path, entries: list[dict]) -> None:
    journal = journal_of(path)
    if not entries:
        journal.unlink(missing_ok=True)
        return
    temp = journal.with_name(journal.name + f".{os.getpid()}.tmp")
    temp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    os.replace(temp, journal)


def record_write(path: Path, backup: Path | None) -> None:
    """Note that the running operation replaced ``path`` (its previous content is ``backup``)."""
    if backup is None:
        return
    token = _operation["token"] or f"{os.getpid()}-{time.time_ns()}"
    entries = _entries(path)
    if entries and entries[-1].get("token") == token:
        return  # the same operation writing again: undo goes back to before its first write
    entries.append({"operation": _operation["label"] or "FenJie 改写", "time": datetime.now().isoformat(
        timespec="seconds"), "backup": backup.name, "token": token})
    entries = entries[-JOURNAL_KEEP:]
    try:
        _write_entries(path, entries)
    except OSError:
        pass  # the backup file itself is still there to restore by hand


def last_operation(path: Path) -> dict | None:
    """The last recorded operation on ``path`` whose backup still exists, or None."""
    for entry in reversed(_entries(path)):
        if path.with_name(entry.get("backup", "")).is_file():
            return entry
    return None


def undo_last_operation(path: Path) -> tuple[dict, Path | None]:
    """Put ``path`` back as it was before its last operation.

    Returns:
        (the operation undone, the backup of the file as it was before the undo).

    Raises:
        FenJieError: no operation is recorded for the file.
    """
    from .safe_io import write_atomically

    entry = last_operation(path)
    if entry is None:
        raise FenJieError(f"没有可以撤销的操作：“{path.name}”没有 FenJie 的操作记录。")
    source = path.with_name(entry["backup"])
    saved = write_atomically(path, lambda temp: shutil.copyfile(source, temp), record=False)
    entries = _entries(path)
    while entries and entries[-1] != entry:
        entries.pop()  # records whose backups are gone cannot be undone any more
    _write_entries(path, entries[:-1])
    return entry, saved

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
