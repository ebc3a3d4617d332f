"""Exception hierarchy. Messages are Chinese: they reach the user as they are.

Only unusable input raises; problems found inside a table are findings (data).
"""

from __future__ import annotations

import errno
import os
import traceback
from datetime import datetime
from pathlib import Path


class FenJieError(Exception):
    """Base of every error FenJie reports to the user as a one-line message."""


class PlanReadError(FenJieError):
    """A plan document cannot be read (missing, wrong format, encrypted, …)."""


class OutlineError(FenJieError):
    """A plan was read but has no usable outline (no numbered structure)."""


class WorkbookWriteError(FenJieError):
    """An output workbook cannot be written (locked, read-only, disk full, …)."""


def log_path() -> Path:
    """The log file unexpected failures' details go to (the user sees one Chinese line)."""
    base = os.environ.get("APPDATA") or os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    folder = Path(base) / "FenJie"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "fenjie.log"


def log_traceback(context: str) -> str:
    """Append the current exception's traceback to the log; returns the log's path ("" if unwritable)."""
    try:
        path = log_path()
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now().isoformat(timespec='seconds')} {context}\n{traceback.format_exc()}\n")
        return str(path)
    except OSError:
        return ""


_OS_REASONS = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有权限", errno.EPERM: "没有权限",
               errno.ENAMETOOLONG: "文件名或路径太长", errno.EROFS: "磁盘只读", errno.ENOENT: "找不到",
               errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径中有一段不是文件夹"}


def explain(exc: BaseException, subject: str = "", fallback: bool = True) -> str:
    """A Chinese one-line message for an exception that escaped the engine.

    The engine turns what it expects into :class:`FenJieError`; this is the net
    under it, so a user never sees a Python traceback. ``subject`` names the file
    the command was working on; without ``fallback`` an exception of no known kind
    gives "".
    """
    about = f"“{subject}”" if subject else "文件"
    if isinstance(exc, OSError):
        where = f"“{exc.filename}”" if exc.filename else about
        reason = _OS_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
        if isinstance(exc, PermissionError):
            return f"没有权限读写{where}：文件可能被其他程序占用，或文件夹只读。请关闭相关程序或另选位置后再试。"
        return f"读写{where}失败：{reason}。"
    name = type(exc).__name__
    if name in ("BadZipFile", "ZipError", "CalamineError", "XmlError", "ParseError", "XMLSyntaxError",
                "InvalidFileException", "WorkbookError"):
        return f"文件{about}已损坏，或不是它的扩展名所示的格式（{name}）：请在 Excel/WPS 中打开并另存后再试。"
    if name in ("EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden", "NotSupportedError"):
        return f"文件{about}含有 XML 实体声明，可能是恶意构造的：为安全起见 FenJie 不展开实体，已拒绝读取。"
    if name == "IllegalCharacterError":
        return f"{about}中有 Excel 不允许的控制字符，无法写入：请删除该内容中的特殊字符后再试。"
    if isinstance(exc, MemoryError):
        return f"文件{about}太大（或声明的表格范围过大），内存不足：请只保留需要的工作表和区域后再试。"
    if isinstance(exc, RecursionError):
        return f"文件{about}的结构嵌套过深，无法读取。"
    if not fallback:
        return ""
    return f"处理{about}时出现意外问题（{name}：{str(exc)[:200]}）。"
