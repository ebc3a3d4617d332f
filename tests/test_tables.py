"""Published task tables as input: every route, column roles from header and content, unit cells.

Real cases from ../shared/corpus/shapes (the tables offices outside Shanghai receive).
The truth rows are benchmarks/shapes_truth/*.json, written by hand from each document.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from addin.cli import main
from addin.columns import header_role
from addin.pipeline import draft_from_plan
from addin.table import read_task_table
from addin.units.cells import parse_unit_cell

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from shapes_accuracy import DEFAULT_SHAPES, DEFAULT_TRUTH, score, write_docx, write_text, write_xlsx  # noqa: E402

TRUTHS = sorted(p.stem for p in DEFAULT_TRUTH.glob("*.json"))
TABLE_SHAPES = [s for s in TRUTHS if s[:2] in {"04", "05", "06", "09", "21", "24", "25", "26", "29", "30", "31"}]


@pytest.mark.parametrize(
    ("cell", "lead", "units", "assist"),
    [("财政所、便民综合服务中心、土管所等", [], ["财政所", "便民综合服务中心", "土管所"], []),
     ("市政府各有关部门,各县市区人民政府、功能区管委会负责落实", [],
      ["市政府各有关部门", "各县市区人民政府", "功能区管委会"], []),
     ("区司法局牵头区级规范性文件集中公开工作,区各行政规范性文件制定主体具体落实;各成员单位负责做好本单位行政规范性文件集中公开工作",
      ["区司法局"], ["区各行政规范性文件制定主体", "各成员单位"], []),
     ("市金融办、人民银行潍坊市中心支行、潍坊银监分局分别牵头落实",
      ["市金融办", "人民银行潍坊市中心支行", "潍坊银监分局"], [], []),
     ("区数据资源局、区投资促进局、区发改委等相关区直部门、各镇(办)、经开区", [],
      ["区数据资源局", "区投资促进局", "区发改委", "各镇(办)", "经开区"], []),
     ("各镇街（园区）；具有行政职能的市直各单位", [], ["各镇街（园区）", "具有行政职能的市直各单位"], []),
     ("市自规局、市城管局、市住建局 市商务局、市机关事务管理局", [],
      ["市自规局", "市城管局", "市住建局", "市商务局", "市机关事务管理局"], []),
     ("区商务局区教育局", [], ["区商务局", "区教育局"], []),
     ("各乡镇\n县开发区\n县直有关单位", [], ["各乡镇", "县开发区", "县直有关单位"], []),
     ("牵头责任单位：区发展改革委（粮食和储备局）\n主要协作单位：各县（市、区）人民政府、区财政局",
      ["区发展改革委（粮食和储备局）"], [], ["各县（市、区）人民政府", "区财政局"]),
     ("区府办牵头，区司法局配合；各镇（街）参照落实", ["区府办"], ["各镇（街）"], ["区司法局"]),
     ("区民政局主办、区财政局协办", ["区民政局"], [], ["区财政局"]),
     ("区教育局主办，区卫健委参与", ["区教育局"], [], ["区卫健委"]),
     ("*区府办、区司法局", ["区府办"], ["区司法局"], []),
     ("各街道（功能区）", [], ["各街道（功能区）"], []),
     ("16项民心工程的市政府牵头部门", [], ["16项民心工程的市政府牵头部门"], []),
     ("牵头领导：王五；牵头单位：县财政局；配合单位：各乡镇", ["县财政局"], [], ["各乡镇"])],
)
def test_unit_cells_as_people_write_them(cell, lead, units, assist):
    roles = parse_unit_cell(cell)
    assert (roles.lead, roles.units, roles.assist) == (lead, units, assist)


@pytest.mark.parametrize(
    ("header", "role"),
    [("工作任务", "name"), ("重点任务", "name"), ("重點任務", "name"), ("主要任务", "name"), ("目标任务", "name"),
     ("重点工作", "name"), ("工作事项", "name"), ("2023年重点工作任务", "name"),
     ("具体要求", "content"), ("具 体 要 求", "content"), ("工作要求", "content"), ("细化措施", "content"),
     ("具体工作要求", "content"), ("工作內容", "content"),
     ("责任单位", "units"), ("责任部门", "units"), ("负责科室", "units"), ("負責科室", "units"), ("责任股室", "units"),
     ("责任处室", "units"), ("落实单位", "units"), ("主体责任单位", "units"), ("牵头单位(*)/责任单位", "units"),
     ("牵头责任单位", "lead"), ("牵头单位", "lead"), ("配合责任单位", "assist"), ("参与单位", "assist"),
     ("协办单位", "assist"), ("完成时限", "deadline"), ("时限要求", "deadline"), ("时间安排", "deadline"),
     ("时间节点", "deadline"), ("完成时间", "deadline"), ("牵头领导", "leader"), ("落实情况", "progress"),
     ("完成情况", "progress"), ("2023年10-12月份进展情况", "progress"), ("序号", "seq"),
     ("发布机构：", None), ("责任单位：区司法局", None), ("荆州市2022年政务公开任务分解责任清单", None)],
)
def test_header_words(header, role):
    assert header_role(header) == role


@pytest.mark.parametrize("stem", TABLE_SHAPES)
@pytest.mark.parametrize("route", ["text", "xlsx", "docx"])
def test_shape_tables_read_by_every_route(stem, route, tmp_path):
    truth = json.loads((DEFAULT_TRUTH / f"{stem}.json").read_text(encoding="utf-8"))
    writers = {"text": lambda t, p: write_text(DEFAULT_SHAPES / f"{stem}.txt", p), "xlsx": write_xlsx,
               "docx": write_docx}
    path = writers[route](truth, tmp_path / f"{stem}.{'txt' if route == 'text' else route}")
    result = score(truth, path)
    assert result["refused"] == ""
    assert result["f1"] >= 0.9
    assert result["unit_f1"] is None or result["unit_f1"] >= 0.85


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice renders the Word table to PDF")
@pytest.mark.parametrize("stem", ["04_bazhou_town_zwgk_table", "24_qingyang_wjw_2023_zeren_qingdan_jinzhan"])
def test_a_ruled_pdf_table_is_read(stem, tmp_path):
    truth = json.loads((DEFAULT_TRUTH / f"{stem}.json").read_text(encoding="utf-8"))
    docx = write_docx(truth, tmp_path / f"{stem}.docx")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx)], capture_output=True, timeout=180, check=True)
    result = score(truth, tmp_path / f"{stem}.pdf")
    assert result["refused"] == "" and result["f1"] >= 0.85 and result["unit_f1"] >= 0.85


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def test_a_group_title_column_and_a_requirement_column_become_name_and_content(tmp_path):
    path = _workbook(tmp_path / "t.xlsx", [
        ["工作任务", "具体要求", "责任单位", "完成情况"],
        ["一、做好财政信息公开。", "及时公开财政预决算、“三公”经费信息，接受群众监督。", "财政局",
         "已完成，按时公开了预决算。"],
        [None, "公开政府债务限额、余额和使用安排等情况，逐步扩大公开范围。", "财政局", "推进中"]])
    rows = read_task_table(path).rows
    assert [(r.name, r.content, r.units) for r in rows] == [
        ("一、做好财政信息公开。", "及时公开财政预决算、“三公”经费信息，接受群众监督。", ["财政局"]),
        ("一、做好财政信息公开。", "公开政府债务限额、余额和使用安排等情况，逐步扩大公开范围。", ["财政局"])]


def test_headers_no_list_anticipates_are_read_by_content(tmp_path):
    path = _workbook(tmp_path / "t.xlsx", [
        ["No.", "事由", "承担者", "截至"],
        [1, "围绕就业创业政策，加强政策信息公开，深入解读政策背景和依据。", "县人社局、县财政局", "6月底前"],
        [2, "加强财政政策信息公开，按月公开全县财政收支情况。", "县财政局牵头，各乡镇配合", "每月"]])
    rows = draft_from_plan(path).rows
    assert [(r.content[:6], r.lead, r.units, r.assist) for r in rows] == [
        ("围绕就业创业", [], ["县人社局", "县财政局"], []), ("加强财政政策", ["县财政局"], [], ["各乡镇"])]


def test_a_repeated_header_row_is_no_task(tmp_path):
    path = _workbook(tmp_path / "t.xlsx", [
        ["序号", "重点任务", "责任科室", "时间安排"],
        [1, "对群众普遍关注的社会热点问题及时、主动回应。", "综合科", "全年"],
        ["序号", "重点任务", "责任科室", "时间安排"],
        [2, "注重政务服务办理流程、办理结果等信息发布。", "业务科", "全年"],
        ["注：标*的为牵头科室。", "注：标*的为牵头科室。", "注：标*的为牵头科室。", "注：标*的为牵头科室。"]])
    assert [r.seq for r in read_task_table(path).rows] == [1, 2]


def test_a_docx_that_is_only_a_table_is_read(tmp_path):
    document = Document()
    table = document.add_table(rows=3, cols=3)
    for r, cells in enumerate([["重点任务", "工作内容", "负责科室"],
                               ["政策解读", "对以县政府名义制定的政策文件进行全面解读，创新解读形式。", "各业务科室"],
                               ["制度建设", "建立一套完善的政府信息公开制度，保障政务公开工作有序推进。", "综合科"]]):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    document.save(tmp_path / "表.docx")
    rows = draft_from_plan(tmp_path / "表.docx").rows
    assert [(r.name, r.units) for r in rows] == [("政策解读", ["各业务科室"]), ("制度建设", ["综合科"])]


def test_a_document_without_tasks_or_a_usable_table_says_what_it_found(tmp_path, capsys):
    document = Document()
    document.add_paragraph("会议纪要")
    table = document.add_table(rows=2, cols=2)
    for r, cells in enumerate([["姓名", "电话"], ["张三", "12345"]]):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    document.save(tmp_path / "纪要.docx")
    assert main(["decompose", str(tmp_path / "纪要.docx"), "-o", str(tmp_path / "out.xlsx")]) == 1
    assert capsys.readouterr().err.strip() == (
        "错误：文件“纪要.docx”中未识别到任务：找到 1 个表格，但无法确定哪一列是任务内容：列标题为 姓名、电话。")
    assert not (tmp_path / "out.xlsx").exists()


def test_a_task_written_as_a_card_is_one_row(tmp_path):
    text = (DEFAULT_SHAPES / "08_tongxin_2023_gzbg_task_row.txt").read_text(encoding="utf-8").splitlines()[2:]
    (tmp_path / "card.txt").write_text("\n".join(text), encoding="utf-8")
    rows = draft_from_plan(tmp_path / "card.txt").rows
    assert [(r.content[:13], r.units, r.assist, r.deadline) for r in rows] == [
        ("全面落实疫情防控“新十条”", ["卫健局", "文旅局"], ["各乡镇"], "1月底前、12月底前")]


def test_a_tab_separated_table_broken_by_pages_reads_every_row(corpus):
    """The 宝山区 table as extracted from its PDF: tabs, the header repeated, rows broken by pages."""
    from accuracy import f1 as f1_score
    from accuracy import pair_rows

    truth = json.loads((corpus / "truth" / "baoshan_2020_table.json").read_text(encoding="utf-8"))["rows"]
    rows = draft_from_plan(corpus / "raw" / "baoshan_2020_table.txt").rows
    pairs = pair_rows([r.content for r in rows], [t["content"] for t in truth])
    assert f1_score(len(pairs), len(rows) - len(pairs), len(truth) - len(pairs))[2] >= 0.98
    assert rows[0].lead == ["区政府办公室", "区融媒体中心"] and "各街镇" in rows[0].units


def test_a_small_table_beside_a_longer_plan_is_reported_not_dropped(tmp_path):
    document = Document()
    document.add_paragraph("2024年某局政务公开工作要点")
    document.add_paragraph("一、做好政策公开。")
    for text in ["（一）及时公开政策文件。", "（二）做好政策解读。", "（三）回应社会关切。"]:
        document.add_paragraph(text + "各科室要按职责做好相关工作，确保按时完成。")
    table = document.add_table(rows=2, cols=3)
    grid = [["序号", "公开事项", "责任科室"], ["1", "及时公开本局预决算信息，接受社会监督。", "财务科"]]
    for r, cells in enumerate(grid):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    document.save(tmp_path / "要点.docx")
    draft = draft_from_plan(tmp_path / "要点.docx")
    assert len(draft.rows) == 3
    assert [f.message for f in draft.findings if f.rule == "table.unused"] == [
        "文件中的任务表（表1，1 项）不到正文条目（3 项）的一半，已按正文分解；如应以表格为准，请核对。"]


def test_two_names_glued_are_split_where_the_directory_knows_both(tmp_path):
    from addin.pipeline import DraftOptions
    from addin.units.directory import Unit, UnitDirectory

    path = _workbook(tmp_path / "t.xlsx", [
        ["序号", "具体内容", "责任部门"],
        [1, "常态化公开就业、住房、教育、医疗、生态环境等领域信息。", "财政所土管所"],
        [2, "围绕乡村振兴建设等重点项目，持续发布相关政策文件及工作成果。", "便民综合服务中心"]])
    directory = UnitDirectory([Unit("财政所"), Unit("土管所"), Unit("便民综合服务中心")])
    rows = draft_from_plan(path, DraftOptions(directory=directory)).rows
    assert [r.units for r in rows] == [["财政所", "土管所"], ["便民综合服务中心"]]


def test_a_pasted_table_ends_at_the_closing_lines(tmp_path):
    path = tmp_path / "清单.txt"
    path.write_text("某区2024年政务公开任务清单\n"
                    "序号\t重点任务\t责任单位\t完成时限\n"
                    "1\t及时公开本区预决算信息，接受社会监督，细化到功能分类项级科目。\t区财政局\t6月底前\n"
                    "2\t做好政策解读，凡面向企业和市民的政策性文件均要开展解读。\t各委办局、各街镇\t全年\n"
                    "抄送：区委办公室，区人大办公室。\n"
                    "某区人民政府办公室2024年3月1日印发\n", encoding="utf-8")
    rows = draft_from_plan(path).rows
    assert [(r.content[:6], r.units, r.deadline) for r in rows] == [
        ("及时公开本区", ["区财政局"], "6月底前"), ("做好政策解读", ["各委办局", "各街镇"], "全年")]


def test_a_word_table_continued_without_its_header_is_read(tmp_path):
    document = Document()
    document.add_paragraph("某局2024年政务公开重点工作任务分解表")
    parts = [[["序号", "重点任务", "工作内容", "负责科室"],
              ["1", "政策解读", "对以县政府名义制定的政策文件进行全面解读，创新解读形式。", "各业务科室"]],
             [["2", "制度建设", "建立一套完善的政府信息公开制度，保障政务公开工作有序推进。", "综合科"],
              ["3", "回应关切", "对群众普遍关注的社会热点问题及时、主动回应。", "办公室"]]]
    for grid in parts:
        table = document.add_table(rows=len(grid), cols=4)
        for r, cells in enumerate(grid):
            for c, text in enumerate(cells):
                table.cell(r, c).text = text
        document.add_paragraph("")
    document.save(tmp_path / "表.docx")
    rows = draft_from_plan(tmp_path / "表.docx").rows
    assert [(r.name, r.units) for r in rows] == [("政策解读", ["各业务科室"]), ("制度建设", ["综合科"]),
                                                  ("回应关切", ["办公室"])]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice saves the workbook as .xls")
def test_a_published_table_as_a_legacy_xls_workbook(tmp_path):
    stem = "30_xiangshan_zwgk_renwu_qingdan"
    truth = json.loads((DEFAULT_TRUTH / f"{stem}.json").read_text(encoding="utf-8"))
    xlsx = write_xlsx(truth, tmp_path / f"{stem}.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "xls",
                    "--outdir", str(tmp_path / "xls"), str(xlsx)], capture_output=True, timeout=180, check=True)
    result = score(truth, tmp_path / "xls" / f"{stem}.xls")
    assert result["refused"] == "" and result["f1"] == 1.0 and result["unit_f1"] == 1.0


def _pasted(header: list[str], body: list[list[str]], separator: str) -> str:
    rows = [header, *body]
    if separator == "\t":  # copied from Excel: a row per line
        return "\n".join("\t".join(c.replace("\n", " ") for c in r) for r in rows)
    return "\n".join(" | ".join(c.replace("\n", "、") for c in r) + " |" for r in rows)


@pytest.mark.parametrize("stem", TABLE_SHAPES)
@pytest.mark.parametrize("separator", ["\t", "|"])
def test_the_published_layout_pasted_as_text(stem, separator, tmp_path):
    from shapes_accuracy import table_cells

    truth = json.loads((DEFAULT_TRUTH / f"{stem}.json").read_text(encoding="utf-8"))
    header, body = table_cells(truth)
    path = tmp_path / "pasted.txt"
    path.write_text(truth["title"] + "\n" + _pasted(header, body, separator), encoding="utf-8")
    result = score(truth, path)
    assert (result["refused"], result["f1"]) == ("", 1.0)
    assert result["unit_f1"] is None or result["unit_f1"] >= 0.95
