"""Writing files without ever losing the user's work.

Every output goes to a temporary file beside the target and is renamed into
place, so a crash or a full disk never leaves a half-written workbook; an
existing file is first copied to a timestamped backup.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import socket
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .errors import WorkbookWriteError
from .lock import FileBusyError, check_not_busy
from .undo import record_write

TEMP_PREFIX = ".~fenjie-"
# A partial file older than this, or whose process is gone, was left by a kill or a crash.
_PARTIAL_MAX_AGE = 600.0
_PARTIAL_DEAD_AGE = 30.0


def excel_lock_file(path: Path) -> Path:
    """The owner file Excel and WPS create beside a workbook they have open."""
    return path.with_name("~$" + path.name)


def backup_path(path: Path, now: datetime | None = None) -> Path:
    """Where the backup of ``path`` goes: ``name.备份-YYYYmmdd-HHMMSS.ext``."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.stem}.备份-{stamp}{path.suffix}")
    counter = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.备份-{stamp}-{counter}{path.suffix}")
        counter += 1
    return candidate


def _check_writable(path: Path) -> None:
    try:
        check_not_busy(path)
    except FileBusyError as exc:
        raise WorkbookWriteError(str(exc)) from None
    if path.exists() and not os.access(path, os.W_OK):
        raise WorkbookWriteError(f"文件“{path}”是只读的，无法覆盖：请另选保存位置或取消只读属性。")
    if not path.parent.exists():
        raise WorkbookWriteError(f"保存位置“{path.parent}”不存在。")
    if not os.access(path.parent, os.W_OK):
        raise WorkbookWriteError(f"没有权限写入文件夹“{path.parent}”：请另选保存位置。")


def _pid_of_partial(name: str) -> tuple[str, int]:
    # ".~fenjie-<host>-<pid>-<random>.xlsx"; older partials carry no host and pid
    parts = name[len(TEMP_PREFIX):].split("-")
    if len(parts) >= 3 and parts[1].isdigit():
        return parts[0], int(parts[1])
    return "", 0


def remove_partials(folder: Path) -> list[Path]:
    """Delete the hidden partial files a killed FenJie left in ``folder``; returns them.

    A partial still being written by a live process (another clerk's save) is kept.
    """
    from .lock import _pid_alive

    removed = []
    host = _host_tag()
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]
    except OSError:
        return removed
    for partial in candidates:
        try:
            age = time.time() - partial.stat().st_mtime
        except OSError:
            continue
        owner_host, pid = _pid_of_partial(partial.name)
        dead = owner_host == host and pid and not _pid_alive(pid)
        if age > _PARTIAL_MAX_AGE or (dead and age > _PARTIAL_DEAD_AGE):
            try:
                partial.unlink()
                removed.append(partial)
            except OSError:
                continue
    return removed


_SWEPT: dict[Path, float] = {}
_SWEEP_EVERY = 60.0  # seconds: a round writes 200 forms into one folder, which need not be listed 200 times


def _sweep(folder: Path) -> None:
    """:func:`remove_partials`, at most once a minute per folder in this process."""
    now = time.monotonic()
    if now - _SWEPT.get(folder, -_SWEEP_EVERY) >= _SWEEP_EVERY:
        remove_partials(folder)
        _SWEPT[folder] = now


def _host_tag() -> str:
    return "".join(ch for ch in socket.gethostname() if ch.isalnum())[:20] or "host"


def _folder_mode() -> int:
    """The mode a new file gets from the user's umask (mkstemp's files are 0600 whatever the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _copy_whole(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` completely or not at all (a full disk leaves no truncated copy)."""
    partial = target.with_name(f"{TEMP_PREFIX}{_host_tag()}-{os.getpid()}-backup{target.suffix}")
    try:
        shutil.copy2(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def backup_existing(path: Path) -> Path | None:
    """Copy an existing ``path`` to its timestamped backup before it is replaced; returns the backup.

    Raises:
        WorkbookWriteError: the copy could not be made (nothing is replaced then).
    """
    if not path.exists():
        return None
    saved = backup_path(path)
    try:
        _copy_whole(path, saved)
    except OSError as exc:
        raise WorkbookWriteError(f"无法备份“{path}”（{_os_reason(exc)}）：原文件未改动。") from None
    return saved


def _os_reason(exc: OSError) -> str:
    reasons = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有权限", errno.EPERM: "没有权限",
               errno.ENAMETOOLONG: "文件名或路径太长", errno.EROFS: "磁盘只读"}
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))


