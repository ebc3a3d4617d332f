"""Deadline parsing: every corpus form and the common ones beyond it."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.deadlines import (
    DEFAULT_YEAR_END,
    DeadlineKind,
    deadline_for,
    find_deadline_text,
    note_deadline,
    parse_deadline,
)

FIXED, RECURRING, CONTINUOUS, RELATIVE, UNKNOWN = (
    DeadlineKind.FIXED, DeadlineKind.RECURRING, DeadlineKind.CONTINUOUS, DeadlineKind.RELATIVE,
    DeadlineKind.UNKNOWN)


@pytest.mark.parametrize(
    ("text", "display", "kind", "due"),
    [
        ("6月底前", "6月底前", FIXED, [date(2024, 6, 30)]),
        # A year written in the text wins over the plan year, and stays in the display.
        ("2025年3月", "2025年3月份", FIXED, [date(2025, 3, 31)]),
        ("2025年6月30日前", "2025年6月底前", FIXED, [date(2025, 6, 30)]),
        ("2024年6月30日前", "6月底前", FIXED, [date(2024, 6, 30)]),
        ("6 月底", "6月底前", FIXED, [date(2024, 6, 30)]),
        ("9月底", "9月底前", FIXED, [date(2024, 9, 30)]),
        ("于每年3月31日前", "3月底前", FIXED, [date(2024, 3, 31)]),
        ("12月15日止", "12月15日前", FIXED, [date(2024, 12, 15)]),
        ("三月底", "3月底前", FIXED, [date(2024, 3, 31)]),
        ("6月中旬", "6月中旬", FIXED, [date(2024, 6, 20)]),
        ("8月份", "8月份", FIXED, [date(2024, 8, 31)]),
        ("2024年9月—12月", "12月底前", FIXED, [date(2024, 12, 31)]),  # a range is due at its end
        ("9至12月", "12月底前", FIXED, [date(2024, 12, 31)]),
        ("8月", "8月份", FIXED, [date(2024, 8, 31)]),
        ("上半年", "上半年", FIXED, [date(2024, 6, 30)]),
        ("下半年", "下半年", FIXED, [date(2024, 12, 31)]),
        ("第三季度", "第三季度", FIXED, [date(2024, 9, 30)]),
        ("下一年第一季度", "次年第一季度", FIXED, [date(2025, 3, 31)]),
        ("年内", "12月底前", FIXED, [date(2024, 12, 31)]),
        ("年底前", "12月底前", FIXED, [date(2024, 12, 31)]),
        ("6月底 9月底", "6月底前、9月底前", FIXED, [date(2024, 6, 30), date(2024, 9, 30)]),
        ("4月底、9月底", "4月底前、9月底前", FIXED, [date(2024, 4, 30), date(2024, 9, 30)]),
        ("全年", "全年", CONTINUOUS, [date(2024, 12, 31)]),
        ("实时", "实时", CONTINUOUS, [date(2024, 12, 31)]),
        ("长期", "长期", CONTINUOUS, [date(2024, 12, 31)]),
        ("常态化", "常态化", CONTINUOUS, [date(2024, 12, 31)]),
        ("每季度", "每季度", RECURRING,
         [date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31)]),
        ("每半年一次", "每半年一次", RECURRING, [date(2024, 6, 30), date(2024, 12, 31)]),
        ("新规出台后 1 个月内", "新规出台后1个月内", RELATIVE, []),
        ("印发后30日内", "印发后30日内", RELATIVE, []),
        ("2月30日前", "2月30日前", UNKNOWN, []),
        ("待定", "待定", UNKNOWN, []),
        ("", "", UNKNOWN, []),
    ],
)
def test_parse(text, display, kind, due):
    deadline = parse_deadline(text, 2024)
    assert (deadline.display, deadline.kind, deadline.due) == (display, kind, due)
    assert deadline.ok is (kind is not UNKNOWN)


def test_monthly_has_twelve_month_ends():
    deadline = parse_deadline("每月", 2024)
    assert deadline.kind is RECURRING
    assert len(deadline.due) == 12 and deadline.due[1] == date(2024, 2, 29)


def test_relative_to_the_issue_date():
    assert parse_deadline("印发后30日内", 2021, issued=date(2021, 3, 17)).due == [date(2021, 4, 16)]


@pytest.mark.parametrize(
    ("sentence", "found", "display"),
    [
        ("各区政府要于每年3月31日前,确定并发布目录。", "于每年3月31日前", "3月底前"),
        ("集中在8月组织开展开放活动。", "在8月", "8月份"),
        ("年内至少出台1个标准。", "年内", "12月底前"),
        ("在本工作要点印发后30日内在本单位门户网站公开。", "印发后30日内", "印发后30日内"),
        ("开展12个月的试点。", "", "全年"),
        ("集中在全市政府开放月(8月)组织开展主题开放活动。", "8月", "8月份"),
        ("公开3月(含)以来的数据。", "", "全年"),
        ("做好2021年国民经济计划的公开。", "", "全年"),
    ],
)
def test_deadline_stated_in_text(sentence, found, display):
    assert find_deadline_text(sentence) == found
    assert deadline_for(sentence, 2021).display == display


@pytest.mark.parametrize(
    ("note", "display"),
    [("2024年12月", "12月底前"), ("6月", "6月底前"), ("2024年6月底前", "6月底前"), ("每季度", "每季度"),
     ("长期坚持", "长期"), ("8月份", "8月份")],
)
def test_a_note_deadline_of_a_bare_month_means_its_end(note, display):
    assert note_deadline(note, 2024).display == display


def test_default_is_configurable():
    assert deadline_for("做好公开。", 2024, default="11月底前").display == "11月底前"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60), st.integers(min_value=1900, max_value=2100))
def test_any_text_gives_a_deadline_never_an_exception(text, year):
    deadline = parse_deadline(text, year)
    assert deadline.kind in DeadlineKind
    assert all(isinstance(d, date) for d in deadline.due)
    assert isinstance(find_deadline_text(text), str)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["6", "12", "三", "月", "底", "前", "日", "31", "每", "季度", "后", "印发",
                                 "个", "内", "上半年", "年内", " ", "、", "号", "0", "99"]), max_size=12))
def test_deadline_like_fragments_never_raise(parts):
    text = "".join(parts)
    deadline = parse_deadline(text, 2024)
    assert deadline.ok or deadline.display == text.strip()


@pytest.mark.parametrize(
    ("sentence", "year_end", "display"),
    [("年内至少出台1个标准。", "11月底前", "11月底前"), ("年底前完成改造。", "11月底前", "11月底前"),
     ("年内至少出台1个标准。", DEFAULT_YEAR_END, "12月底前"),
     ("12月31日前完成改造。", "11月底前", "12月底前"),  # a stated date is no house style
     ("年内分两批，6月底前完成第一批。", "11月底前", "6月底前")],
)
def test_year_end_is_the_office_house_style(sentence, year_end, display):
    assert deadline_for(sentence, 2024, year_end=year_end).display == display


def test_decompose_year_end_option(corpus, tmp_path):
    import openpyxl

    from addin.cli import main

    out = tmp_path / "分解.xlsx"
    plan = corpus / "plans" / "shanghai_2021.txt"
    assert main(["decompose", str(plan), "-o", str(out), "--year-end", "11月底前"]) == 0
    rows = list(openpyxl.load_workbook(out)["任务分解"].values)
    header = rows[0]
    dated = [r for r in rows[1:] if "年内" in r[header.index("任务内容")] and "6月" not in r[header.index("任务内容")]]
    assert dated and {r[header.index("完成时限")] for r in dated} == {"11月底前"}
