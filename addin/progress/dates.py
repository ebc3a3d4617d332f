"""完成日期 as units write it: every form read or flagged, never silently blank.

Handled: a date cell; an Excel serial number in a General cell; 2024-06-30,
2024/6/30, 2024.6.30, 20240630, 2024年6月30日; 6月30日 (the plan's year); 30/06/2024
and 06/30/2024 when the day is unambiguous; 二〇二四年六月三十日. A date that does
not exist (2024.6.31), an error value (#REF!) or any other text is returned with
the problem, so merge can report it as 填写有误 and keep the text.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (20000, 80000)  # 1954–2119: a serial outside is no date a unit meant


def _chinese_number(text: str) -> int | None:
    """二〇二四 → 2024 (digit by digit); 三十一 → 31; 十二 → 12."""
    if not text or any(c not in _DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return int("".join(str(_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def _normalise(text: str) -> str:
    """Chinese numerals and full-width digits as ASCII digits, around 年/月/日."""
    text = text.translate(str.maketrans("０１２３４５６７８９／－．", "0123456789/-."))

    def convert(match: re.Match[str]) -> str:
        number = _chinese_number(match.group(1))
        return f"{number}{match.group(2)}" if number is not None else match.group(0)

    return re.sub(r"([〇零○Ｏ一二三四五六七八九十]+)([年月日号])", convert, text)


def _build(year: int, month: int, day: int, typed: str) -> tuple[date | None, str]:
    try:
        return date(year, month, day), ""
    except ValueError:
        return None, f"完成日期“{typed}”不是有效日期"


def read_date(value: object, year: int | None = None) -> tuple[date | None, str]:
    """(date, problem) for a 完成日期 cell; (None, "") for a blank cell.

    Args:
        value: The cell value as read (date, number or text).
        year: The year of a date written without one (6月30日): the plan's year.
    """
    if isinstance(value, datetime):
        return value.date(), ""
    if isinstance(value, date):
        return value, ""
    if isinstance(value, bool):
        return None, f"完成日期“{value}”不是日期"
    if isinstance(value, int | float):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + timedelta(days=int(value)), ""
        return None, f"完成日期“{value:g}”不是日期"
    typed = str(value or "").strip()
    if not typed:
        return None, ""
    if typed.startswith("#"):
        return None, f"完成日期单元格是错误值“{typed}”"
    return _read_text(typed, year)


def _read_text(typed: str, year: int | None) -> tuple[date | None, str]:
    text = re.sub(r"\s+", "", _normalise(typed))
    found = re.fullmatch(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?(?:\d{1,2}:\d{2}(?::\d{2})?)?",
                         text) or re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})", text)
    if found:
        return _build(*(int(g) for g in found.groups()), typed)
    found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})", text)
    if found:
        first, second, full_year = (int(g) for g in found.groups())
        if first > 12 >= second:
            return _build(full_year, second, first, typed)
        if second > 12 >= first:
            return _build(full_year, first, second, typed)
        if first == second:
            return _build(full_year, first, second, typed)
        return None, f"完成日期“{typed}”日月顺序不明，请写成 {full_year}-mm-dd"
    found = re.fullmatch(r"(\d{1,2})[月.-](\d{1,2})[日号]?", text)
    if found and year:
        return _build(year, int(found.group(1)), int(found.group(2)), typed)
    return None, f"完成日期“{typed}”无法识别，请写成 2024-06-30"


# How a date reads on paper in an office (2024年9月30日, not 2024-09-30); as a cell's number
# format the cell keeps a real date, so sorting and filtering by it still work.
CHINESE_DATE_FORMAT = 'yyyy"年"m"月"d"日"'


def chinese_date(day: date) -> str:
    """``day`` as an office writes it in text: 2024年9月30日."""
    return f"{day.year}年{day.month}月{day.day}日"
