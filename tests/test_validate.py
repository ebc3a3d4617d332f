"""Reading real 任务分解表 workbooks, the validation rules, marking, fixing and undo."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from table_builders import LAYOUTS, build_official_table

from addin.cli import main
from addin.errors import FenJieError
from addin.findings import Severity
from addin.markup import mark_workbook
from addin.table import TableReadError, find_header, read_task_table
from addin.units.directory import sample_directory
from addin.validate import ValidationOptions, tidy_text, validate_table

HOSTILE = Path(__file__).parent / "hostile"
EXPECTED = json.loads((HOSTILE / "expected.json").read_text(encoding="utf-8"))
DIRECTORIES = {"shanghai_2021": "上海市", "zhenxin_2021": "真新街道", "miaohang_2024": "庙行镇",
               "baoshan_2020_table": "宝山区", "putuo_2024": "普陀区"}


def test_there_are_at_least_25_hostile_cases():
    assert len(EXPECTED) >= 25
    assert sorted(EXPECTED) == sorted(p.name for p in HOSTILE.iterdir() if p.suffix not in (".py", ".json"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_case(name, capsys, tmp_path):
    case = EXPECTED[name]
    code = main(["validate", str(HOSTILE / name), "--no-write", "--json", *case["args"]])
    out, err = capsys.readouterr()
    assert code == case["exit"]
    if "error" in case:
        assert err.strip() == case["error"] and out == ""
    else:
        report = json.loads(out)
        assert report["summary"] == case["summary"]
        assert [[f["rule"], f["cell"], f["message"]] for f in report["findings"]] == case["findings"]


def test_a_real_hundred_thousand_row_sheet(tmp_path):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("任务分解")
    sheet.append(["序号", "任务内容", "责任单位", "完成时限"])
    for i in range(1, 100_001):
        sheet.append([i, f"任务{i}", "区府办", "全年"])
    workbook.save(tmp_path / "big.xlsx")
    with pytest.raises(TableReadError, match="超过 20,000 行"):
        read_task_table(tmp_path / "big.xlsx")


def _truth(corpus: Path, name: str) -> list[dict]:
    return json.loads((corpus / "truth" / f"{name}.json").read_text(encoding="utf-8"))["rows"]


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_published_tables_read_back_to_the_truth(corpus, tmp_path, name):
    table = read_task_table(build_official_table(corpus / "truth" / f"{name}.json", tmp_path / "t.xlsx"))
    got = [(r.seq, r.chapter, r.name, r.content, set(r.lead), set(r.units), set(r.assist), r.deadline)
           for r in table.rows]
    expected = [(r["seq"], r["section"], r["name"], r["content"], set(r["lead"]), set(r["units"]),
                 set(r["assist"]), r["deadline"]) for r in _truth(corpus, name)]
    assert got == expected


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_published_tables_have_no_false_errors(corpus, tmp_path, name):
    table = read_task_table(build_official_table(corpus / "truth" / f"{name}.json", tmp_path / "t.xlsx"))
    findings = validate_table(table, ValidationOptions(directory=sample_directory(DIRECTORIES[name])))
    assert [f for f in findings if f.severity is Severity.ERROR] == []


def test_fenjie_own_draft_reads_back(corpus, tmp_path):
    out = tmp_path / "draft.xlsx"
    main(["decompose", str(corpus / "plans" / "miaohang_2024.txt"), "-o", str(out)])
    table = read_task_table(out)
    assert len(table.rows) == 28 and table.rows[17].lead == ["镇党政办"]
    assert table.rows[0].chapter == "一、全方位推进各领域信息主动公开"


def test_validate_marks_the_workbook_and_undo_restores_it(corpus, tmp_path, capsys):
    path = build_official_table(corpus / "truth" / "shanghai_2021.json", tmp_path / "表.xlsx")
    original = [list(r) for r in openpyxl.load_workbook(path)["Sheet1"].values]
    assert main(["validate", str(path), "--sample-units", "上海市"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-2] == "共 99 项任务：0 错误，3 警告，79 提示" and out[-1] == f"校验结果已写入：{path}"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Sheet1", "_备份_Sheet1", "校验结果"]
    assert workbook["_备份_Sheet1"].sheet_state == "hidden"
    results = [r[:7] for r in workbook["校验结果"].values]
    assert results[0] == ("序号", "级别", "规则", "工作表", "单元格", "说明", "建议修改") and len(results) == 83
    flagged = workbook["Sheet1"][results[1][4]]
    assert flagged.comment.author == "FenJie" and flagged.fill.fgColor.rgb.endswith(("FFEB9C", "DDEBF7"))
    assert workbook["校验结果"].cell(2, 5).hyperlink.location == f"'Sheet1'!{results[1][4]}"
    assert workbook["校验结果"]["I1"].value == "校验汇总：0 错误，3 警告，79 提示"
    assert len(list(tmp_path.glob("表.备份-*.xlsx"))) == 1

    assert main(["validate", str(path), "--fix", "--sample-units", "上海市"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-2] == "共 99 项任务：0 错误，3 警告，0 提示；已自动修正 79 处"
    fixed = openpyxl.load_workbook(path)["Sheet1"]
    assert "," not in fixed["C4"].value and "，" in fixed["C4"].value
    assert main(["undo", str(path)]) == 0
    restored = openpyxl.load_workbook(path)
    assert restored["Sheet1"]["C4"].value == original[3][2], "the sheet as it was before the fix"
    assert "_备份_Sheet1" not in restored.sheetnames


def test_errors_give_exit_status_one(capsys):
    assert main(["validate", str(HOSTILE / "14_duplicate_sequence.xlsx"), "--no-write"]) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1] == "共 3 项任务：2 错误，0 警告，0 提示"


def test_legacy_xls_results_go_to_a_new_workbook(tmp_path, capsys):
    source = tmp_path / "旧表.xls"
    source.write_bytes((HOSTILE / "27_legacy.xls").read_bytes())
    assert main(["validate", str(source)]) == 0
    assert (tmp_path / "旧表_校验结果.xlsx").exists()


def test_required_columns_are_a_setting(capsys):
    code = main(["validate", str(HOSTILE / "16_empty_required.xlsx"), "--no-write", "--required", "序号、任务内容"])
    assert code == 1
    assert capsys.readouterr().out.strip().splitlines()[-1] == "共 2 项任务：1 错误，0 警告，0 提示"
    assert main(["validate", str(HOSTILE / "01_good.xlsx"), "--no-write", "--required", "编号"]) == 1
    assert capsys.readouterr().err.strip().startswith("错误：--required 中的列名“编号”无法识别")


def test_undo_without_backup(tmp_path, capsys):
    path = tmp_path / "x.xlsx"
    path.write_bytes((HOSTILE / "01_good.xlsx").read_bytes())
    assert main(["undo", str(path)]) == 1
    assert capsys.readouterr().err.strip() == "错误：没有可以撤销的操作：工作簿中没有 FenJie 的备份工作表。"


@pytest.mark.parametrize(
    ("text", "fixed"),
    [("做好 公开 ，及时,更新。", "做好公开，及时，更新。"), ("区府办(牵头)", "区府办（牵头）"),
     ("第２季度", "第2季度"), ("a\x01b", "ab"), ("Word 文档", "Word文档")],
)
def test_tidy_text(text, fixed):
    assert tidy_text(text) == fixed


def test_two_row_header():
    grid = [["序号", "任务内容", "责任单位", None, "完成时限"], [None, None, "牵头单位", "配合单位", None]]
    assert find_header(grid) == (1, {"seq": 0, "content": 1, "deadline": 4, "lead": 2, "assist": 3})


def test_a_failed_write_leaves_the_original_untouched(tmp_path, monkeypatch):
    path = tmp_path / "t.xlsx"
    path.write_bytes((HOSTILE / "24_spacing_and_duplicates.xlsx").read_bytes())
    before = path.read_bytes()
    table = read_task_table(path)

    def broken_save(self, filename):
        Path(filename).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(FenJieError, match="写入.*失败"):
        mark_workbook(path, table.sheet, validate_table(table))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]


cells = st.one_of(st.none(), st.integers(-5, 200), st.text(max_size=12),
                  st.sampled_from(["序号", "任务内容", "责任单位", "完成时限", "一、总体", "*区府办", "牵头单位",
                                   "=1+1", "（一）做好", "全年", "6月底前", "任务名称"]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cells, min_size=1, max_size=6), min_size=1, max_size=12))
def test_fuzz_table_reader_never_crashes_or_half_writes(tmp_path, grid):
    path = tmp_path / "fuzz.xlsx"
    workbook = openpyxl.Workbook()
    try:
        for row in grid:
            workbook.active.append(row)
        workbook.save(path)
    except Exception:  # openpyxl itself rejects some strings (control characters)
        return
    before = path.read_bytes()
    try:
        table = read_task_table(path)
    except FenJieError:
        assert path.read_bytes() == before
        return
    findings = validate_table(table)
    mark_workbook(path, table.sheet, findings, fix=True)
    assert read_task_table(path).sheet == table.sheet
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~fenjie")]


_SHAPE_DRAWING = (
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"'
    ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:twoCellAnchor>'
    "<xdr:from><xdr:col>5</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
    "<xdr:to><xdr:col>8</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>4</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
    '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="2" name="文本框 1"/><xdr:cNvSpPr txBox="1"/>'
    '</xdr:nvSpPr><xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/>'
    "<a:p><a:r><a:t>科长批注：请各单位核对</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>"
    "</xdr:twoCellAnchor></xdr:wsDr>"
)


def _table_with_a_text_box(path: Path) -> Path:
    """A task table whose sheet carries a text box (a shape), as Excel users add them."""
    import zipfile

    from openpyxl.chart import BarChart, Reference

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["序号", "任务内容", "责任单位", "完成时限"], [1, "做好公开工作。", "区政府办公室", "6月底前"],
                [1, "  做好解读工作。", "区府办", "13月底前"]):
        sheet.append(row)
    chart = BarChart()  # a placeholder drawing, replaced by the text box below
    chart.add_data(Reference(sheet, min_col=1, min_row=1, max_row=2))
    sheet.add_chart(chart, "F2")
    plain = path.with_name("plain.xlsx")
    workbook.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/charts/") or item.filename == "xl/drawings/_rels/drawing1.xml.rels":
                continue
            if item.filename == "xl/drawings/drawing1.xml":
                data = _SHAPE_DRAWING.encode()
            if item.filename == "[Content_Types].xml":
                data = data.replace(b'<Override PartName="/xl/charts/chart1.xml" '
                                    b'ContentType="application/vnd.openxmlformats-officedocument.drawingml.chart+xml"/>',
                                    b"")
            target.writestr(item, data)
    return path


def test_a_workbook_with_shapes_is_marked_in_a_copy(tmp_path, capsys):
    path = _table_with_a_text_box(tmp_path / "分解表.xlsx")
    original = path.read_bytes()
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    copy = tmp_path / "分解表_已校验.xlsx"
    assert f"“分解表.xlsx”含有图片或形状，直接改写会丢失这些内容；原文件未改动，标注后的工作簿另存为：{copy}" in out
    assert path.read_bytes() == original, "the user's workbook is untouched"
    assert "校验结果" in openpyxl.load_workbook(copy).sheetnames


def test_a_plain_workbook_is_marked_in_place(tmp_path):
    path = tmp_path / "分解表.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["序号", "任务内容", "责任单位"])
    workbook.active.append([1, "做好公开工作。", "区政府办公室"])
    workbook.save(path)
    table = read_task_table(path)
    result = mark_workbook(path, table.sheet, validate_table(table))
    assert (result.written, result.lost) == (path, []) and result.backup is not None


def test_every_rule_a_person_reads_has_a_chinese_name():
    """校验结果 shows rule names: an id used anywhere in the engine must have its Chinese name."""
    import re
    from pathlib import Path

    from addin.findings import RULE_NAMES

    source = "\n".join(p.read_text(encoding="utf-8") for p in Path("addin").rglob("*.py"))
    used = set(re.findall(r'"([a-z_]+\.[a-z_]+)",\s*Severity', source))
    used |= set(re.findall(r'_finding\([^,\n]+,\s*"([a-z_]+\.[a-z_]+)"', source))
    assert used, "the scan found no rule ids"
    assert sorted(used - set(RULE_NAMES)) == []
