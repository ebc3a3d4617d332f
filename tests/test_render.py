"""Formatted workbooks from templates: structure, print setup, golden file and a real render."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from pdf_checks import column_texts, render_pdf, soffice_available, squeeze
from python_calamine import CalamineWorkbook
from table_builders import build_official_table
from xlsx_parts import extract_golden, golden_parts, xlsx_parts

from addin.cli import main
from addin.layout import row_height, wrapped_lines
from addin.render import TemplateError, context_for_rows, render_workbook
from addin.table import read_task_table
from addin.typography import chinese_punctuation

GOLDEN = Path(__file__).parent / "golden"


def _render(corpus: Path, tmp_path: Path, name: str = "shanghai_2021", template: str = "任务分解表") -> Path:
    table = build_official_table(corpus / "truth" / f"{name}.json", tmp_path / "source.xlsx")
    out = tmp_path / f"{name}_{template}.xlsx"
    assert main(["render", str(table), "--template", template, "-o", str(out)]) == 0
    return out


def test_official_table_structure(corpus, tmp_path):
    out = _render(corpus, tmp_path, "zhenxin_2021")
    sheet = openpyxl.load_workbook(out)["任务分解表"]
    assert sheet["A1"].value == "附件" and sheet["A1"].font.name == "黑体" and sheet["A1"].font.sz == 16
    assert sheet["A2"].value == "2021年嘉定区真新街道政务公开工作要点任务分解表"
    assert [c.value for c in sheet[3]] == [
        "序号", "任务名称", "任务内容", "牵头单位", "责任单位", "配合单位", "完成时限"]
    assert sheet["A4"].value == "一、做好常规工作，夯实政务公开工作基础"  # GB/T 15834 full-width comma
    assert "A4:G4" in {str(m) for m in sheet.merged_cells.ranges}, "section rows merged across"
    assert sheet["A5"].value == 1 and sheet["E5"].value == "党政办公室、\n社区文明办"  # broken after 、 only
    assert sheet["C5"].font.name in ("仿宋_GB2312", "仿宋") and sheet["C5"].alignment.wrap_text
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    # A fixed scale fitting the columns to the page width (Excel ignores manual breaks under "fit to")
    assert not sheet.sheet_properties.pageSetUpPr.fitToPage and 50 <= sheet.page_setup.scale <= 100
    assert sheet.row_breaks.brk, "page breaks placed from the row heights"
    assert sheet.print_title_rows == "$3:$3" and sheet.oddFooter.right.text == "— &P —" == sheet.evenFooter.left.text
    assert sheet.HeaderFooter.differentOddEven and sheet.oddFooter.right.size == 14
    assert "模板设置" not in openpyxl.load_workbook(out).sheetnames


def test_a_fenjie_draft_renders_under_its_plan_title(corpus, tmp_path):
    draft, out = tmp_path / "草稿.xlsx", tmp_path / "正式.xlsx"
    assert main(["decompose", str(corpus / "plans" / "miaohang_2024.txt"), "-o", str(draft)]) == 0
    assert main(["render", str(draft), "-o", str(out)]) == 0
    assert openpyxl.load_workbook(out)["任务分解表"]["A2"].value == "2024年庙行镇政务公开工作要点任务分解表"


def test_same_names_are_merged_like_the_official_table(corpus, tmp_path):
    sheet = openpyxl.load_workbook(_render(corpus, tmp_path))["任务分解表"]
    vertical = sorted((m for m in sheet.merged_cells.ranges if m.min_col == 2 and m.max_row > m.min_row),
                      key=lambda m: m.min_row)
    assert vertical, "rows 5-6 (规范政府公文管理) share one name cell"
    first = sheet.cell(vertical[0].min_row, 2).value
    assert first == "规范政府公文管理"


def test_rows_read_back_with_openpyxl_and_calamine(corpus, tmp_path):
    out = _render(corpus, tmp_path, "miaohang_2024")
    table = read_task_table(out)
    source = read_task_table(tmp_path / "source.xlsx")
    keep = [(r.seq, r.chapter, r.name, r.content, r.lead, r.units, r.assist, r.deadline) for r in source.rows]
    assert [(r.seq, r.chapter, r.name, r.content, r.lead, r.units, r.assist, r.deadline) for r in table.rows] == keep
    grid = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("任务分解表").to_python()
    contents = [row[2] for row in grid[4:] if row[0] not in ("", None) and isinstance(row[0], (int, float))]
    assert contents == [r.content for r in source.rows]


def test_row_heights_fit_their_text(corpus, tmp_path):
    sheet = openpyxl.load_workbook(_render(corpus, tmp_path))["任务分解表"]
    widths = [sheet.column_dimensions[c].width for c in "ABCDEFG"]
    merged_names = {(r, 2) for m in sheet.merged_cells.ranges if m.max_row > m.min_row
                    for r in range(m.min_row, m.max_row + 1)}
    for row in range(5, sheet.max_row + 1):
        content = sheet[f"C{row}"].value
        if content:
            lines = wrapped_lines(content, widths[2] / (12 / 11))
            assert sheet.row_dimensions[row].height >= lines * 12 * 1.3, row
            values = [None if (row, c) in merged_names else sheet.cell(row, c).value for c in range(1, 8)]
            assert sheet.row_dimensions[row].height <= row_height(values, widths, 12) + 40, row


def test_broken_placeholder_names_the_cell(tmp_path, corpus, capsys):
    template = openpyxl.load_workbook(Path(__file__).parents[1] / "workbook_templates" / "任务分解表.xlsx")
    template["任务分解表"]["C5"] = "{{ task.content "
    template.save(tmp_path / "坏模板.xlsx")
    table = build_official_table(corpus / "truth" / "miaohang_2024.json", tmp_path / "t.xlsx")
    bad = tmp_path / "坏模板.xlsx"
    assert main(["render", str(table), "--template", str(bad), "-o", str(tmp_path / "o.xlsx")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("错误：模板“坏模板”工作表“任务分解表”单元格 C5 的占位符“{{ task.content ”有误：")
    template["任务分解表"]["C5"] = "{{ task.contents }}"
    template.save(tmp_path / "坏模板.xlsx")
    with pytest.raises(TemplateError, match="单元格 C5 .*contents"):
        render_workbook(tmp_path / "坏模板.xlsx", context_for_rows(read_task_table(table).rows, "标题"))


def test_user_template_folder_overrides_the_bundled_one(corpus, tmp_path, monkeypatch):
    folder = tmp_path / "我的模板"
    folder.mkdir()
    template = openpyxl.load_workbook(Path(__file__).parents[1] / "workbook_templates" / "任务分解表.xlsx")
    template["任务分解表"]["A1"] = "附件{{ attachment_label }}（本单位版）"
    template.save(folder / "任务分解表.xlsx")
    monkeypatch.setenv("FENJIE_TEMPLATES", str(folder))
    sheet = openpyxl.load_workbook(_render(corpus, tmp_path, "miaohang_2024"))["任务分解表"]
    assert sheet["A1"].value == "附件附件（本单位版）"


def test_rendered_table_matches_golden_file(corpus, tmp_path):
    """Set FENJIE_REGEN_GOLDEN=1 to refresh after an intended change."""
    out = _render(corpus, tmp_path, "miaohang_2024")
    folder = GOLDEN / "miaohang_2024_official"
    if os.environ.get("FENJIE_REGEN_GOLDEN"):
        shutil.rmtree(folder, ignore_errors=True)
        extract_golden(out, folder)
    expected, produced = golden_parts(folder), xlsx_parts(out)
    assert sorted(produced) == sorted(expected)
    for name in expected:
        assert produced[name] == expected[name], name


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice is installed by .ci/run")
@pytest.mark.parametrize("name", ["shanghai_2021", "baoshan_2020_table"])
def test_libreoffice_render_prints_every_row(corpus, tmp_path, name):
    out = _render(corpus, tmp_path, name)
    pdf_path = render_pdf(out, tmp_path)
    rows = read_task_table(tmp_path / "source.xlsx").rows
    with pdfplumber.open(str(pdf_path)) as pdf:
        pages = pdf.pages
        assert all(round(p.width) == 842 and round(p.height) == 595 for p in pages), "A4 landscape"
        assert all("任务内容" in (p.extract_text() or "") for p in pages), "header on every page"
        page_count = len(pages)
        texts = [p.extract_text() or "" for p in pages]
        words = [p.extract_words() for p in pages]
    # GB/T 9704 page numbers: "— N —", odd pages at the right, even pages at the left
    for number, (text, page_words) in enumerate(zip(texts, words, strict=True), start=1):
        assert f"— {number} —" in text, number
        mark = next(w for w in page_words if w["text"] == str(number) and w["top"] > 500)
        assert (mark["x0"] > 421) == (number % 2 == 1), number
    half_width = [m.group(0) for t in texts for m in re.finditer(r"[\u4e00-\u9fff][,;:][\u4e00-\u9fff]", t)]
    assert half_width == [], "half-width punctuation between Chinese characters"
    total = sum(len(r.content) for r in rows)
    assert 1 <= page_count <= total // 300 + 3  # rows keep a line of slack
    printed = squeeze("".join(column_texts(pdf_path, 2)))
    missing = [r.seq for r in rows if squeeze(chinese_punctuation(r.content)) not in printed]
    assert missing == [], f"rows clipped or missing in the PDF: {missing}"


@pytest.mark.parametrize("template", ["工作台账", "单位反馈表"])
def test_other_templates_render(corpus, tmp_path, template):
    workbook = openpyxl.load_workbook(_render(corpus, tmp_path, "miaohang_2024", template))
    sheet = workbook.worksheets[0]
    assert sheet["A2"].value == "2024年庙行镇政务公开工作要点任务分解表"
    signature = 1 if template == "单位反馈表" else 0  # the 填报人 / 联系电话 / 审核人 row under the tasks
    assert sheet["A4"].value == 1 and sheet.max_row == 3 + 28 + signature
    if signature:
        assert sheet.cell(sheet.max_row, 1).value == "填报人"
    assert sheet.column_dimensions["B"].hidden, "task id column hidden"
