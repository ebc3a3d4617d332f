"""Put the add-in where Excel loads it, and tell it which Python to run.

Like ``xlwings addin install``, the .xlam goes to the user's XLSTART folder (per user,
no admin rights). The interpreter (and, when FenJie runs from a source tree rather than
an installed wheel, that tree as PYTHONPATH) goes into the add-in's own ``fenjie.conf``
sheet, whose cells are Unicode, and, as a fallback for a freshly copied add-in, into
``%USERPROFILE%\\.fenjie\\fenjie.conf``. VBA reads that file with ``Input #`` in the
ANSI code page (936 on Chinese Windows), so it is written in that code page, never
UTF-8: a UTF-8 ``C:\\Users\\张三`` reads back as mojibake and "Could not find
Interpreter!". The UDF server loads xlwings' DLL with ``LoadLibraryA``, an ANSI call,
so a path that code page cannot hold is refused whatever the sheet could store.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import xlwings

from ..errors import FenJieError
from ..safe_io import write_atomically
from .build import CONF_PART, CONF_SHEET, PROJECT_NAME, conf_sheet_xml, read_conf, read_parts, write_parts

ADDIN_NAME = "fenjie.xlam"
TARGET_CODE_PAGE = "cp936"  # Simplified Chinese Windows: what FenJie is built for when not run on Windows
INTERPRETER_KEYS = {"win32": "INTERPRETER_WIN", "darwin": "INTERPRETER_MAC"}
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the addin package


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


def ansi_code_page() -> str:
    """The ANSI code page VBA uses on this PC (GetACP), or cp936 when preparing for a Chinese PC elsewhere."""
    if sys.platform == "win32":
        import ctypes

        return f"cp{ctypes.windll.kernel32.GetACP()}"
    return TARGET_CODE_PAGE


def user_config() -> Path:
    """The add-in's user config file, as xlwings_custom_addin.bas's GetConfigFilePath names it."""
    profile = os.environ.get("USERPROFILE") if sys.platform == "win32" else None
    return Path(profile or Path.home()) / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


def require_ansi(path: Path, code_page: str) -> None:
    """Refuse a path the ANSI code page cannot hold, naming the characters and a fix."""
    bad = sorted({ch for ch in str(path) if not _encodes(ch, code_page)})
    if bad:
        raise FenJieError(
            f"路径“{path}”中的字符“{''.join(bad)}”无法用本机 Excel 的 ANSI 代码页（{code_page}）表示，"
            "Excel 的 VBA 读不到这个路径。请把 FenJie 装到只含常用汉字、字母和数字的文件夹，"
            "例如运行“安装.bat D:\\FenJie”，或用 Windows 设置把 Python 装到 C:\\Python312 后重新安装。")


def _encodes(text: str, code_page: str) -> bool:
    try:
        text.encode(code_page)
    except UnicodeEncodeError:
        return False
    return True


def config_line(key: str, value: str) -> str:
    """One line as VBA's ``Write #`` writes it and ``Input #`` reads it: two quoted fields."""
    return f'"{key}","{value}"'


def write_user_config(config: Path, values: dict[str, str], code_page: str) -> None:
    """Set ``values`` in the config file, other keys kept, in the ANSI code page with CRLF line ends."""
    keys = {k.upper() for k in values}
    kept = []
    if config.exists():
        text = config.read_bytes().decode(code_page, errors="replace")
        kept = [line for line in text.splitlines() if line and line.split(",", 1)[0].strip('"').upper() not in keys]
    lines = kept + [config_line(k, v) for k, v in values.items()]
    data = ("\r\n".join(lines) + "\r\n").encode(code_page)
    config.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(config, lambda temp: temp.write_bytes(data), backup=False)


def install_settings() -> dict[str, str]:
    """What the conf sheet needs to run this FenJie: its interpreter, and its source folder unless installed."""
    settings = {INTERPRETER_KEYS.get(sys.platform, "INTERPRETER"): sys.executable}
    if PACKAGE_ROOT.name.lower() != "site-packages":  # run from a source tree: put it on sys.path
        settings["PYTHONPATH"] = str(PACKAGE_ROOT)
    return settings


def install(xlam: Path, code_page: str | None = None) -> Path:
    """Copy the built add-in into XLSTART with this Python in its conf sheet; returns the installed path."""
    if not xlam.exists():
        raise FenJieError(f"找不到加载项文件“{xlam}”：请先运行 fenjie addin build。")
    target = xlstart_dir() / ADDIN_NAME
    code_page = code_page or ansi_code_page()
    settings = install_settings()
    for value in settings.values():  # the UDF server's command line reaches xlwings' DLL as ANSI text
        require_ansi(Path(value), code_page)
    parts = read_parts(xlam)
    if CONF_PART not in parts:
        raise FenJieError(f"“{xlam}”中没有“{CONF_SHEET}”工作表：请用 fenjie addin build 重新生成加载项。")
    parts[CONF_PART] = conf_sheet_xml({**read_conf(parts), **settings})
    try:
        write_parts(target, parts)
    except PermissionError:
        raise FenJieError(f"无法写入“{target}”：请先关闭 Excel 再安装。") from None
    write_user_config(user_config(), settings, code_page)
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
    """What a 自检 shows: interpreter, versions, add-in and its settings, write access."""
    from .. import __version__
    from .build import xlwings_module_path

    lines = [f"Python 解释器：{sys.executable}", f"FenJie：{__version__}", f"xlwings：{xlwings.__version__}"]
    vba = xlwings_module_path().read_text(encoding="ascii", errors="replace").splitlines()
    version_line = next((line for line in vba if line.startswith("'Version:")), "")
    lines.append(f"xlwings VBA 模块：{version_line.removeprefix(chr(39) + 'Version:').strip() or '未知'}")
    try:
        target = xlstart_dir() / ADDIN_NAME
        lines.append(f"加载项：{target}（{'已安装' if target.exists() else '未安装'}）")
        if target.exists():
            conf = read_conf(read_parts(target))
            lines += [f"加载项设置 {k}：{v}" for k, v in conf.items()]
        writable = os.access(target.parent if target.parent.exists() else Path.home(), os.W_OK)
        lines.append(f"XLSTART 可写：{'是' if writable else '否'}")
    except FenJieError as exc:
        lines.append(f"加载项：{exc}")
    config = user_config()
    lines.append(f"用户配置：{config}（{'存在' if config.exists() else '不存在'}）")
    return lines
