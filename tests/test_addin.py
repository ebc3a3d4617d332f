"""The built .xlam: package parts, ribbon XML vs VBA, olevba and LibreOffice as independent readers."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import olefile
import pytest
import xlwings
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream
from ovba_checks import decrypt_property
from pdf_checks import soffice_available

from addin.cli import main
from addin.errors import FenJieError
from addin.xlam import install as installer
from addin.xlam.build import vba_modules
from addin.xlam.cfb import Node, write_compound_file
from addin.xlam.ovba import compress
from addin.xlam.vbaproject import encrypt_property

MACROS = Path(__file__).resolve().parents[1] / "macros"
NS = {"ui": "http://schemas.microsoft.com/office/2009/07/customui"}


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("addin") / "fenjie.xlam"
    assert main(["addin", "build", "-o", str(out)]) == 0
    return out


def _modules(xlam: Path) -> dict[str, str]:
    parser = VBA_Parser(str(xlam))
    return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}


def test_package_parts(xlam):
    with zipfile.ZipFile(xlam) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("_rels/.rels").decode()
        book_rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        ui = archive.read("customUI/customUI14.xml")
    assert {"xl/vbaProject.bin", "customUI/customUI14.xml", "xl/workbook.xml"} <= names
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types
    assert 'Extension="bin" ContentType="application/vnd.ms-office.vbaProject"' in types
    assert 'Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"' in rels
    assert 'Target="customUI/customUI14.xml"' in rels and 'Target="vbaProject.bin"' in book_rels
    assert ui == (MACROS / "customUI14.xml").read_bytes()


def test_every_onaction_is_a_ribbon_sub_in_the_built_vba(xlam):
    with zipfile.ZipFile(xlam) as archive:
        root = ET.fromstring(archive.read("customUI/customUI14.xml"))
    code = "\n".join(_modules(xlam).values())
    actions = {b.get("onAction") for b in root.iterfind(".//ui:button", NS)}
    assert actions == {"FenJieRibbon"}
    for action in actions:
        assert f"Public Sub {action}(control As IRibbonControl)" in code


def test_olevba_decodes_every_module_to_its_source(xlam):
    modules = _modules(xlam)
    assert set(modules) == {"ThisWorkbook", "Sheet1", "FenJie", "xlwings"}
    fenjie = (MACROS / "FenJie.bas").read_text(encoding="ascii").replace("\n", "\r\n")
    installed = (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_text(encoding="ascii")
    installed = installed.replace('PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "fenjie"')
    assert modules["FenJie"] == fenjie
    assert modules["xlwings"] == installed.replace("\r\n", "\n").replace("\n", "\r\n"), "the installed module"
    assert f"'Version: {xlwings.__version__}" in modules["xlwings"]


def test_python_is_handed_the_active_workbook_not_the_addin(xlam):
    """The module for custom add-ins: --wb and BOOK_CALLER name ActiveWorkbook, settings come from fenjie.conf."""
    code = _modules(xlam)["xlwings"]
    assert 'Public Const PROJECT_NAME As String = "fenjie"' in code
    assert '" --wb=" & """" & ActiveWorkbook.Name' in code and "ThisWorkbook.Name" not in code
    assert '"BOOK_CALLER", ActiveWorkbook' in code
    assert 'SheetExists(ThisWorkbook, PROJECT_NAME & ".conf")' in code


