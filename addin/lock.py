"""One writer at a time per workbook: FenJie's own lock file, and the office suites' ones.

Two clerks (or one double click) merging into the same ledger would each read it,
add their unit's report and write it back: the second write erases the first.
Every command that reads a workbook, changes it and writes it back holds the
writer lock of that file for the whole read-modify-write: a small JSON file beside
it (``.台账.xlsx.fenjie-lock``) naming owner, host, process and time. A second
writer waits a few seconds, then is told plainly who holds the file. A lock whose
process is gone (same host) or which is hours old is stale and replaced.

Excel and WPS mark an open workbook with ``~$name``; LibreOffice (and WPS on
Linux) with ``.~lock.name#``. Writing under them loses the user's unsaved edits or
fails half-way on Windows, so they are checked before anything is written.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from .errors import FenJieError

LOCK_SUFFIX = ".fenjie-lock"
WAIT_ENV = "FENJIE_LOCK_WAIT"
DEFAULT_WAIT_SECONDS = 15.0
STALE_SECONDS = 2 * 3600  # no FenJie operation takes hours: a lock this old was left by a crash
_POLL_SECONDS = 0.1

_held: dict[Path, int] = {}  # locks this process holds -> nesting depth
_held_guard = threading.Lock()


class FileBusyError(FenJieError):
    """Another writer (FenJie, Excel, WPS, LibreOffice) has the file."""


def lock_path(path: Path) -> Path:
    """FenJie's lock file of ``path``: ``.name.fenjie-lock`` beside it."""
    return path.with_name(f".{path.name}{LOCK_SUFFIX}")


def office_lock_files(path: Path) -> list[Path]:
    """The lock files Excel/WPS (``~$name``) and LibreOffice/WPS (``.~lock.name#``) leave beside an open file."""
    return [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]


def office_lock_message(path: Path) -> str:
    """Why ``path`` must not be written now (open in an office suite), or ""."""
    for lock in office_lock_files(path):
        if lock.exists():
            program = "Excel 或 WPS" if lock.name.startswith("~$") else "LibreOffice 或 WPS"
            return (f"文件“{path.name}”正在被 {program} 打开（发现锁文件“{lock.name}”）：请先关闭该文件再试；"
                    f"如果确认没有打开，可删除该锁文件。")
    return ""


def _key(path: Path) -> Path:
    return Path(os.path.abspath(path))


def held_here(path: Path) -> bool:
    """This process holds the writer lock of ``path``."""
    with _held_guard:
        return _key(path) in _held


def _owner() -> dict[str, object]:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name (service accounts): the lock still works
        user = "?"
    return {"owner": user, "host": socket.gethostname(), "pid": os.getpid(),
            "time": datetime.now().isoformat(timespec="seconds")}


def _read(lock: Path) -> dict | None:
    try:
        return json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # type: ignore[attr-defined]
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)  # type: ignore[attr-defined]
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(info: dict | None, lock: Path) -> bool:
    """A lock left by a process that is gone, or older than :data:`STALE_SECONDS`."""
    try:
        age = time.time() - lock.stat().st_mtime
    except OSError:
        return False
    if info is None:  # unreadable: being written right now, or garbage
        return age > 5
    if age > STALE_SECONDS:
        return True
    same_host = info.get("host") == socket.gethostname()
    return same_host and not _pid_alive(int(info.get("pid") or 0))


def busy_message(path: Path, info: dict | None) -> str:
    """The Chinese message of a file another FenJie writer holds."""
    if not info:
        return f"文件“{path.name}”正由另一个 FenJie 操作写入：请稍后再试。"
    what = f"“{info.get('operation')}”" if info.get("operation") else "操作"
    return (f"文件“{path.name}”正忙：{info.get('owner', '?')}（{info.get('host', '?')}，进程 {info.get('pid', '?')}）"
            f"自 {str(info.get('time', '?')).replace('T', ' ')} 起正在执行{what}：请等其完成后再试。"
            f"如果确认没有在运行，可删除锁文件“{lock_path(path).name}”。")


def _try_create(lock: Path, operation: str) -> bool:
    try:
        handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
    except FileExistsError:
        return False
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump({**_owner(), "operation": operation}, stream, ensure_ascii=False)
    return True


def _remove_stale(lock: Path, info: dict | None) -> None:
    """Remove a stale lock, unless another process replaced it meanwhile."""
    aside = lock.with_name(f"{lock.name}.{os.getpid()}.stale")
    try:
        os.replace(lock, aside)
    except OSError:
        return
    if _read(aside) != info and not is_stale(_read(aside), aside):
        try:  # a fresh lock taken in between: put it back
            os.link(aside, lock)
        except OSError:
            pass
    aside.unlink(missing_ok=True)


def acquire(path: Path, operation: str, wait: float | None = None) -> None:
    """Take the writer lock of ``path`` (re-entrant within a process).

    Args:
        path: The workbook about to be read, changed and written back.
        operation: What is done, in Chinese ("合并反馈"), shown to whoever waits.
        wait: Seconds to wait for another writer ($FENJIE_LOCK_WAIT, default 15).

    Raises:
        FileBusyError: the file is open in an office suite, or another writer kept it.
    """
    path = _key(path)
    with _held_guard:
        if path in _held:
            _held[path] += 1
            return
    busy = office_lock_message(path)
    if busy:
        raise FileBusyError(busy)
    if wait is None:
        wait = float(os.environ.get(WAIT_ENV) or DEFAULT_WAIT_SECONDS)
    lock, deadline = lock_path(path), time.monotonic() + wait
    while not _try_create_checked(lock, operation):
        info = _read(lock)
        if is_stale(info, lock):
            _remove_stale(lock, info)
            continue
        if time.monotonic() >= deadline:
            raise FileBusyError(busy_message(path, info))
        time.sleep(_POLL_SECONDS)
    with _held_guard:
        _held[path] = 1


def _try_create_checked(lock: Path, operation: str) -> bool:
    try:
        return _try_create(lock, operation)
    except PermissionError:
        raise FileBusyError(f"没有权限在“{lock.parent}”中写入：请确认该文件夹可写。") from None
    except FileNotFoundError:
        raise FileBusyError(f"文件夹“{lock.parent}”不存在。") from None


def release(path: Path) -> None:
    """Give the lock back (the last nested release removes the lock file)."""
    path = _key(path)
    with _held_guard:
        depth = _held.get(path, 0) - 1
        if depth > 0:
            _held[path] = depth
            return
        _held.pop(path, None)
    lock = lock_path(path)
    info = _read(lock)
    if info is None or (info.get("pid") == os.getpid() and info.get("host") == socket.gethostname()):
        lock.unlink(missing_ok=True)


@contextmanager
def writer_lock(path: str | Path, operation: str, wait: float | None = None) -> Iterator[None]:
    """``with writer_lock(ledger, "合并反馈"):`` — the whole read-modify-write under one lock."""
    acquire(Path(path), operation, wait)
    try:
        yield
    finally:
        release(Path(path))


def check_not_busy(path: Path) -> None:
    """Refuse to write ``path`` while an office suite or another FenJie writer has it.

    Raises:
        FileBusyError: with the Chinese reason.
    """
    busy = office_lock_message(path)
    if busy:
        raise FileBusyError(busy)
    if held_here(path):
        return
    lock = lock_path(path)
    if lock.exists():
        info = _read(lock)
        if not is_stale(info, lock):
            raise FileBusyError(busy_message(path, info))
