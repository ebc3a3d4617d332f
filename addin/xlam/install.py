"""Put the add-in where Excel loads it, and tell xlwings which Python to run.

Like ``xlwings addin install``: the .xlam goes to Excel's XLSTART folder, and the
xlwings user config gets the interpreter of the environment FenJie runs from —
"could not find interpreter" is the most common failure of xlwings add-ins.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import xlwings

from ..errors import FenJieError

ADDIN_NAME = "fenjie.xlam"


def xlstart_dir() -> Path:
    """Excel's XLSTART folder for this user (Windows or macOS)."""
    if sys.platform == "win32":
        appdata = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
        return appdata / "Microsoft" / "Excel" / "XLSTART"
    if sys.platform == "darwin":
        return (Path.home() / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"
                / "Startup.localized" / "Excel")
    raise FenJieError(
        "Excel 加载项只能安装在 Windows 或 macOS 上：本机是 Linux，可用 fenjie addin build 生成文件后拷贝。")


def xlwings_config() -> Path:
    """xlwings' user config file (~/.xlwings/xlwings.conf)."""
    return Path.home() / ".xlwings" / "xlwings.conf"


def _write_interpreter(config: Path) -> None:
    key = {"win32": "INTERPRETER_WIN", "darwin": "INTERPRETER_MAC"}.get(sys.platform, "INTERPRETER")
    lines = config.read_text(encoding="utf-8").splitlines() if config.exists() else []
    lines = [line for line in lines if not line.startswith(f'"{key}"')]
    lines.append(f'"{key}","{sys.executable}"')
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def install(xlam: Path) -> Path:
    """Copy the built add-in into XLSTART and set the interpreter; returns the installed path."""
    if not xlam.exists():
        raise FenJieError(f"找不到加载项文件“{xlam}”：请先运行 fenjie addin build。")
    target = xlstart_dir() / ADDIN_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copy2(xlam, target)
    except PermissionError:
        raise FenJieError(f"无法写入“{target}”：请先关闭 Excel 再安装。") from None
    _write_interpreter(xlwings_config())
    return target


def remove() -> Path:
    """Remove the add-in from XLSTART; returns where it was."""
    target = xlstart_dir() / ADDIN_NAME
    if not target.exists():
        raise FenJieError("FenJie 加载项没有安装。")
    try:
        target.unlink()
    except PermissionError:
        raise FenJieError(f"无法删除“{target}”：请先关闭 Excel。") from None
    return target


def status_lines() -> list[str]:
    """What a 自检 shows: interpreter, versions, add-in and config locations, write access."""
    from .. import __version__

    lines = [f"Python 解释器：{sys.executable}", f"FenJie：{__version__}", f"xlwings：{xlwings.__version__}"]
    vba = Path(xlwings.__file__).parent / "xlwings.bas"
    lines_of_vba = vba.read_text(encoding="ascii").splitlines()
    version_line = next((line for line in lines_of_vba if line.startswith("'Version:")), "")
    lines.append(f"xlwings VBA 模块：{version_line.removeprefix(chr(39) + 'Version:').strip() or '未知'}")
    try:
        target = xlstart_dir() / ADDIN_NAME
        lines.append(f"加载项：{target}（{'已安装' if target.exists() else '未安装'}）")
        writable = os.access(target.parent if target.parent.exists() else Path.home(), os.W_OK)
        lines.append(f"XLSTART 可写：{'是' if writable else '否'}")
    except FenJieError as exc:
        lines.append(f"加载项：{exc}")
    config = xlwings_config()
    lines.append(f"xlwings 配置：{config}（{'存在' if config.exists() else '不存在'}）")
    return lines
