"""The held-out documents of tests/holdout (written by the team, not official) by every route.

They were written after the table and notice readers, without looking at the reading
code, to check that the rules generalize; docs/BENCHMARKS.md records their figures.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from addin.decompose import Granularity
from addin.pipeline import DraftOptions, draft_from_plan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from shapes_accuracy import score, write_text  # noqa: E402

HOLDOUT = Path(__file__).resolve().parent / "holdout"
DOCUMENTS = sorted(p.stem for p in HOLDOUT.glob("*.json"))
ROUTES = ("txt", "xlsx", "docx", "pdf")


def _route_file(stem: str, route: str, tmp_path: Path) -> Path:
    if route == "txt":  # the file minus its two header lines (source, kind), as pasted
        return write_text(HOLDOUT / f"{stem}.txt", tmp_path / f"{stem}.txt")
    return HOLDOUT / f"{stem}.{route}"


@pytest.mark.parametrize("stem", DOCUMENTS)
@pytest.mark.parametrize("route", ROUTES)
def test_every_holdout_document_is_read_by_every_route(stem, route, tmp_path):
    if not (HOLDOUT / f"{stem}.{route}").exists():
        pytest.skip(f"{stem} is not laid out as .{route}")
    truth = json.loads((HOLDOUT / f"{stem}.json").read_text(encoding="utf-8"))
    result = score(truth, _route_file(stem, route, tmp_path))
    assert not result["refused"]
    assert result["f1"] >= 0.6, [r.content for r in result["produced"]]
    assert result["unit_f1"] >= 0.9


def test_an_excel_copy_keeps_no_quote_of_a_cell_with_a_line_break(tmp_path):
    """Excel copies a cell holding a line break as "line 1 … line 2": the quotes are no part of a name."""
    path = tmp_path / "table.txt"
    path.write_text("事项\t目标要求\t责任主体\t时间进度\n"
                    "建筑垃圾资源化利用\t建成建筑垃圾资源化利用项目1个，资源化利用率达到60%。\t\"区住建局牵头\n"
                    "区城管局、区自然资源局配合\"\t2025年9月底前\n"
                    "医疗废物收运\t实现医疗废物收集转运处置基层全覆盖。\t区卫生健康局负责落实\t2025年6月底前\n",
                    encoding="utf-8")
    rows = draft_from_plan(path, DraftOptions(directory=None, use_addressees=False)).rows
    assert [(r.lead, r.units, r.assist) for r in rows] == [
        (["区住建局"], [], ["区城管局", "区自然资源局"]), ([], ["区卫生健康局"], [])]


def _draft(text: str, tmp_path: Path, granularity=None):
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    options = DraftOptions(directory=None, use_addressees=False)
    return draft_from_plan(path, options if granularity is None else replace(options, granularity=granularity)).rows


CLAUSES_UNDER_ONE_NOTE = [
    # 一是/二是 clauses of a (一) paragraph, one note after the last (h04)
    ("（二）推进农村厕所革命。一是对已改户厕开展“回头看”，建立问题台账，逐户整改到位。二是新建改建农村公共厕所6座。"
     "（责任单位：镇农业服务中心；配合单位：镇卫生院）",
     ["对已改户厕开展“回头看”，建立问题台账，逐户整改到位。", "新建改建农村公共厕所6座。"],
     [], ["镇农业服务中心"], ["镇卫生院"]),
    # inline 1. 2. items of a (五) paragraph, one note after the last (h06, traditional script)
    ("（五）推進公共資源配置信息公開。1.全面公開政府採購、工程建設項目招標投標等信息。2.推動國有土地使用權出讓信息及時公開。"
     "（責任單位：縣公共資源交易中心、縣自然資源局）",
     ["全面公開政府採購、工程建設項目招標投標等信息。", "推動國有土地使用權出讓信息及時公開。"],
     [], ["縣公共資源交易中心", "縣自然資源局"], []),
]


@pytest.mark.parametrize(("paragraph", "contents", "lead", "units", "assist"), CLAUSES_UNDER_ONE_NOTE)
def test_enumerated_clauses_before_one_note_are_a_task_each_with_its_units(paragraph, contents, lead, units,
                                                                          assist, tmp_path):
    rows = _draft(f"某镇2025年工作方案\n一、主要任务\n{paragraph}\n", tmp_path)
    assert [r.content for r in rows] == contents
    assert all((r.lead, r.units, r.assist) == (lead, units, assist) for r in rows)


def test_item_granularity_keeps_an_annotated_paragraph_whole(tmp_path):
    rows = _draft(f"某镇2025年工作方案\n一、主要任务\n{CLAUSES_UNDER_ONE_NOTE[0][0]}\n", tmp_path, Granularity.ITEM)
    assert len(rows) == 1 and rows[0].units == ["镇农业服务中心"]


def test_a_pdf_table_split_by_the_page_gives_no_row_of_its_header_or_its_overflow():
    """LibreOffice draws a cell's glyphs a fraction of a point over the ruling: the header line
    and a row's last line carried onto the next page ("上。") are table text, not body lines."""
    rows = draft_from_plan(HOLDOUT / "h07_town_notice_with_table.pdf",
                           DraftOptions(directory=None, use_addressees=False)).rows
    assert [r.name for r in rows] == ["安全生产责任落实", "道路交通安全", "自建房安全", "森林防火", "防汛备汛",
                                      "燃气安全"]
    assert rows[4].content == "修订完善防汛应急预案，组织开展防汛应急演练1次以上。"


