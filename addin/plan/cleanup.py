"""Repair the artefacts of text taken from PDFs and web pages.

Real plans arrive with sentences broken by page breaks, spaces inside wrapped
words ("有关 工作办法", "2021 年"), unit notes on a line of their own and blank
lines everywhere (see shared/corpus/raw). This step turns raw lines into the
paragraphs a person would see.
"""

from __future__ import annotations

import re
import unicodedata

from .markers import NOTE_LABEL_LINE, starts_outline_item
from .model import SourceLine

_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’《》"
_INNER_SPACE = re.compile(rf"(?<=[{_CJK}0-9%])[ \t\u00a0\u3000]+(?=[{_CJK}])|(?<=[{_CJK}])[ \t\u00a0\u3000]+(?=[0-9%])")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SENTENCE_END = tuple("。；;！!？?：:）)”」』】")
_CONTINUATION_START = tuple("，,。；;、：:）)”」』】%的之和与及或并等")
_NOTE_LINE = re.compile(r"^[（(]\s*(责任|牵头|配合|主责|协办|承办)[^（()）]*[)）]\s*[。.]?$")
_OPEN_END = tuple("，,、（(《“「")
_DOCUMENT_KINDS = re.compile(r"(通知|要点|方案|意见|计划|办法|规定|报告|清单|决定|函|文件)$")
_WRAP_WIDTH = 30  # a line this long that stops mid-sentence was wrapped, not ended


# Interpunct look-alikes (katakana middle dot, half-width katakana dot, bullet
# operator) typed by other input methods or fonts; Chinese text means "·".
_INTERPUNCT = str.maketrans({"\u30fb": "\u00b7", "\uff65": "\u00b7", "\u2219": "\u00b7"})


def normalize_text(text: str) -> str:
    """Fold invisible characters and the spaces that line wrapping leaves inside words."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text)).replace("\u00a0", " ")
    text = text.translate(_INTERPUNCT)
    return _INNER_SPACE.sub("", text.strip())


def _continues(previous: str, text: str) -> bool:
    if starts_outline_item(text) or NOTE_LABEL_LINE.match(text):
        return False  # a new item, or a 责任单位：/完成时限： line that annotates the one before
    if _NOTE_LINE.match(text) or text.startswith(_CONTINUATION_START):
        return True
    if previous.endswith(_OPEN_END):
        return True
    if "。" in previous and not previous.endswith(_SENTENCE_END):
        return True  # a sentence had begun after a full stop and was cut mid-way
    if "|" in previous or _DOCUMENT_KINDS.search(previous) or text.endswith(("：", ":")):
        return False  # a metadata row, a title, or the next line is an addressee line
    return len(previous) >= _WRAP_WIDTH and not previous.endswith(_SENTENCE_END)


def repair_paragraphs(lines: list[SourceLine]) -> list[SourceLine]:
    """Rejoin broken paragraphs; each result keeps the location of its first line."""
    repaired: list[SourceLine] = []
    for line in lines:
        text = normalize_text(line.text)
        if not text:
            continue
        if repaired and _continues(repaired[-1].text, text):
            first = repaired[-1]
            repaired[-1] = SourceLine(first.text + text, first.where, first.index)
        else:
            repaired.append(SourceLine(text, line.where, len(repaired)))
    return repaired