def _conf(xlam: Path) -> dict[str, str]:
    with zipfile.ZipFile(xlam) as archive:
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        sheets = [s.get("name") for s in book.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet")]
        assert sheets == ["fenjie.conf"]
        rows = ET.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    main_ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    conf = {}
    for row in rows.iter(f"{main_ns}row"):
        cells = {c.get("r")[0]: "".join(t.text or "" for t in c.iter(f"{main_ns}t")) for c in row.iter(f"{main_ns}c")}
        conf[cells["A"]] = cells.get("B", "")
    return conf


def test_the_addin_carries_its_conf_sheet_with_the_udf_server_on(xlam):
    assert _conf(xlam) == {"USE UDF SERVER": "True", "ADD_WORKBOOK_TO_PYTHONPATH": "False", "SHOW CONSOLE": "False"}


def test_openpyxl_reads_the_conf_sheet_of_the_built_addin(xlam, tmp_path):
    """A second reader of the sheet: openpyxl, once the package says it is an .xlsm (it refuses add-ins)."""
    import openpyxl

    copy = tmp_path / "fenjie.xlsm"
    with zipfile.ZipFile(xlam) as source, zipfile.ZipFile(copy, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(b"ms-excel.addin.macroEnabled.main", b"ms-excel.sheet.macroEnabled.main")
            target.writestr(name, data)
    sheet = openpyxl.load_workbook(copy)["fenjie.conf"]
    assert [[c.value for c in row] for row in sheet.iter_rows()][0] == ["USE UDF SERVER", "True"]


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice is installed by .ci/run")
def test_libreoffice_imports_the_modules(xlam, tmp_path):
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(tmp_path),
                    str(xlam)], check=True, capture_output=True, timeout=300)
    with zipfile.ZipFile(tmp_path / "fenjie.ods") as archive:
        names = set(archive.namelist())
        fenjie = archive.read("Basic/FenJieAddin/FenJie.xml").decode("utf-8")
        content = archive.read("content.xml").decode("utf-8")
    assert 'table:name="fenjie.conf"' in content and "USE UDF SERVER" in content, "a second reader of the conf sheet"
    assert {"Basic/FenJieAddin/xlwings.xml", "Basic/FenJieAddin/ThisWorkbook.xml"} <= names
    assert "Public Sub FenJieRibbon(control As IRibbonControl)" in fenjie


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=9000))
def test_compression_round_trips_through_oletools(data):
    assert bytes(decompress_stream(bytearray(compress(data)))) == data


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Dim x As Long\r\n", "    RunPython \"import a\"\r\n", "End Sub\r\n", "'",
                                 "If x Then\r\n", "aaaaaaaaaaaaaaaa", "Private Declare PtrSafe Function "]),
                max_size=800))
def test_source_like_text_round_trips(parts):
    data = "".join(parts).encode("ascii")
    assert bytes(decompress_stream(bytearray(compress(data)))) == data


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=9000), min_size=1, max_size=12))
def test_compound_file_streams_read_back_with_olefile(tmp_path_factory, sizes):
    root = Node("Root Entry")
    storage = root.add(Node("VBA"))
    expected = {}
    for i, size in enumerate(sizes):
        data = bytes((i * 7 + k) % 251 for k in range(size))
        (storage if i % 2 else root).add(Node(f"s{i}", data))
        expected[f"VBA/s{i}" if i % 2 else f"s{i}"] = data
    path = tmp_path_factory.mktemp("cfb") / "t.bin"
    path.write_bytes(write_compound_file(root))
    with olefile.OleFileIO(str(path)) as ole:
        for name, data in expected.items():
            assert ole.openstream(name).read() == data



@pytest.mark.parametrize("seed", [0, 7, 0x86, 0xFF])
def test_project_protection_fields_decrypt(seed):
    project_id = "{12345678-1234-1234-1234-123456789ABC}"
    assert decrypt_property(encrypt_property(project_id, bytes(4), seed)) == bytes(4)
    assert decrypt_property(encrypt_property(project_id, b"\xff", seed)) == b"\xff"


def test_vba_must_be_ascii(tmp_path):
    (tmp_path / "Bad.bas").write_text('Attribute VB_Name = "Bad"\nMsgBox "你好"\n', encoding="utf-8")
    with pytest.raises(FenJieError, match="含有非 ASCII 字符"):
        vba_modules(tmp_path)


def _windows_profile(tmp_path, monkeypatch, user: str, python: str, source: str = "") -> tuple[Path, Path]:
    """A Windows user profile under tmp_path, this user's Python at ``python`` (relative to the profile),
    FenJie installed in its site-packages or, with ``source``, run from that source folder."""
    profile = tmp_path / "Users" / user
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("USERPROFILE", str(profile))
    monkeypatch.setenv("APPDATA", str(profile / "AppData" / "Roaming"))
    monkeypatch.setattr(sys, "executable", str(profile / python))
    root = profile / source if source else (profile / python).parents[1] / "Lib" / "site-packages"
    monkeypatch.setattr(installer, "PACKAGE_ROOT", root)
    return profile, profile / python


def _vba_input(data: bytes, code_page: str) -> dict[str, str]:
    """What VBA's ``Input #f, name, value`` reads line by line: the bytes decoded in the ANSI code page."""
    pairs = {}
    for line in data.decode(code_page).split("\r\n"):
        if line:
            name, value = (field.strip('"') for field in line.split('","'))
            pairs[name] = value
    return pairs


