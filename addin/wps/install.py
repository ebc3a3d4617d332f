"""``fenjie wps install`` / ``remove``: the add-in into WPS' jsaddons folder, the service at login.

Offline and per user, as WPS' own scaffolding (wpsjs) lays an add-in out: the
folder ``jsaddons/fenjie_<version>`` and one entry each in ``publish.xml``,
``jsplugins.xml`` and ``authwebsite.xml``. Those registries are shared with the
office's other add-ins, so they are merged — parsed, FenJie's entries replaced,
every other element kept — and backed up before they are written (wpsjs'
installer rewrites publish.xml whole, which would drop the others).
"""

from __future__ import annotations

import os
import shutil
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import FenJieError
from ..safe_io import write_atomically
from .build import ADDIN_NAME, build_wps_addin
from .service import service_settings, token_path, write_private

# registry file -> (root element, FenJie's element). WPS matches add-ins by name.
REGISTRIES = {
    "publish.xml": ("jsplugins", "jsplugin"),
    "jsplugins.xml": ("jsplugins", "jsplugin"),
    "authwebsite.xml": ("websites", "website"),
}
UNIT_NAME = "fenjie.service"
STARTUP_NAME = "FenJie 服务.cmd"


def jsaddons_dir() -> Path:
    """WPS' per-user add-in folder."""
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(appdata) / "kingsoft" / "wps" / "jsaddons"
    return Path.home() / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"


def addin_folder() -> Path:
    return jsaddons_dir() / f"{ADDIN_NAME}_{__version__}"


def entry(registry: str) -> dict[str, str]:
    """FenJie's attributes in one registry file (WPS 表格 is type ``et``)."""
    folder = addin_folder().name
    if registry == "publish.xml":
        return {"name": ADDIN_NAME, "type": "et", "url": folder, "version": __version__,
                "enable": "enable_dev", "install": "null", "customDomain": ""}
    if registry == "jsplugins.xml":
        return {"name": ADDIN_NAME, "type": "et", "url": folder, "version": __version__}
    # The add-in's page is a file, its origin "null": allow it to call the local service.
    return {"origin": "null", "name": ADDIN_NAME, "status": "enable"}


def _parse(path: Path, root_tag: str) -> ET.Element:
    if not path.exists() or not path.read_text(encoding="utf-8", errors="replace").strip():
        return ET.Element(root_tag)
    try:
        root = ET.parse(path, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))).getroot()
    except ET.ParseError as exc:
        raise FenJieError(f"WPS 加载项登记文件“{path}”无法解析（{exc}），"
                          "为免破坏其他加载项的登记，没有改动它。") from exc
    if root.tag != root_tag:
        raise FenJieError(f"WPS 加载项登记文件“{path}”的根元素是 <{root.tag}>，不是 <{root_tag}>：没有改动它。")
    return root


def merge_registry(path: Path, registry: str, add: bool) -> Path | None:
    """Replace (``add``) or drop FenJie's entries in one registry; others' entries are kept as they are.

    Returns:
        The backup of the previous file, or None when there was none (or nothing changed).
    """
    root_tag, tag = REGISTRIES[registry]
    root = _parse(path, root_tag)
    mine = [e for e in root if e.tag == tag and e.get("name") == ADDIN_NAME]
    if not add and not mine:
        return None
    for element in mine:
        root.remove(element)
    if add:
        ET.SubElement(root, tag, entry(registry))
    ET.indent(root, space="  ")

    def write(temp: Path) -> None:
        ET.ElementTree(root).write(temp, encoding="UTF-8", xml_declaration=True)

    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(path, write, backup=True)


# ---------------------------------------------------------------- start at login


def _service_command() -> list[str]:
    """The interpreter FenJie runs from, starting ``fenjie serve`` (pythonw on Windows: no console)."""
    python = Path(sys.executable)
    if sys.platform == "win32" and (python.parent / "pythonw.exe").exists():
        python = python.parent / "pythonw.exe"
    return [str(python), "-m", "addin.cli", "serve"]


def systemd_unit() -> str:
    """A systemd user unit that runs the service for this user."""
    command = " ".join(f'"{part}"' if " " in part else part for part in _service_command())
    return ("[Unit]\nDescription=FenJie 任务分解助手 local service (WPS add-in)\n\n"
            f"[Service]\nExecStart={command}\nEnvironment=PYTHONUTF8=1\nRestart=on-failure\n\n"
            "[Install]\nWantedBy=default.target\n")


