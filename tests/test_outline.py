"""Outline markers, headings, titles and metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from addin.errors import OutlineError
from addin.outline import parse_outline, split_heading
from addin.plan import read_plan
from addin.plan.markers import find_marker
from addin.plan.model import PlanText, SourceLine


@pytest.mark.parametrize(
    ("text", "kind", "label", "rest"),
    [
        ("一、总体要求", "chapter", "一", "总体要求"),
        ("十二．保障措施", "chapter", "十二", "保障措施"),
        ("（一）规范管理。", "section", "一", "规范管理。"),
        ("(三) 优化服务", "section", "三", "优化服务"),
        ("（ 二 ）做好公开", "section", "二", "做好公开"),
        ("1.落实公开", "item", "1", "落实公开"),
        ("12、落实公开", "item", "12", "落实公开"),
        ("３．落实公开", "item", "３", "落实公开"),
        ("（1）细化任务", "subitem", "1", "细化任务"),
        ("(2)细化任务", "subitem", "2", "细化任务"),
        ("①做好解读", "circled", "①", "做好解读"),
        ("第二部分 重点任务", "part", "第二部分", "重点任务"),
    ],
)
def test_markers(text, kind, label, rest):
    assert find_marker(text) == (kind, label, rest)


@pytest.mark.parametrize(
    "text",
    ["2021年本市政府公开工作的总体要求是", "1.5亿元资金", "12345市民服务热线要…", "一是加强管理", "围绕一、二季度"],
)
def test_not_markers(text):
    assert find_marker(text) is None


@pytest.mark.parametrize(
    ("text", "heading", "rest"),
    [
        ("规范政务信息管理。政府网站引用…", "规范政务信息管理", "政府网站引用…"),
        ("优化“中华武数”布局，围绕促进经济健康发展做好信息公开",
         "优化“中华武数”布局，围绕促进经济健康发展做好信息公开", ""),
        ("围绕落实上海市加快建设“五个中心”，做好关联政策的发布和解读。", "",
         "围绕落实上海市加快建设“五个中心”，做好关联政策的发布和解读。"),
        ("做好2024年为民办实事项目立项、推进情况的信息公开。(责任单位：区府办)",
         "做好2024年为民办实事项目立项、推进情况的信息公开", "(责任单位：区府办)"),
    ],
)
def test_split_heading(text, heading, rest):
    assert split_heading(text) == (heading, rest)


@pytest.mark.parametrize(
    ("name", "title", "year", "issuer", "doc_number", "chapters"),
    [
        ("shanghai_2021", "2021年上海市政务公开工作要点", 2021, "上海市人民政府办公厅", "沪府办〔2021〕21号", 7),
        ("putuo_2024", "2024年上海市普陀区政务公开工作要点", 2024, "上海市普陀区人民政府办公室",
         "普府办〔2024〕6号", 5),
        ("miaohang_2024", "2024年庙行镇政务公开工作要点", 2024, "", "宝庙府〔2024〕8号", 5),
        ("zhenxin_2021", "2021年嘉定区真新街道办事处政务公开工作要点", 2021, "", "", 7),
    ],
)
def test_corpus_metadata(corpus, name, title, year, issuer, doc_number, chapters):
    outline = parse_outline(read_plan(corpus / "plans" / f"{name}.txt"))
    assert (outline.title, outline.year, outline.issuer, outline.doc_number) == (
        title, year, issuer, doc_number)
    assert [root.kind for root in outline.roots] == ["chapter"] * chapters


def test_paths_and_nesting(corpus):
    outline = parse_outline(read_plan(corpus / "plans" / "putuo_2024.txt"))
    paths = [node.path for node in outline.walk()]
    assert paths[:4] == ["一", "一（一）", "一（一）1", "一（一）2"]
    assert "五（四）" in paths


def _plan(*texts: str) -> PlanText:
    return PlanText(Path("t.txt"), [SourceLine(t, f"第{i}行", i) for i, t in enumerate(texts)])


def test_plan_skipping_a_level_nests_by_appearance():
    outline = parse_outline(_plan("2024年X要点", "一、总体", "1.甲事项。", "2.乙事项。", "二、保障", "1.丙。"))
    assert [(n.path, n.depth) for n in outline.walk()] == [
        ("一", 0), ("一1", 1), ("一2", 1), ("二", 0), ("二1", 1)]


def test_closing_matter_is_not_a_task():
    outline = parse_outline(_plan("2024年X要点", "一、总体", "（一）做好公开。要公开。",
                                  "某区人民政府办公室", "2024年4月7日", "抄送：区委办"))
    assert [c.text for c in outline.closing] == ["某区人民政府办公室", "2024年4月7日", "抄送：区委办"]
    assert list(outline.walk())[-1].body == ["要公开。"]


def test_no_structure_is_an_error():
    with pytest.raises(OutlineError, match="未识别到"):
        parse_outline(_plan("随便写的一段话。", "又一段话。"))
