"""The same plan as .txt, .docx (Word auto-numbering), .pdf, .doc and raw extracts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import PLANS

from addin.decompose import decompose
from addin.outline import parse_outline
from addin.pipeline import DraftOptions
from addin.plan import read_plan


def rows_of(path: Path) -> list[tuple]:
    rows = decompose(parse_outline(read_plan(path)))
    return [(r.chapter, r.section, r.name, r.content, r.lead, r.units, r.assist, r.source)
            for r in rows]


@pytest.mark.parametrize("name", PLANS)
@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_same_rows_from_every_format(plan_files, name, kind):
    expected = rows_of(plan_files[name]["txt"])
    assert len(expected) > 20
    assert rows_of(plan_files[name][kind]) == expected


@pytest.mark.parametrize("name", PLANS)
def test_raw_extract_gives_the_same_rows(corpus, name):
    """raw/ has page-break lines, split words and the attachment table appended."""
    assert rows_of(corpus / "raw" / f"{name}.txt") == rows_of(corpus / "plans" / f"{name}.txt")


def test_docx_numbers_are_rendered_not_literal(plan_files):
    from docx import Document

    document = Document(str(plan_files["miaohang_2024"]["docx"]))
    texts = [p.text for p in document.paragraphs]
    assert not any(t.startswith(("一、", "（一）", "1.")) for t in texts)
    lines = [line.text for line in read_plan(plan_files["miaohang_2024"]["docx"]).lines]
    assert "二、全方位优化完善政策公开服务能级" in lines
    assert any(t.startswith("28.强化工作落实") for t in lines), "items run on across sections"


def test_pdf_drops_running_header_and_page_numbers(plan_files):
    lines = [line.text for line in read_plan(plan_files["shanghai_2021"]["pdf"]).lines]
    assert not any("政务公开工作要点" == t or t.startswith("—") for t in lines)
    assert read_plan(plan_files["shanghai_2021"]["pdf"]).lines[0].where.startswith("第1页")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by .ci/run")
@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_doc_converted_through_libreoffice(plan_files, tmp_path, suffix):
    """Word 97 .doc, and WPS Office's .wps (the same binary format under WPS's own extension)."""
    docx = plan_files["putuo_2024"]["docx"]
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(docx)],
                   check=True, capture_output=True, timeout=180)
    plan = (tmp_path / "putuo_2024.doc").rename(tmp_path / f"putuo_2024{suffix}")
    assert rows_of(plan) == rows_of(plan_files["putuo_2024"]["txt"])


def test_docx_tables_are_read(tmp_path):
    from docx import Document

    document = Document()
    document.add_paragraph("一、总体要求")
    document.add_paragraph("（一）做好公开。要做好公开工作。")
    table = document.add_table(rows=2, cols=3)
    for i, text in enumerate(["序号", "任务内容", "责任单位"]):
        table.cell(0, i).text = text
    for i, text in enumerate(["1", "做好公开", "区府办"]):
        table.cell(1, i).text = text
    document.save(str(tmp_path / "t.docx"))
    plan = read_plan(tmp_path / "t.docx")
    assert plan.tables == [[["序号", "任务内容", "责任单位"], ["1", "做好公开", "区府办"]]]
    assert [line.text for line in plan.lines] == ["一、总体要求", "（一）做好公开。要做好公开工作。"]


def test_a_plan_that_carries_its_task_table_gives_the_table_rows(tmp_path):
    from docx import Document

    from addin.pipeline import draft_from_plan

    document = Document()
    document.add_paragraph("2024年某区营商环境工作要点任务分解表")
    grid = [["序号", "工作任务", "具体措施", "责任单位", "完成时限"],
            ["一、优化政务服务"] * 5,
            ["1", "推进一网通办", "压减审批时限。", "区政务服务中心（牵头）、各部门", "2024年6月底前"],
            ["2", "优化营商环境", "开展营商环境评价。", "区发展改革委", "每季度"]]
    table = document.add_table(rows=len(grid), cols=5)
    for r, values in enumerate(grid):
        for c, text in enumerate(values):
            table.cell(r, c).text = text
    document.save(str(tmp_path / "t.docx"))
    draft = draft_from_plan(tmp_path / "t.docx")
    assert draft.outline.year == 2024
    assert [(r.seq, r.chapter, r.name, r.content, r.lead, r.units, r.deadline, r.source, r.where)
            for r in draft.rows] == [
        (1, "一、优化政务服务", "推进一网通办", "压减审批时限。", ["区政务服务中心"], ["各部门"], "6月底前",
         "表1", "第3行"),
        (2, "一、优化政务服务", "优化营商环境", "开展营商环境评价。", [], ["区发展改革委"], "每季度", "表1", "第4行"),
    ]
    assert draft.rows[1].due.count("、") == 3


def test_a_pdf_task_table_over_several_pages_gives_its_rows(corpus, tmp_path):
    """The official table FenJie prints, as a PDF (ruled, header repeated on every page), read back."""
    from addin.cli import main
    from addin.pipeline import draft_from_plan

    draft, official = tmp_path / "草稿.xlsx", tmp_path / "分解表.xlsx"
    assert main(["decompose", str(corpus / "plans" / "miaohang_2024.txt"), "-o", str(draft)]) == 0
    assert main(["render", str(draft), "-o", str(official)]) == 0
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(official)],
                   check=True, capture_output=True, timeout=180)
    expected = draft_from_plan(corpus / "plans" / "miaohang_2024.txt").rows
    got = draft_from_plan(tmp_path / "分解表.pdf").rows
    assert len(read_plan(tmp_path / "分解表.pdf").tables) == 1
    assert [(r.chapter, r.name, r.content, r.lead, r.units, r.assist, r.deadline) for r in got] == [
        (r.chapter, r.name, r.content, r.lead, r.units, r.assist, r.deadline) for r in expected]


def test_an_upper_level_task_table_workbook_is_a_plan(corpus, tmp_path):
    """宝山区's published 任务分解表 (lead units marked *), handed to FenJie as the upper-level plan."""
    import json

    from table_builders import build_official_table

    from addin.pipeline import draft_from_plan
    from addin.units.directory import sample_directory
    from addin.units.infer import unit_source_text

    truth = json.loads((corpus / "truth" / "baoshan_2020_table.json").read_text(encoding="utf-8"))
    table = build_official_table(corpus / "truth" / "baoshan_2020_table.json", tmp_path / "区级分解表.xlsx")
    draft = draft_from_plan(table, DraftOptions(directory=sample_directory("宝山区")))
    assert len(draft.rows) == len(truth["rows"]) == 59
    assert draft.outline.year == 2020 and "任务分解表" in draft.outline.title
    first, expected = draft.rows[0], truth["rows"][0]
    assert first.content == expected["content"] and unit_source_text(first) == "原文注明"
    assert all(r.due for r in draft.rows if r.deadline_kind != "relative")  # 新规出台后1个月内: no date yet