def startup_cmd() -> str:
    """The Windows Startup-folder script. chcp 65001 first, so cmd reads the rest as UTF-8
    (a Chinese user name in the path); %USERPROFILE% stands for the profile where it can."""
    python, *rest = _service_command()
    profile = os.environ.get("USERPROFILE", "")
    if profile and python.lower().startswith(profile.lower()):
        python = "%USERPROFILE%" + python[len(profile):]
    return "@echo off\r\nchcp 65001 >nul\r\n" + f'start "" "{python}" {" ".join(rest)}\r\n'


def autostart_path() -> Path:
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(appdata) / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / STARTUP_NAME
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "systemd" / "user" / UNIT_NAME


def _enable_autostart() -> Path:
    path = autostart_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":
        path.write_bytes(startup_cmd().encode("utf-8"))
        return path
    path.write_text(systemd_unit(), encoding="utf-8")
    # What `systemctl --user enable` does, without needing a running user manager.
    wants = path.parent / "default.target.wants" / UNIT_NAME
    wants.parent.mkdir(exist_ok=True)
    if wants.is_symlink() or wants.exists():
        wants.unlink()
    wants.symlink_to(path)
    return path


def _disable_autostart() -> None:
    path = autostart_path()
    if sys.platform != "win32":
        (path.parent / "default.target.wants" / UNIT_NAME).unlink(missing_ok=True)
    path.unlink(missing_ok=True)


def start_now() -> str:
    """Start the service for this session (after install); a sentence saying what happened."""
    import subprocess

    if sys.platform == "win32":
        flags = getattr(subprocess, "DETACHED_PROCESS", 0) | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        subprocess.Popen(_service_command(), creationflags=flags, close_fds=True)  # noqa: S603
        return "已在后台启动 FenJie 服务。"
    try:
        for args in (["daemon-reload"], ["restart", UNIT_NAME]):
            subprocess.run(["systemctl", "--user", *args], check=True, capture_output=True, timeout=30)  # noqa: S603,S607
    except (OSError, subprocess.SubprocessError):
        return "未能通过 systemctl --user 启动服务：下次登录时会自动启动，现在可在终端运行 fenjie serve。"
    return "已通过 systemctl --user 启动 FenJie 服务。"


# ---------------------------------------------------------------- install, remove, status


@dataclass
class InstallResult:
    folder: Path
    backups: list[Path]
    autostart: Path
    wps_seen: bool  # the jsaddons folder was there before: WPS has run for this user


def install(start: bool = True) -> tuple[InstallResult, str]:
    """Install the add-in for this user, register it, and start the service at login (and now)."""
    settings = service_settings()
    jsaddons = jsaddons_dir()
    seen = jsaddons.exists()
    for old in jsaddons.glob(f"{ADDIN_NAME}_*") if jsaddons.exists() else []:
        if old.is_dir() and (old / "js" / "buttons.js").exists():
            shutil.rmtree(old)  # an earlier FenJie version: WPS would load both
    folder = build_wps_addin(addin_folder(), url=f"http://127.0.0.1:{settings['port']}", token=settings["token"])
    config = folder / "js" / "config.js"
    write_private(config, config.read_text(encoding="utf-8"))  # it holds the token
    backups = [b for name in REGISTRIES if (b := merge_registry(jsaddons / name, name, add=True))]
    result = InstallResult(folder, backups, _enable_autostart(), seen)
    return result, start_now() if start else ""


def stop_service() -> None:
    """Stop the login-started service (Linux; on Windows it ends with the session)."""
    import subprocess

    if sys.platform != "win32":
        try:
            subprocess.run(["systemctl", "--user", "stop", UNIT_NAME], capture_output=True, timeout=30)  # noqa: S603,S607
        except (OSError, subprocess.SubprocessError):
            pass  # no user manager: nothing was started by it