@pytest.mark.parametrize(("user", "python", "source"), [
    ("张三", "AppData/Local/FenJie/venv/Scripts/python.exe", ""),
    ("张三", "AppData/Local/FenJie 任务分解/venv/Scripts/python.exe", ""),
    ("张三", "FenJie 源码/.venv/Scripts/python.exe", "FenJie 源码"),
    ("Zhang San", "AppData/Local/Programs/Python/Python312/python.exe", ""),
])
def test_install_on_a_chinese_windows_profile(xlam, tmp_path, monkeypatch, user, python, source):
    profile, interpreter = _windows_profile(tmp_path, monkeypatch, user, python, source)
    target = installer.install(xlam, code_page="cp936")
    assert target == profile / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "fenjie.xlam"
    settings = {"INTERPRETER_WIN": str(interpreter)} | ({"PYTHONPATH": str(profile / source)} if source else {})
    assert _conf(target) == {**_conf(xlam), **settings}, "Unicode cells of the sheet"
    assert _modules(target) == _modules(xlam)
    config = profile / ".fenjie" / "fenjie.conf"
    data = config.read_bytes()
    assert data == "".join(f'"{k}","{v}"\r\n' for k, v in settings.items()).encode("cp936")
    assert _vba_input(data, "cp936") == settings
    assert any(line.startswith("加载项：") and line.endswith("（已安装）") for line in installer.status_lines())
    assert f"加载项设置 INTERPRETER_WIN：{interpreter}" in installer.status_lines()
    assert installer.remove() == target and not target.exists()


def test_reinstalling_keeps_other_user_settings(xlam, tmp_path, monkeypatch):
    profile, interpreter = _windows_profile(tmp_path, monkeypatch, "张三", "py/python.exe")
    config = profile / ".fenjie" / "fenjie.conf"
    config.parent.mkdir(parents=True)
    config.write_bytes('"INTERPRETER_WIN","C:\\旧\\python.exe"\r\n"SHOW CONSOLE","True"\r\n'.encode("cp936"))
    installer.install(xlam, code_page="cp936")
    assert _vba_input(config.read_bytes(), "cp936") == {"SHOW CONSOLE": "True", "INTERPRETER_WIN": str(interpreter)}


@pytest.mark.parametrize(("user", "code_page", "bad"), [("李䶮", "cp936", "䶮"), ("Zoë", "cp936", "ë"),
                                                        ("张三", "cp1252", "三张")])
def test_a_path_the_ansi_code_page_cannot_hold_is_refused(xlam, tmp_path, monkeypatch, user, code_page, bad):
    profile, interpreter = _windows_profile(tmp_path, monkeypatch, user, "venv/Scripts/python.exe")
    with pytest.raises(FenJieError) as caught:
        installer.install(xlam, code_page=code_page)
    assert str(caught.value) == (
        f"路径“{interpreter}”中的字符“{bad}”无法用本机 Excel 的 ANSI 代码页（{code_page}）表示，"
        "Excel 的 VBA 读不到这个路径。"
        "请把 FenJie 装到只含常用汉字、字母和数字的文件夹，例如运行“安装.bat D:\\FenJie”，"
        "或用 Windows 设置把 Python 装到 C:\\Python312 后重新安装。")
    assert not (profile / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "fenjie.xlam").exists()


def test_install_elsewhere_is_a_clear_error(xlam, capsys, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(["addin", "install", str(xlam)]) == 1
    assert capsys.readouterr().err.strip() == (
        "错误：Excel 加载项只能安装在 Windows 或 macOS 上：本机是 Linux，可用 fenjie addin build 生成文件后拷贝。")


def test_doctor_reports_versions(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert f"Python 解释器：{sys.executable}" in out and f"xlwings VBA 模块：{xlwings.__version__}" in out


def test_without_a_workbook_the_button_says_so_in_chinese(xlam):
    """The one message VBA shows itself (no workbook for Python to act on), kept as code points in the ASCII module."""
    import re

    code = _modules(xlam)["FenJie"]
    codes = re.search(r'Private Const NO_WORKBOOK As String = "([0-9A-F ]+)"', code).group(1)
    message = "".join(chr(int(c, 16)) for c in codes.split())
    assert message == "请先打开或新建一个工作簿；受保护视图中的文件请先点“启用编辑”。"
    guard, call = code.index("If ActiveWorkbook Is Nothing Then"), code.index("RunPython ")
    assert guard < code.index("Exit Sub") < call