FLATTENED = ("城关镇2025年重点工作推进台账\n序号 重点工作 推进措施 责任站所 时间节点\n"
             "1 农村集体经济 发展壮大村级集体经济，确保所有村集体经济年经营性收入达到10万元以上。 镇经管站 12月底前\n"
             "2 移风易俗 推进红白理事会规范运行，遏制高价彩礼、大操大办等不良风气。 镇民政办 {unit} 全年\n"
             "3 耕地保护 开展耕地“非农化”“非粮化”问题排查整改，全年无新增违法占地。 镇自然资源所 全年\n")


@pytest.mark.parametrize("unit", ["镇妇联", "镇科协", "镇宣传统战"])
def test_a_second_unit_of_a_flattened_row_is_a_unit_not_a_group_title(unit, tmp_path):
    """"… 镇民政办 镇妇联 全年": the short cell after a unit on the same line is another unit;
    read as a group title it took the row's deadline and became every later row's 小节."""
    rows = _draft(FLATTENED.format(unit=unit), tmp_path)
    assert [(r.name, r.section, r.units, r.deadline) for r in rows] == [
        ("农村集体经济", "", ["镇经管站"], "12月底前"), ("移风易俗", "", ["镇民政办", unit], "全年"),
        ("耕地保护", "", ["镇自然资源所"], "全年")]


@pytest.mark.parametrize(("cell", "units"), [("区妇联、区残联、区科协", ["区妇联", "区残联", "区科协"]),
                                             ("区工商联\n区侨联", ["区工商联", "区侨联"])])
def test_mass_organisations_are_unit_names(cell, units):
    from addin.columns import cell_kind
    from addin.units.cells import parse_unit_cell

    assert cell_kind(cell) == "units"
    assert parse_unit_cell(cell).units == units


@pytest.mark.parametrize(("stem", "title"), [("h02_city_shuzizhengfu_fengong", "2025年全市数字政府建设重点工作分工表"),
                                             ("h03_district_wufei_tuijin", "某区2025年“无废城市”建设重点事项推进表")])
def test_a_workbook_titled_by_what_it_lists_gives_its_title_and_plan_year(stem, title):
    """"…分工表" / "…推进表" above the header is the title: the plan year is 2025, not this year."""
    draft = draft_from_plan(HOLDOUT / f"{stem}.xlsx", DraftOptions(directory=None, use_addressees=False))
    assert (draft.outline.title, draft.outline.year) == (title, 2025)
    assert not [f for f in draft.findings if f.rule == "plan.year"]
    assert all(r.due.startswith("2025-") for r in draft.rows if r.due)
