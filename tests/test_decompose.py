"""Decomposition rules and the inline unit notes."""

from __future__ import annotations

import pytest

from addin.decompose import Granularity, decompose, requirement_name, split_requirements
from addin.outline import parse_outline
from addin.plan import read_plan
from addin.units import extract_unit_notes, split_unit_names


@pytest.mark.parametrize(
    ("note", "lead", "units", "assist"),
    [
        ("（责任单位：区发改委、区科委、区商务委等相关部门）", [], ["区发改委", "区科委", "区商务委"], []),
        ("(责任单位:区府办牵头,各部门、各街镇落实)", ["区府办"], ["各部门", "各街镇"], []),
        ("(责任单位：区房管局、区规划资源局牵头，各部门、各街镇配合)", ["区房管局", "区规划资源局"], [],
         ["各部门", "各街镇"]),
        ("（牵头单位：镇党政办；责任单位：镇机关各部门、各单位；配合单位：镇党群办）", ["镇党政办"],
         ["镇机关各部门", "各单位"], ["镇党群办"]),
        ("（牵头单位：镇司法所，责任单位：镇综合执法队）", ["镇司法所"], ["镇综合执法队"], []),
        ("（责任单位：镇机关各部门、各单位；配合单位：各村、居民区）", [], ["镇机关各部门", "各单位"],
         ["各村", "居民区"]),
        ("(责任单位：区府办、区司法局牵头，相关单位配合)", ["区府办", "区司法局"], [], ["相关单位"]),
        ("(责任单位：区政府办公室（区政务公开办）牵头，各部门落实)", ["区政府办公室（区政务公开办）"],
         ["各部门"], []),
    ],
)
def test_unit_notes(note, lead, units, assist):
    text, roles = extract_unit_notes("做好公开工作。" + note)
    assert text == "做好公开工作。"
    assert (roles.lead, roles.units, roles.assist) == (lead, units, assist)


def test_unit_names_drop_trailing_etc():
    assert split_unit_names("区重大办、区发改委、区建管委等") == ["区重大办", "区发改委", "区建管委"]


def test_clauses_and_sentences():
    text = ("一是政府网站引用行政法规的，要对照国家正式版本及时更新完善。推进行政规范性文件统一公开，"
            "通过政府网站集中公开。二是对2010年以来的政府公文开展全面梳理和属性认定工作。")
    assert split_requirements(text) == [
        "政府网站引用行政法规的，要对照国家正式版本及时更新完善。",
        "推进行政规范性文件统一公开，通过政府网站集中公开。",
        "对2010年以来的政府公文开展全面梳理和属性认定工作。",
    ]


def test_new_subject_starts_a_requirement():
    text = "研究制定本市收取信息处理费的具体措施，各区政府、市政府各部门要在公开指南中载明收费标准。"
    assert split_requirements(text) == ["研究制定本市收取信息处理费的具体措施。",
                                        "各区政府、市政府各部门要在公开指南中载明收费标准。"]


@pytest.mark.parametrize(
    "text",
    [
        # 相应/对应 contain 应 but are no modal verb: "…主管部门出台相应…" is no new subject.
        "市国资委要按照“谁主管、谁负责”的原则，在国务院主管部门出台相应领域的信息公开规定后，列出适用主体清单。",
        "各街道要完善应急预案，在上级部门发布对应标准后及时调整公开目录内容。",
    ],
)
def test_words_containing_a_modal_do_not_split(text):
    assert split_requirements(text) == [text]


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("建立依申请公开转主动公开常态化审查机制，对于依申请公开的信息同步审查。",
         "建立依申请公开转主动公开常态化审查机制"),
        ("对政策实施过程中产生的新情况，开展二次解读。", "段落标题"),
        ("各区政府要做好公开，及时更新。", "段落标题"),
    ],
)
def test_requirement_name(sentence, name):
    assert requirement_name(sentence, "段落标题") == name


@pytest.mark.parametrize(("name", "count"), [("miaohang_2024", 28), ("putuo_2024", 65)])
def test_numbered_items_are_one_task_each(corpus, name, count):
    rows = decompose(parse_outline(read_plan(corpus / "plans" / f"{name}.txt")))
    assert len(rows) == count
    assert [r.seq for r in rows] == list(range(1, count + 1))
    assert not any("（责任单位" in r.content or "(责任单位" in r.content for r in rows)


def test_rows_are_traceable(corpus):
    rows = decompose(parse_outline(read_plan(corpus / "plans" / "miaohang_2024.txt")))
    first = rows[0]
    assert (first.chapter, first.section) == ("一、全方位推进各领域信息主动公开",
                                             "（一）做好“打造宝山科创中心主阵地重要承载区”建设信息公开")
    assert (first.name, first.source, first.where) == (
        "落实宝山科创中心主阵地重要承载区建设信息公开", "一（一）1", "第22行")
    assert (rows[17].lead, rows[17].units, rows[17].assist) == (
        ["镇党政办"], ["镇机关各部门", "各单位"], ["镇党群办"])


def test_item_granularity_keeps_paragraphs_whole(corpus):
    outline = parse_outline(read_plan(corpus / "plans" / "shanghai_2021.txt"))
    fine = decompose(outline)
    coarse = decompose(outline, Granularity.ITEM)
    sections = [n for n in outline.walk() if n.kind == "section"]
    assert len(coarse) == len(sections) == 23
    assert len(fine) > 3 * len(coarse)
    assert all("·" not in r.source for r in coarse)