def test_a_plan_written_as_a_plain_table_of_tasks(tmp_path):
    from docx import Document

    from addin.pipeline import draft_from_plan

    document = Document()
    document.add_paragraph("2025年某街道营商环境工作要点")
    table = document.add_table(rows=3, cols=2)
    for r, values in enumerate([["序号", "重点任务"], ["1", "优化企业服务，8月底前建立企业服务专员制度。"],
                                ["2", "街道党政办要做好政策宣传。"]]):
        for c, text in enumerate(values):
            table.cell(r, c).text = text
    document.save(str(tmp_path / "t.docx"))
    rows = draft_from_plan(tmp_path / "t.docx").rows
    assert [(r.content, r.units, r.deadline) for r in rows] == [
        ("优化企业服务，8月底前建立企业服务专员制度。", [], "8月底前"),
        ("街道党政办要做好政策宣传。", ["街道党政办"], "全年"),
    ]


@pytest.mark.parametrize("fixture", ["政府工作报告任务分解方案_示例.txt", "省级政务公开工作要点_示例.txt"])
@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_other_plan_kinds_give_the_same_rows_in_every_format(tmp_path, fixture, kind):
    from builders import build_docx, build_pdf

    from addin.pipeline import draft_from_plan

    source = Path(__file__).parent / "plans" / fixture
    built = (build_docx if kind == "docx" else build_pdf)(source, tmp_path / f"plan.{kind}")

    def rows(path):
        return [(r.chapter, r.section, r.name, r.content, r.lead, r.units, r.assist, r.deadline)
                for r in draft_from_plan(path).rows]

    assert rows(built) == rows(source)


def test_a_small_table_inside_a_plan_does_not_replace_its_tasks(tmp_path):
    from docx import Document

    from addin.pipeline import draft_from_plan

    document = Document()
    document.add_paragraph("2024年某区政务公开工作要点")
    document.add_paragraph("一、重点工作")
    for k, text in enumerate(["做好政策解读。", "做好规划公开。", "做好财政信息公开。", "做好政府开放活动。"], start=1):
        document.add_paragraph(f"{k}.{text}")
    table = document.add_table(rows=2, cols=2)
    for r, values in enumerate([["工作任务", "责任单位"], ["预算公开", "区财政局"]]):  # a task table, but small
        for c, text in enumerate(values):
            table.cell(r, c).text = text
    document.save(str(tmp_path / "t.docx"))
    assert [r.content for r in draft_from_plan(tmp_path / "t.docx").rows] == [
        "做好政策解读。", "做好规划公开。", "做好财政信息公开。", "做好政府开放活动。"]