def check_input_file(path: Path, max_bytes: int, too_large: str, error: type[Exception]) -> None:
    """Refuse a missing, empty or implausibly large input file with a message naming it.

    Args:
        path: The file.
        max_bytes: Size above which the file cannot be what the user meant.
        too_large: What it is not ("一份工作要点"), for the message.
        error: The exception class to raise (the reader's own).
    """
    if not path.exists():
        raise error(f"找不到文件“{path}”。")
    if not path.is_file():
        raise error(f"“{path}”不是文件。")
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except PermissionError:
        raise error(f"没有权限读取文件“{path}”：请确认文件未被加密或限制访问。") from None
    if size == 0:
        raise error(f"文件“{path.name}”是空文件。")
    if size > max_bytes:
        raise error(f"文件“{path.name}”有 {size / 1024 / 1024:.0f} MB，超过上限 {max_bytes // 1024 // 1024} MB，"
                    f"不像是{too_large}：请确认选择的文件。")
    refuse_xml_entities(path, error)


# An XML part's DOCTYPE comes before its root element: the first bytes tell.
_DTD_MARKERS = (b"<!doctype", b"<!entity", "<!DOCTYPE".encode("utf-16-le"), "<!ENTITY".encode("utf-16-le"))


def xml_entity_part(path: Path) -> str:
    """The first XML part of an Office file (.docx/.xlsx) that declares a DOCTYPE or entities, or "".

    Office never writes a DTD; one in a user's file is a billion-laughs or external
    entity attack (or a broken tool), and no part of it is expanded.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                with archive.open(info) as part:
                    head = part.read(4096)
                lowered = head.lower()
                if any(marker in lowered or marker in head for marker in _DTD_MARKERS):
                    return info.filename
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError):
        return ""  # not a readable zip: the reader gives its own message
    return ""


def refuse_xml_entities(path: Path, error: type[Exception]) -> None:
    """Refuse an Office file whose XML declares entities (see :func:`xml_entity_part`)."""
    part = xml_entity_part(path)
    if part:
        raise error(f"文件“{path.name}”的内部 XML（{part}）含有 DOCTYPE/实体声明，Office 软件不会生成这样的文件，"
                    f"可能是恶意构造的：为安全起见 FenJie 不展开实体、不读取此文件。请在 Word/Excel/WPS 中"
                    f"打开并另存为新文件后再试。")


def write_atomically(path: str | Path, write: Callable[[Path], None], backup: bool = True,
                     record: bool = True) -> Path | None:
    """Write ``path`` through ``write(temp_path)`` and rename into place.

    Args:
        path: The final file.
        write: Writes the whole content to the temporary path it is given.
        backup: Copy an existing ``path`` to a timestamped backup first.
        record: Record the replacement in the file's undo journal (see :mod:`addin.undo`).

    Returns:
        The backup's path, or None when there was nothing to back up.

    Raises:
        WorkbookWriteError: the file is open in Excel, read-only, or cannot be written.
    """
    path = Path(path)
    _check_writable(path)
    _sweep(path.parent)
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{_host_tag()}-{os.getpid()}-",
                                             suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise WorkbookWriteError(f"无法在“{path.parent}”中写入文件（{_os_reason(exc)}）。") from None
    os.close(handle)
    temp = Path(temp_name)
    saved = None
    try:
        write(temp)
        os.chmod(temp, (path.stat().st_mode & 0o777) if path.exists() else _folder_mode())
        if backup:
            saved = backup_existing(path)
        os.replace(temp, path)
        if record:
            record_write(path, saved)
    except PermissionError:
        raise WorkbookWriteError(f"没有权限写入“{path}”：文件可能被其他程序占用，或文件夹不可写。") from None
    except OSError as exc:
        raise WorkbookWriteError(f"写入“{path}”失败（{_os_reason(exc)}）：原文件未改动。") from None
    finally:
        temp.unlink(missing_ok=True)
    return saved


# Parts of a workbook that openpyxl may not write back: it rebuilds the file from
# what it understands, so shapes, controls and some charts of a user's workbook
# can vanish on save. Compared before and after, part by part.
FRAGILE_PARTS = {
    "xl/charts/": "图表", "xl/drawings/": "图片或形状", "xl/media/": "图片", "xl/ctrlProps/": "表单控件",
    "xl/embeddings/": "嵌入对象", "xl/activeX/": "ActiveX 控件", "xl/slicers/": "切片器",
    "xl/timelines/": "日程表", "xl/pivotTables/": "数据透视表",
}


def fragile_parts(path: Path) -> Counter[str]:
    """How many parts of each fragile kind the workbook holds (empty for a plain table)."""
    try:
        with zipfile.ZipFile(path) as archive:
            # .vml parts are comment boxes, which openpyxl writes itself when it saves comments.
            names = [n for n in archive.namelist() if not n.endswith((".rels", ".vml"))]
    except (OSError, zipfile.BadZipFile):
        return Counter()
    return Counter(label for n in names for prefix, label in FRAGILE_PARTS.items() if n.startswith(prefix))


def lost_parts(before: Path, after: Path) -> list[str]:
    """The kinds of content ``after`` holds less of than ``before`` (e.g. ["图表"])."""
    old, new = fragile_parts(before), fragile_parts(after)
    return [label for label, count in old.items() if new[label] < count]


# Characters Windows forbids in file names, shown as their full-width forms so "a/b" and "ab" stay apart.
_FORBIDDEN = str.maketrans('\\/:*?"<>|', "＼／：＊？＂＜＞｜")
NAME_LIMIT = 80  # characters: Excel cannot open a path over 218, and folders take their share
_NAME_BYTES = 240  # NAME_MAX is 255 bytes on Linux/macOS; a Chinese character is 3 bytes in UTF-8


def file_part(text: str) -> str:
    """``text`` usable inside a file name on Windows, Linux and macOS, distinct texts kept distinct."""
    cleaned = re.sub(r"[\x00-\x1f\x7f]+", "", text.translate(_FORBIDDEN))
    cleaned = re.sub(r"\s+", "", cleaned).strip(". ")
    if cleaned != text.translate(_FORBIDDEN):  # spaces or control characters went: keep the names apart
        cleaned = f"{cleaned}~{_digest(text)}"
    return cleaned or "未命名"


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]


def fit_file_name(stem: str, suffix: str, limit: int = NAME_LIMIT) -> str:
    """``stem + suffix``, shortened with a stable suffix ("…~3fa2c1") when too long for a path."""
    name = stem + suffix
    if len(name) <= limit and len(name.encode("utf-8")) <= _NAME_BYTES:
        return name
    keep, tag = limit - len(suffix) - 7, f"~{_digest(stem)}"
    while keep > 1 and len((stem[:keep] + tag + suffix).encode("utf-8")) > _NAME_BYTES:
        keep -= 1
    return stem[:keep] + tag + suffix


def sibling_path(path: Path, suffix: str) -> Path:
    """A free name beside ``path``: "表.xlsx" → "表_已校验.xlsx" (then "表_已校验-2.xlsx", …)."""
    candidate, counter = path.with_name(f"{path.stem}{suffix}{path.suffix}"), 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}{suffix}-{counter}{path.suffix}")
        counter += 1
    return candidate


def save_over(workbook, path: Path, copy_suffix: str) -> tuple[Path, Path | None, list[str]]:
    """Save a workbook read from ``path`` back over it, unless that would lose content.

    openpyxl rebuilds the file it saves; when a trial save shows it would drop
    charts, shapes or controls of the user's file, the workbook goes to a new file
    beside it ("表_已校验.xlsx") and ``path`` is left as it was.

    Args:
        workbook: An openpyxl workbook loaded from ``path``.
        path: The user's file.
        copy_suffix: Added to the name of the copy ("_已校验").

    Returns:
        (file written, backup of an overwritten file or None, kinds of content that
        saving over ``path`` would have lost).
    """
    lost: list[str] = []
    if fragile_parts(path):
        with tempfile.TemporaryDirectory(prefix="fenjie-") as folder:
            trial = Path(folder) / path.name
            workbook.save(trial)
            lost = lost_parts(path, trial)
    target = sibling_path(path, copy_suffix) if lost else path
    return target, write_atomically(target, lambda temp: workbook.save(temp)), lost