def remove(stop: bool = True) -> list[Path]:
    """Remove FenJie's add-in folders, registry entries and login start; others' entries are kept."""
    if stop:
        stop_service()
    jsaddons = jsaddons_dir()
    removed = []
    for old in jsaddons.glob(f"{ADDIN_NAME}_*") if jsaddons.exists() else []:
        if old.is_dir() and (old / "js" / "buttons.js").exists():
            shutil.rmtree(old)
            removed.append(old)
    for name in REGISTRIES:
        if (jsaddons / name).exists():
            merge_registry(jsaddons / name, name, add=False)
    _disable_autostart()
    return removed


def status_lines(probe: bool = True) -> list[str]:
    """What ``fenjie doctor`` says about the WPS add-in and the service."""
    folder = addin_folder()
    lines = [f"WPS 加载项：{folder}（{'已安装' if (folder / 'ribbon.xml').exists() else '未安装'}）"]
    publish = jsaddons_dir() / "publish.xml"
    try:
        registered = any(e.get("name") == ADDIN_NAME for e in _parse(publish, "jsplugins"))
    except FenJieError as exc:
        registered, lines = False, lines + [str(exc)]
    lines.append(f"WPS 登记（publish.xml）：{'已登记' if registered else '未登记'}")
    lines += _trust_lines()
    lines.append(f"登录时启动服务：{autostart_path()}（{'已设置' if autostart_path().exists() else '未设置'}）")
    if not token_path().exists():
        return lines + ["FenJie 服务：未配置（运行 fenjie wps install）"]
    settings = service_settings(create=False)
    lines.append(f"服务令牌：{token_path()}（{_permissions(token_path())}）")
    if probe:
        lines.append(f"FenJie 服务：http://127.0.0.1:{settings['port']}（{probe_service(settings)}）")
    return lines


def _trust_lines() -> list[str]:
    """What WPS itself recorded: authaddin.json (written by WPS when the user trusts an add-in; FenJie
    only reads it) and a jsaddinblockhost.ini, with which some personal builds block add-ins."""
    import json

    lines = []
    auth = jsaddons_dir() / "authaddin.json"
    if auth.exists():
        try:
            records = list(_records_naming(json.loads(auth.read_text(encoding="utf-8")), ADDIN_NAME))
        except (OSError, ValueError):
            records = None
        if records is None:
            lines.append(f"WPS 授信记录：{auth} 无法读取")
        elif not records:
            lines.append("WPS 授信记录：尚无 FenJie（首次打开 WPS 表格时请在提示中选择信任）")
        for record in records or []:
            state = "，".join(f"{k}={record[k]}" for k in ("enable", "isload") if k in record)
            bad = any(record.get(k) is False for k in ("enable", "isload"))
            hint = "（未加载：请在 WPS 加载项管理中启用 FenJie）" if bad else ""
            lines.append(f"WPS 授信记录：{state or record}{hint}")
    for folder in (jsaddons_dir(), jsaddons_dir().parent):
        block = folder / "jsaddinblockhost.ini"
        if block.exists():
            lines.append(f"发现 {block}：此版本 WPS 可能屏蔽第三方加载项，请使用政企版或联系管理员")
    return lines


def _records_naming(data: object, name: str):
    """The dicts of a JSON document that name ``name`` (as a key above them or in a value)."""
    if isinstance(data, dict):
        if any(isinstance(v, str) and name in v.lower() for v in data.values()):
            yield data
            return
        for key, value in data.items():
            if name in str(key).lower() and isinstance(value, dict):
                yield value
            else:
                yield from _records_naming(value, name)
    elif isinstance(data, list):
        for item in data:
            yield from _records_naming(item, name)


def _permissions(path: Path) -> str:
    if sys.platform == "win32":
        return "位于用户目录"
    mode = path.stat().st_mode & 0o777
    return "仅本人可读" if mode & 0o077 == 0 else f"权限 {mode:o}，其他用户可读：请运行 chmod 600"


def probe_service(settings: dict) -> str:
    """Whether the service answers, with this user's token."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{settings['port']}/status",
                                     headers={"X-FenJie-Token": settings["token"]})
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310 - loopback only
            version = json.loads(answer.read().decode("utf-8")).get("version", "?")
        return f"运行中，版本 {version}"
    except urllib.error.HTTPError as exc:
        return f"拒绝了本机令牌（{exc.code}）：请重启服务" if exc.code == 403 else f"出错（{exc.code}）"
    except (OSError, ValueError):
        return "未运行：运行 fenjie serve 或重新登录"
