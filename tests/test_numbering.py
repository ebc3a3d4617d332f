"""Word numbering formats rendered as Word shows them."""

from __future__ import annotations

import pytest

from addin.plan.numbering import chinese_number, format_number


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (99, "九十九"),
     (100, "一百"), (101, "一百零一"), (110, "一百一十"), (999, "九百九十九")],
)
def test_chinese_counting(n, text):
    assert chinese_number(n) == text


@pytest.mark.parametrize(
    ("n", "fmt", "text"),
    [(3, "decimal", "3"), (3, "chineseCounting", "三"), (12, "chineseCountingThousand", "十二"),
     (2, "chineseLegalSimplified", "贰"), (1, "decimalEnclosedCircle", "①"),
     (20, "decimalEnclosedCircle", "⑳"), (2, "ideographTraditional", "乙"), (4, "upperRoman", "IV"),
     (28, "upperLetter", "BB"), (3, "lowerLetter", "c"), (7, "decimalFullWidth", "７"),
     (5, "decimalZero", "05"), (1, "bullet", "")],
)
def test_formats(n, fmt, text):
    assert format_number(n, fmt) == text
