"""Chinese typography of output text (GB/T 15834): full-width punctuation between Chinese text.

Plans pasted from web pages and PDFs keep half-width commas, colons and
parentheses ("政府网站引用或登载行政法规,要对照…"). Official text uses the
full-width marks. :func:`chinese_punctuation` folds a half-width mark to its
full-width form where it touches Chinese text, and leaves numbers (1,000 /
10:30 / 3.5), dates, URLs and English alone. It is applied where outputs are
written (formatted workbooks, working sheet task rows, mail); the plan's own
text in 上级要点 is kept as it was.

Hand-written because no maintained library does this narrow job (opencc and
zhon convert scripts or list characters; none folds punctuation by context).
"""

from __future__ import annotations

import functools
import re

# Chinese characters, and the full-width marks that continue Chinese text.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CHINESE = rf"[{_HAN}\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\u201c\u201d\u2018\u2019]"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_URL = re.compile(r"(?:https?|ftp)://[^\s\u3000-\u303f\uff01-\uff60\u4e00-\u9fff]+|www\.[A-Za-z0-9./_\-?=&%]+"
                  r"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# , ; : ? ! with Chinese on the left, or Chinese on the right (spaces between are dropped).
_MARK = re.compile(rf"(?<={_CHINESE})[ \t]*([,;:?!])[ \t]*|[ \t]*([,;:?!])[ \t]*(?={_CHINESE})")
# A full stop ends a Chinese sentence: after Chinese text, at the end or before more Chinese.
_STOP = re.compile(rf"(?<={_CHINESE})\.(?=$|\s|{_CHINESE})")
# Parentheses and straight quotes: a pair whose content is or touches Chinese text.
_PAREN = re.compile(r"\(([^()\n]*)\)")
_QUOTE = re.compile(r"\"([^\"\n]*)\"")
_HAS_CHINESE = re.compile(f"[{_HAN}]")


def chinese_punctuation(text: str) -> str:
    """``text`` with full-width ，。；：？！（）“” wherever the half-width mark sits in Chinese text.

    Numbers ("1,000", "10:30", "3.5"), URLs, e-mail addresses and English
    ("Excel (xlsx), Word") are left as they are.

    Examples:
        >>> chinese_punctuation('政府网站引用或登载行政法规,要对照(国务院)"标准文本".')
        '政府网站引用或登载行政法规，要对照（国务院）“标准文本”。'
        >>> chinese_punctuation("网址:https://www.gov.cn/a,b 共1,000项")
        '网址：https://www.gov.cn/a,b 共1,000项'
    """
    if not isinstance(text, str) or not _HAS_CHINESE.search(text):
        return text
    kept: list[str] = []

    def hold(match: re.Match[str]) -> str:  # URLs are set aside while the marks are folded
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _URL.sub(hold, text)
    text = _PAREN.sub(_paren, text)
    text = _QUOTE.sub(lambda m: f"“{m.group(1)}”" if _HAS_CHINESE.search(m.group(1)) else m.group(0), text)
    text = _MARK.sub(lambda m: _HALF_TO_FULL[m.group(1) or m.group(2)], text)
    text = _STOP.sub("。", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


def _paren(match: re.Match[str]) -> str:
    before = match.string[match.start() - 1] if match.start() else ""
    if _HAS_CHINESE.search(match.group(1) + before):  # "（一）", "政府(管委会)", "年度(2024)"; not "Word (docx)"
        return f"（{match.group(1)}）"
    return match.group(0)


def typeset(value: object) -> object:
    """:func:`chinese_punctuation` of a cell value; numbers and dates pass through."""
    return _typeset_text(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=8192)
def _typeset_text(text: str) -> str:
    # a round's forms typeset the same task texts once per unit that receives them
    return chinese_punctuation(text)
