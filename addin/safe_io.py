"""Writing files without ever losing the user's work.

Every output goes to a temporary file beside the target and is renamed into
place, so a crash or a full disk never leaves a half-written workbook; an
existing file is first copied to a timestamped backup.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .errors import WorkbookWriteError


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
    if excel_lock_file(path).exists():
        raise WorkbookWriteError(f"文件“{path.name}”正在被 Excel 或 WPS 打开：请先关闭该文件再试。")
    if path.exists() and not os.access(path, os.W_OK):
        raise WorkbookWriteError(f"文件“{path}”是只读的，无法覆盖：请另选保存位置或取消只读属性。")
    if not path.parent.exists():
        raise WorkbookWriteError(f"保存位置“{path.parent}”不存在。")


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
    size = path.stat().st_size
    if size == 0:
        raise error(f"文件“{path.name}”是空文件。")
    if size > max_bytes:
        raise error(f"文件“{path.name}”有 {size / 1024 / 1024:.0f} MB，超过上限 {max_bytes // 1024 // 1024} MB，"
                    f"不像是{too_large}：请确认选择的文件。")


def write_atomically(path: str | Path, write: Callable[[Path], None], backup: bool = True) -> Path | None:
    """Write ``path`` through ``write(temp_path)`` and rename into place.

    Args:
        path: The final file.
        write: Writes the whole content to the temporary path it is given.
        backup: Copy an existing ``path`` to a timestamped backup first.

    Returns:
        The backup's path, or None when there was nothing to back up.

    Raises:
        WorkbookWriteError: the file is open in Excel, read-only, or cannot be written.
    """
    path = Path(path)
    _check_writable(path)
    handle, temp_name = tempfile.mkstemp(prefix=".~fenjie-", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    temp = Path(temp_name)
    saved = None
    try:
        write(temp)
        if backup and path.exists():
            saved = backup_path(path)
            shutil.copy2(path, saved)
        os.replace(temp, path)
    except PermissionError:
        raise WorkbookWriteError(f"没有权限写入“{path}”：文件可能被其他程序占用。") from None
    except OSError as exc:
        raise WorkbookWriteError(f"写入“{path}”失败：{exc.strerror or exc}。") from None
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
