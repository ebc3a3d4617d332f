"""Decomposition rules and the inline unit notes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.decompose import Granularity, decompose, requirement_name, split_requirements
from addin.outline import parse_outline
from addin.plan import read_plan
from addin.units import extract_unit_notes, note_segments, split_unit_names


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
        ("（具体由区府办负责）", [], ["区府办"], []),
        ("（由区发改委牵头，区财政局等配合）", ["区发改委"], [], ["区财政局"]),
    ],
)
def test_unit_notes(note, lead, units, assist):
    text, roles = extract_unit_notes("做好公开工作。" + note)
    assert text == "做好公开工作。"
    assert (roles.lead, roles.units, roles.assist) == (lead, units, assist)


NOTE_SHAPES_PLAN = """2024年某区法治政府建设工作要点
一、深化法治政府建设
1.推进依法行政。完善重大行政决策程序制度。（区司法局牵头，各部门配合）
2.加强行政执法监督。全面推行行政执法三项制度。（区司法局、区城管执法局负责）
3.优化营商环境。压减审批时限。（牵头单位：区发展改革委；配合单位：区政务服务中心；完成时限：2024年6月底前）
4.开展法治宣传教育。落实普法责任制。
责任单位：区司法局、各街镇
完成时限：2024年10月底前
5.规范行政复议工作。提高办案质量。
牵头单位：区司法局
配合单位：各部门
时间节点：每季度
6.强化规范性文件管理。（责任单位：区司法局（牵头）、区政府办公室）
7.加强政务诚信建设。【牵头单位】区发展改革委【责任单位】各部门
8.加强组织领导。（牵头领导：王某某；责任单位：区政府办公室）
9.提升执法质效。严格执行《上海市行政执法条例》（以下简称《条例》）。区城管执法局牵头，各街镇落实。
二、深化政务公开
（一）完善公开机制。一是完善信息发布机制（区政府办公室牵头，各部门配合）；二是加强政策解读（责任单位：区发展改革委、区司法局）。
"""


@pytest.mark.parametrize(
    ("index", "content", "lead", "units", "assist", "deadline"),
    [
        (0, "完善重大行政决策程序制度。", ["区司法局"], [], ["各部门"], "全年"),
        (1, "全面推行行政执法三项制度。", [], ["区司法局", "区城管执法局"], [], "全年"),
        (2, "压减审批时限。", ["区发展改革委"], [], ["区政务服务中心"], "6月底前"),
        (3, "落实普法责任制。", [], ["区司法局", "各街镇"], [], "10月底前"),
        (4, "提高办案质量。", ["区司法局"], [], ["各部门"], "每季度"),
        (5, "强化规范性文件管理。", ["区司法局"], ["区政府办公室"], [], "全年"),
        (6, "加强政务诚信建设。", ["区发展改革委"], ["各部门"], [], "全年"),
        (7, "加强组织领导。（牵头领导：王某某）", [], ["区政府办公室"], [], "全年"),
        (8, "严格执行《上海市行政执法条例》（以下简称《条例》）。", ["区城管执法局"], ["各街镇"], [], "全年"),
        (9, "完善信息发布机制。", ["区政府办公室"], [], ["各部门"], "全年"),
        (10, "加强政策解读。", [], ["区发展改革委", "区司法局"], [], "全年"),
    ],
)
def test_notes_in_every_shape(tmp_path, index, content, lead, units, assist, deadline):
    from addin.pipeline import draft_from_plan

    plan = tmp_path / "要点.txt"
    plan.write_text(NOTE_SHAPES_PLAN, encoding="utf-8")
    rows = draft_from_plan(plan).rows
    assert len(rows) == 11
    row = rows[index]
    assert (row.content, row.lead, row.units, row.assist, row.deadline) == (content, lead, units, assist, deadline)


@pytest.mark.parametrize(
    "text",
    ["严格执行《条例》（以下简称《条例》）。", "编制目录（2024年版）。", "各部门要落实（各部门要负责）。",
     "做好公开（区级层面）。", "推进（试点）工作。", "覆盖各街道（镇）。", "由区政府办公室（区政务公开办）负责协调。",
     "推进村（居）委会公开。", "【重点】推进改革。"],
)
def test_brackets_that_are_no_note_stay(text):
    remaining, roles = extract_unit_notes(text)
    assert remaining == text and not roles.states_anything()


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


GOVERNMENT_REPORT_PLAN = Path(__file__).parent / "plans" / "政府工作报告任务分解方案_示例.txt"


@pytest.mark.parametrize(
    ("index", "chapter", "content", "lead", "units", "assist", "deadline"),
    [
        (0, "一、2024年主要预期目标", "地区生产总值增长5.5%左右。", [], ["区发展改革委", "区统计局"], [], "全年"),
        (2, "二、重点工作任务", "大力培育战略性新兴产业，新增高新技术企业100家。（牵头领导：李某）",
         ["区科技局"], ["区发展改革委", "区经济信息化委"], [], "12月底前"),
        (3, "二、重点工作任务", "推进科技成果转化，建设概念验证中心2家。", ["区科技局"], [], ["各镇", "街道"], "全年"),
        (4, "二、重点工作任务", "完成旧区改造5万平方米，年底前完成。", [], ["区住房城乡建设委"], [], "12月底前"),
        (5, "二、重点工作任务", "加快推进老旧小区加装电梯200台，三季度末前完成100台。", [],
         ["区房管局", "各镇", "街道"], [], "第三季度"),
    ],
)
def test_a_government_work_report_breakdown(index, chapter, content, lead, units, assist, deadline):
    from addin.pipeline import draft_from_plan

    draft = draft_from_plan(GOVERNMENT_REPORT_PLAN)
    # The closing 三、工作要求 is boilerplate for everyone, no task rows (issue #12).
    assert draft.outline.title == "2024年某区政府工作报告重点工作任务分解方案" and len(draft.rows) == 6
    row = draft.rows[index]
    assert (row.chapter, row.content, row.lead, row.units, row.assist, row.deadline) == (
        chapter, content, lead, units, assist, deadline)


HEADING_NOTES_PLAN = """2024年某区法治政府建设工作要点
一、推进依法行政（牵头单位：区司法局）
（一）完善行政决策制度（责任单位：区司法局、区政府办公室）
1.健全重大行政决策程序。
2.推进合法性审查全覆盖。（责任单位：区司法局）
（二）加强行政执法。全面推行行政执法三项制度。区城管执法局要开展执法案卷评查，提高执法质量。
"""


def test_a_heading_note_covers_the_tasks_under_it(tmp_path):
    from addin.pipeline import draft_from_plan
    from addin.units.infer import unit_source_text

    plan = tmp_path / "要点.txt"
    plan.write_text(HEADING_NOTES_PLAN, encoding="utf-8")
    rows = draft_from_plan(plan).rows
    assert [(r.chapter, r.section, r.lead, r.units, unit_source_text(r)) for r in rows] == [
        ("一、推进依法行政", "（一）完善行政决策制度", [], ["区司法局", "区政府办公室"], "标题注明"),
        ("一、推进依法行政", "（一）完善行政决策制度", [], ["区司法局"], "原文注明"),
        ("一、推进依法行政", "（二）加强行政执法", ["区司法局"], [], "标题注明"),
        ("一、推进依法行政", "（二）加强行政执法", ["区司法局"], ["区城管执法局"],
         "标题注明：区司法局；主语推断：区城管执法局"),
    ]


@pytest.mark.parametrize(
    ("plan", "chapters"),
    [
        ("2024年某区法治政府建设实施方案\n一、总体要求\n以习近平法治思想为指导，全面推进依法行政。\n"
         "（一）基本原则。坚持党的领导。\n二、重点任务\n（一）健全依法决策机制。严格落实重大行政决策程序规定。\n"
         "三、保障措施\n（一）加强组织领导。各部门要把法治政府建设摆在突出位置。\n",
         ["二、重点任务"]),
        ("2024年某区工作要点\n一、指导思想和工作目标\n坚持稳中求进工作总基调。\n二、重点工作\n1.做好公开。\n",
         ["二、重点工作"]),
        # Framing words, but the issuer assigned units: these are tasks.
        ("2024年某区工作要点\n一、主要目标\n1.地区生产总值增长5%。（责任单位：区发展改革委）\n二、重点工作\n1.做好公开。\n",
         ["一、主要目标", "二、重点工作"]),
    ],
)
def test_chapters_that_only_frame_the_plan_hold_no_tasks(tmp_path, plan, chapters):
    from addin.pipeline import draft_from_plan

    path = tmp_path / "方案.txt"
    path.write_text(plan, encoding="utf-8")
    draft = draft_from_plan(path)
    assert list(dict.fromkeys(r.chapter for r in draft.rows)) == chapters
    assert any(node.heading and "总体要求" in node.heading for node in draft.outline.walk()) == ("总体要求" in plan)


@pytest.mark.parametrize(
    ("note", "lead", "units", "assist", "deadline"),
    [
        ("（牵头处室：法规处；责任处室：综合处、政策处；完成时间节点：2024年9月）", ["法规处"], ["综合处", "政策处"],
         [], "2024年9月"),
        ("（责任主体：各街镇；时间安排：每季度）", [], ["各街镇"], [], "每季度"),
        ("（落实单位：区教育局，配合部门：区财政局，截止时间：6月30日）", [], ["区教育局"], ["区财政局"], "6月30日"),
        # Units alone in brackets that close the item.
        ("（区发展改革委、区财政局）", [], ["区发展改革委", "区财政局"], [], ""),
        # Units in 【】 before or after the text.
        ("【区发展改革委、区财政局】", [], ["区发展改革委", "区财政局"], [], ""),
        ("【区财政局牵头，各部门配合】", ["区财政局"], [], ["各部门"], ""),
        # Two notes side by side, each read on its own.
        ("（区司法局牵头，各部门配合）（完成时限：6月底前）", ["区司法局"], [], ["各部门"], "6月底前"),
    ],
)
def test_note_labels_of_other_provinces(note, lead, units, assist, deadline):
    text, roles = extract_unit_notes("做好公开工作。" + note)
    assert text == "做好公开工作。"
    assert (roles.lead, roles.units, roles.assist, roles.deadline) == (lead, units, assist, deadline)


@pytest.mark.parametrize(
    ("text", "requirements"),
    [
        ("主要做好以下工作：（1）扩大解读范围，凡是政策文件均要解读；（2）提升解读质量；（3）丰富解读形式。",
         ["主要做好以下工作：扩大解读范围，凡是政策文件均要解读。", "提升解读质量。", "丰富解读形式。"]),
        ("①及时发布重要政策信息；②规范发布流程。", ["及时发布重要政策信息。", "规范发布流程。"]),
        ("1)建立台账；2)按月更新。", ["建立台账。", "按月更新。"]),
        # Not an enumeration: one number, or numbers out of order, or a bracketed quantity.
        ("按照（2）号文件要求做好公开。", ["按照（2）号文件要求做好公开。"]),
        ("做好两项工作：（2）加强培训；（1）做好公开。", ["做好两项工作：（2）加强培训；（1）做好公开。"]),
    ],
)
def test_inline_enumerations_split_like_clauses(text, requirements):
    assert split_requirements(text) == requirements


def test_an_enumeration_names_each_row_by_its_own_phrase():
    assert requirement_name("主要做好以下工作：扩大政策解读范围，凡是文件均要解读。", "段落标题") == "扩大政策解读范围"


_PIECES = ["区司法局", "各部门", "牵头", "配合", "负责", "责任单位", "完成时限", "牵头领导", "：", "；", "，", "、",
           "。", "（", "）", "【", "】", "\n", "一是", "二是", "（1）", "（2）", "①", "②", "1)", "2)", "6月底前",
           "做好公开", "要", "以下工作：", "相应", "本单位"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join))
def test_note_and_requirement_splitting_never_raise(text):
    remaining, roles = extract_unit_notes(text)
    assert "\n" not in remaining and isinstance(roles.deadline, str)
    segments = note_segments(text)
    assert segments and all(isinstance(s, str) for s in segments)
    assert all(isinstance(r, str) and r for r in split_requirements(remaining))


_PLAN_PIECES = _PIECES + ["2024年某区工作要点\n", "一、", "二、", "（一）", "（二）", "1.", "2.", "总体要求",
                          "\n", "\n", "区政府督查室", "（责任单位：区司法局）"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PLAN_PIECES), max_size=40).map("".join))
def test_any_plan_text_gives_rows_or_a_clear_error(text):
    import tempfile

    from addin.errors import FenJieError
    from addin.pipeline import draft_from_plan

    with tempfile.TemporaryDirectory() as folder:
        plan = Path(folder) / "要点.txt"
        plan.write_text(text or " ", encoding="utf-8")
        try:
            draft = draft_from_plan(plan)
        except FenJieError as error:
            assert str(error)
            return
        assert all(row.content and row.deadline for row in draft.rows)


PROVINCIAL_PLAN = Path(__file__).parent / "plans" / "省级政务公开工作要点_示例.txt"


def test_a_provincial_plan():
    from addin.pipeline import draft_from_plan

    draft = draft_from_plan(PROVINCIAL_PLAN)
    outline = draft.outline
    assert (outline.title, outline.issuer, outline.doc_number, outline.addressees) == (
        "2024年某某省政务公开工作要点", "某某省人民政府办公厅", "某政办发〔2024〕12号",
        "各市、县（区）人民政府，省政府各部门、各直属机构")
    assert [(r.section, r.name, r.content, r.lead, r.units, r.deadline) for r in draft.rows] == [
        ("（一）加强经济政策解读", "加强经济政策解读", "各地各部门要围绕扩大内需、优化营商环境等重点，做好政策解读。",
         [], ["各地", "各部门"], "全年"),
        ("（一）加强经济政策解读", "加强经济政策解读", "省发展改革委要及时发布宏观经济政策，6月底前完成政策库更新。",
         [], ["省发展改革委"], "6月底前"),
        ("（二）做好惠企政策直达", "推动惠企政策免申即享", "推动惠企政策免申即享。",
         ["省发展改革委", "省工业和信息化厅"], ["各市、县〔区〕人民政府"], "全年"),
        ("（二）做好惠企政策直达", "优化涉企服务专区", "优化涉企服务专区，年底前实现全覆盖。",
         [], ["省政务服务管理局"], "12月底前"),
        ("", "加强培训", "各市、县（区）人民政府和省政府各部门要每年至少组织一次政务公开培训。",
         [], ["各市、县（区）人民政府", "省政府各部门"], "全年"),
    ]
    assert draft.rows[-1].chapter == "二、强化政务公开工作保障", "a chapter with text of its own is its rows' 章节"


def test_a_plan_in_parts(tmp_path):
    from addin.pipeline import draft_from_plan

    plan = tmp_path / "方案.txt"
    plan.write_text("2024年某市营商环境优化提升行动方案\n第一部分 总体要求\n一、指导思想\n坚持以人民为中心。\n"
                    "二、工作目标\n到年底营商环境明显改善。\n第二部分 重点任务\n一、优化政务服务\n"
                    "1.推进一网通办。（市政务服务中心负责）\n2.压减审批时限。（市审改办负责）\n", encoding="utf-8")
    assert [(r.chapter, r.content, r.units) for r in draft_from_plan(plan).rows] == [
        ("一、优化政务服务", "推进一网通办。", ["市政务服务中心"]),
        ("一、优化政务服务", "压减审批时限。", ["市审改办"]),
    ]
