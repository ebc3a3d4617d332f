"""Marking streams its comments into the package (issue #17): same workbook as openpyxl's, less memory."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.worksheet.table import Table
from table_builders import LAYOUTS, build_official_table

from addin import comment_parts, markup
from addin.cli import main
from addin.findings import Finding, Severity
from addin.markup import mark_workbook
from addin.progress.fastforms import package_parts
from addin.table import read_task_table
from addin.units.directory import sample_directory
from addin.validate import ValidationOptions, validate_table

REPO = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).parent / "hostile"
DIRECTORIES = {"shanghai_2021": "上海市", "zhenxin_2021": "真新街道", "miaohang_2024": "庙行镇",
               "baoshan_2020_table": "宝山区", "putuo_2024": "普陀区"}


@pytest.fixture
def streams(monkeypatch) -> list[str]:
    """The sheet parts whose comments were streamed (a fallback to openpyxl leaves them out)."""
    streamed: list[str] = []
    original = comment_parts.add_comments

    def recording(source, target, notes, author):
        original(source, target, notes, author)
        streamed.extend(notes)

    monkeypatch.setattr(markup, "add_comments", recording)
    return streamed


def _both_ways(source: Path, folder: Path, findings: list[Finding], monkeypatch, **options) -> tuple[Path, Path]:
    """The workbook marked with streamed comments, and marked by openpyxl alone."""
    fast, slow = folder / "fast.xlsx", folder / "slow.xlsx"
    sheet = findings[0].sheet if findings else "Sheet1"
    mark_workbook(source, sheet, findings, out=fast, **options)
    with monkeypatch.context() as patch:
        patch.setattr(markup, "STREAM_COMMENTS", False)
        mark_workbook(source, sheet, findings, out=slow, **options)
    return fast, slow


def _parts(path: Path) -> dict[str, bytes]:
    """package_parts, the content types' Defaults in one order: openpyxl orders them by when an
    extension first went into the zip (an .xlsm's "bin" after "vml"), which means nothing to a reader."""
    parts = package_parts(path.read_bytes())
    types = parts["[Content_Types].xml"]
    defaults = re.findall(rb"<Default [^>]*/>", types)
    parts["[Content_Types].xml"] = b"".join(sorted(defaults)) + re.sub(rb"<Default [^>]*/>", b"", types)
    return parts


def _differences(fast: Path, slow: Path) -> list[str]:
    one, other = _parts(fast), _parts(slow)
    return sorted(n for n in set(one) | set(other) if one.get(n) != other.get(n))


def _comments(path: Path) -> dict[tuple[str, str], tuple[str, str, int, int]]:
    workbook = openpyxl.load_workbook(path)
    # _cells: iter_rows() would create every empty cell up to a stray XFD1048576
    return {(ws.title, c.coordinate): (c.comment.text, c.comment.author, c.comment.width, c.comment.height)
            for ws in workbook.worksheets for c in ws._cells.values() if c.comment is not None}


def _findings_of(path: Path, directory: str | None = None) -> list[Finding]:
    table = read_task_table(path)
    return validate_table(table, ValidationOptions(directory=sample_directory(directory) if directory else None))


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_corpus_tables_are_marked_as_openpyxl_marks_them(corpus, tmp_path, monkeypatch, streams, name):
    table = build_official_table(corpus / "truth" / f"{name}.json", tmp_path / "t.xlsx")
    findings = _findings_of(table, DIRECTORIES[name])
    assert any(f.cell for f in findings), "nothing to mark: the comparison would prove nothing"
    fast, slow = _both_ways(table, tmp_path, findings, monkeypatch)
    assert _differences(fast, slow) == []
    assert streams == ["Sheet1"]


@pytest.mark.parametrize("name", ["14_duplicate_sequence.xlsx", "17_formula_injection.xlsx",
                                  "18_control_characters.xlsx", "19_too_long_cell.xlsx", "20_hidden_row.xlsx",
                                  "22_deadline_problems.xlsx", "24_spacing_and_duplicates.xlsx", "30_star_leads.xlsx",
                                  "31_vertical_tab.xlsx", "32_stray_cell.xlsx"])
def test_hostile_tables_are_marked_as_openpyxl_marks_them(tmp_path, monkeypatch, streams, name):
    findings = _findings_of(HOSTILE / name)
    fast, slow = _both_ways(HOSTILE / name, tmp_path, findings, monkeypatch)
    assert _differences(fast, slow) == []
    assert _comments(fast) and streams


def test_fixing_and_marking_again_stay_the_same(corpus, tmp_path, monkeypatch, streams):
    """A table marked before (its comments cleared first), with the safe fixes applied."""
    table = build_official_table(corpus / "truth" / "zhenxin_2021.json", tmp_path / "t.xlsx")
    main(["validate", str(table)])
    findings = _findings_of(table, "真新街道")
    fast, slow = _both_ways(table, tmp_path, findings, monkeypatch, fix=True)
    assert _differences(fast, slow) == []
    assert streams == ["Sheet1"]


def _table_with_extras(path: Path) -> Path:
    """A table with an Excel table (tableParts), a link to a web page (sheet relationships),
    a drop-down, print titles, and a second sheet a user commented."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "任务分解"
    sheet.append(["序号", "任务内容", "责任单位", "完成时限"])
    for n in range(1, 9):
        sheet.append([n if n != 4 else 3, f"做好第{n}项工作 。", "区政府办公室", "6月底前" if n % 3 else "13月底前"])
    sheet.add_table(Table(displayName="任务", ref="A1:D9"))
    sheet["F1"].hyperlink = "https://www.gov.cn/"
    sheet.print_title_rows = "1:1"
    notes = workbook.create_sheet("说明")
    notes["A1"] = "请核对"
    notes["A1"].comment = Comment("科长：这一页不用改", "张科长")
    workbook.save(path)
    return path


def test_a_table_with_a_table_part_links_and_another_commented_sheet(tmp_path, monkeypatch, streams):
    path = _table_with_extras(tmp_path / "表.xlsx")
    findings = _findings_of(path)
    fast, slow = _both_ways(path, tmp_path, findings, monkeypatch)
    assert streams == ["任务分解"]
    # the user's comments take openpyxl's comment1 part, FenJie's the next number: the same comments
    assert _comments(fast) == _comments(slow)
    assert _comments(fast)[("说明", "A1")] == ("科长：这一页不用改", "张科长", 144, 79)
    marked = openpyxl.load_workbook(fast)["任务分解"]
    assert list(marked.tables) == ["任务"] and marked["F1"].hyperlink.target == "https://www.gov.cn/"
    assert [d for d in _differences(fast, slow) if "comment" not in d.lower()] == [
        "[Content_Types].xml", "xl/worksheets/_rels/sheet1.xml.rels", "xl/worksheets/_rels/sheet2.xml.rels"]


def test_a_sheet_keeping_a_users_comment_is_left_to_openpyxl(tmp_path, monkeypatch, streams):
    path = tmp_path / "表.xlsx"
    shutil.copy(HOSTILE / "24_spacing_and_duplicates.xlsx", path)
    workbook = openpyxl.load_workbook(path)
    workbook.active["A1"].comment = Comment("请保留", "王科员")
    workbook.save(path)
    findings = _findings_of(path)
    fast, slow = _both_ways(path, tmp_path, findings, monkeypatch)
    assert streams == [] and _differences(fast, slow) == []
    assert _comments(fast)[(workbook.active.title, "A1")][:2] == ("请保留", "王科员")


def _as_xlsm(table: Path, target: Path) -> Path:
    """``table`` as a macro-enabled workbook carrying FenJie's own VBA project."""
    from addin.xlam.build import VBA_REL, VBA_TYPE, WORKBOOK_TYPE, build_parts

    macro_type = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    with zipfile.ZipFile(table) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in source.namelist():
            data = source.read(name).decode("utf-8")
            if name == "[Content_Types].xml":
                data = data.replace(WORKBOOK_TYPE, macro_type).replace(
                    "<Default ", f'<Default Extension="bin" ContentType="{VBA_TYPE}"/><Default ', 1)
            if name == "xl/_rels/workbook.xml.rels":
                data = data.replace("</Relationships>", f'<Relationship Id="rIdVBA" Type="{VBA_REL}" '
                                    'Target="vbaProject.bin"/></Relationships>')
            out.writestr(name, data)
        out.writestr("xl/vbaProject.bin", build_parts()["xl/vbaProject.bin"])
    return target


def test_a_macro_workbook_keeps_its_macros_and_is_marked_as_openpyxl_marks_it(corpus, tmp_path, monkeypatch,
                                                                                streams):
    table = build_official_table(corpus / "truth" / "miaohang_2024.json", tmp_path / "t.xlsx")
    path = _as_xlsm(table, tmp_path / "表.xlsm")
    findings = _findings_of(path, "庙行镇")
    fast, slow = _both_ways(path, tmp_path, findings, monkeypatch)
    assert _differences(fast, slow) == [] and streams == ["Sheet1"]
    with zipfile.ZipFile(fast) as archive:
        assert archive.read("xl/vbaProject.bin") == zipfile.ZipFile(path).read("xl/vbaProject.bin")


def test_text_xml_must_escape_is_written_as_lxml_writes_it(tmp_path, monkeypatch, streams):
    path = tmp_path / "表.xlsx"
    shutil.copy(HOSTILE / "01_good.xlsx", path)
    sheet = openpyxl.load_workbook(path).active.title
    messages = ["a<b>&c \"引号\" 'x'", " 前后有空格 ", "回车\r换行\n制表\t", "   ", "😀 扩展区字符𠀀"]
    findings = [Finding("cell.too_long", Severity.WARNING, sheet, f"B{n}", m) for n, m in enumerate(messages, 2)]
    findings.append(Finding("cell.too_long", Severity.ERROR, sheet, "B2", "同一单元格的第二条"))
    fast, slow = _both_ways(path, tmp_path, findings, monkeypatch)
    assert _differences(fast, slow) == [] and streams == [sheet]
    assert _comments(fast)[(sheet, "B2")][0] == "【警告】a<b>&c \"引号\" 'x'\n【错误】同一单元格的第二条"


def test_findings_on_two_sheets_are_numbered_in_workbook_order(tmp_path, monkeypatch, streams):
    path = tmp_path / "表.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "任务分解"
    workbook.active.append(["序号", "任务内容"])
    workbook.create_sheet("附表").append(["单位", "联系人"])
    workbook.save(path)
    findings = [Finding("cell.too_long", Severity.HINT, "附表", "A1", "在后一个工作表"),
                Finding("cell.too_long", Severity.WARNING, "任务分解", "B1", "在前一个工作表")]
    fast, slow = _both_ways(path, tmp_path, findings, monkeypatch)
    assert _differences(fast, slow) == [] and sorted(streams) == ["任务分解", "附表"]


def test_text_xml_cannot_hold_is_left_to_openpyxl():
    workbook = openpyxl.Workbook()
    assert comment_parts.streamable(workbook.active, [comment_parts.Note(2, 2, "正常", 320, 58)])
    assert not comment_parts.streamable(workbook.active, [comment_parts.Note(2, 2, "含\x01控制符", 320, 58)])


def test_a_package_the_patch_does_not_recognise_falls_back_to_openpyxl(tmp_path, monkeypatch, streams):
    findings = _findings_of(HOSTILE / "24_spacing_and_duplicates.xlsx")

    def unrecognised(source, target, notes, author):
        raise comment_parts.CommentPatchError("test")

    monkeypatch.setattr(markup, "add_comments", unrecognised)
    fast, slow = _both_ways(HOSTILE / "24_spacing_and_duplicates.xlsx", tmp_path, findings, monkeypatch)
    # saved twice, as a workbook with shapes always was: openpyxl's second save spells out a default
    assert _differences(fast, slow) == ["xl/worksheets/sheet3.xml"]
    results = package_parts(fast.read_bytes())["xl/worksheets/sheet3.xml"]
    assert results.replace(b' outlineLevelCol="0"', b"") == package_parts(slow.read_bytes())["xl/worksheets/sheet3.xml"]
    assert _comments(fast) == _comments(slow)


def test_marking_in_place_and_into_a_copy_beside_a_shape(tmp_path, streams):
    """save_over's trial save and the copy beside a workbook with shapes go through the streamed save."""
    from test_validate import _table_with_a_text_box

    path = _table_with_a_text_box(tmp_path / "分解表.xlsx")
    assert main(["validate", str(path)]) == 1
    copy = tmp_path / "分解表_已校验.xlsx"
    assert streams == ["Sheet", "Sheet"]  # the trial and the copy
    assert _comments(copy) and "校验结果" in openpyxl.load_workbook(copy).sheetnames


_PEAK = """
import sys
from pathlib import Path
from addin import markup
from addin.table import read_task_table
from addin.validate import validate_table
markup.STREAM_COMMENTS = sys.argv[2] == "stream"
table = read_task_table(sys.argv[1])
findings, sheet = validate_table(table), table.sheet
del table
markup.mark_workbook(sys.argv[1], sheet, findings, out=Path(sys.argv[1]).with_name("marked.xlsx"))
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def _peak_mib(table: Path, how: str) -> float:
    """Peak RSS of a process that reads, checks and marks ``table`` (VmHWM: its own, not its parent's)."""
    return int(subprocess.check_output([sys.executable, "-c", _PEAK, str(table), how], cwd=REPO)) / 1024


def _cycled_table(corpus: Path, folder: Path, rows: int) -> Path:
    truth = json.loads((corpus / "truth" / "shanghai_2021.json").read_text(encoding="utf-8"))
    truth["rows"] = [dict(truth["rows"][i % len(truth["rows"])], seq=i + 1) for i in range(rows)]
    folder.mkdir()
    (folder / "shanghai_2021.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return build_official_table(folder / "shanghai_2021.json", folder / "t.xlsx")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is Linux's")
def test_marking_memory_grows_slower_than_with_openpyxls_comment_writer(corpus, tmp_path):
    """Peak RSS growth from 300 to 1,500 rows, streamed against openpyxl's comments (0.66 when written).

    A ratio of growths in one run: the process's baseline and the machine drop out.
    VmHWM of the same work repeats within 0.1 MiB, unlike time.
    """
    small, large = _cycled_table(corpus, tmp_path / "small", 300), _cycled_table(corpus, tmp_path / "large", 1500)
    growth = {how: _peak_mib(large, how) - _peak_mib(small, how) for how in ("stream", "openpyxl")}
    assert growth["stream"] < 0.8 * growth["openpyxl"], growth


def test_findings_in_one_merged_range_share_one_note():
    """Two findings on cells of one merged range (C4:C5) become one note on C4: two notes on one cell is a
    file Excel never writes, and openpyxl's path kept only one of them."""
    from addin.findings import Finding, Severity
    from addin.markup import _mark

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "任务分解"
    sheet.merge_cells("C4:C5")
    findings = [Finding("unit.unknown", Severity.WARNING, "任务分解", "C4", "单位“甲”不在单位名录中"),
                Finding("unit.unknown", Severity.ERROR, "任务分解", "C5", "单位“乙”不在单位名录中")]
    notes = _mark(workbook, findings)["任务分解"]
    assert [(n.row, n.column) for n in notes] == [(4, 3)]
    assert "甲" in notes[0].text and "乙" in notes[0].text
