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
# A page mark left between the lines of a printed page ("— 2 —", "- 3 -", "第4页").
_PAGE_MARK = re.compile(r"^[\s\-—–－·]*(?:第\s*)?\d{1,4}(?:\s*页)?[\s\-—–－·]*$")
# Mirror sites add the pinyin of rare characters after them: "經(jīng)開區(qū)".
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN = re.compile(rf"(?<=[\u4e00-\u9fff])[(（](?=[a-zü]*[{_TONED}])[a-zü{_TONED}]{{1,8}}[)）]")
# A web page flattened to one line keeps its paragraphs apart with spaces only:
# "…制定本工作要点。 一、总体要求 2022年是… (一)强化… 1、数字经济…".
_CN_NUMBER = "[一二三四五六七八九十]{1,3}"
_FLATTENED_BREAK = re.compile(rf"[ \t\u3000\u00a0]+(?=(?:{_CN_NUMBER}、|[（(]{_CN_NUMBER}[)）]"
                              r"|[0-9]{1,2}[、．.](?![0-9])|[（(][0-9]{1,2}[)）]))")
_FLAT_HEADING = re.compile(rf"^((?:{_CN_NUMBER}、|[（(]{_CN_NUMBER}[)）])[^\s，,。；;：:]{{2,30}})"
                           r"[ \t\u3000\u00a0]+(\S.*)$")
_FLATTENED_MIN = 200  # only a line this long is a flattened page, not a sentence with a stray space


# Interpunct look-alikes (katakana middle dot, half-width katakana dot, bullet
# operator) typed by other input methods or fonts; Chinese text means "·".
_INTERPUNCT = str.maketrans({"\u30fb": "\u00b7", "\uff65": "\u00b7", "\u2219": "\u00b7"})


def normalize_text(text: str) -> str:
    """Fold invisible characters and the spaces that line wrapping leaves inside words."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text)).replace("\u00a0", " ")
    text = _PINYIN.sub("", text.translate(_INTERPUNCT))
    return _INNER_SPACE.sub("", text.strip())


def _unflatten(lines: list[SourceLine]) -> list[SourceLine]:
    """A flattened web page's one long line split back into its numbered paragraphs."""
    result = []
    for line in lines:
        pieces = _FLATTENED_BREAK.split(line.text) if len(line.text) >= _FLATTENED_MIN else []
        if len(pieces) > 2:  # two numbers or more after spaces: paragraphs, not a stray space
            for piece in pieces:  # "一、总体要求 2022年是…": a heading, then its paragraph
                heading = _FLAT_HEADING.match(piece)
                parts = heading.groups() if heading else (piece,)
                result.extend(SourceLine(part, line.where, line.index) for part in parts)
        else:
            result.append(line)
    return result


def _wrap_width(lines: list[str]) -> int:
    """The width at which this document's lines were wrapped (a PDF copied line by line).

    Most plans have a paragraph per line and keep :data:`_WRAP_WIDTH`; a printed page
    copied line by line has most lines of one length (28 characters on A4), and a
    line near that length that stops mid-sentence was wrapped.
    """
    lengths = sorted(len(text) for text in lines if len(text) >= 15)
    if len(lengths) < 8:
        return _WRAP_WIDTH
    typical = lengths[len(lengths) * 3 // 4]
    return min(_WRAP_WIDTH, int(typical * 0.8))


def _continues(previous: str, text: str, width: int = _WRAP_WIDTH) -> bool:
    if starts_outline_item(text) or NOTE_LABEL_LINE.match(text):
        return False  # a new item, or a 责任单位：/完成时限： line that annotates the one before
    if not re.search(r"[\u4e00-\u9fff]", previous[-8:]):
        return False  # a web address or a Latin metadata line, not a wrapped Chinese sentence
    if _NOTE_LINE.match(text) or text.startswith(_CONTINUATION_START):
        return True
    if previous.endswith(_OPEN_END):
        return True
    if "。" in previous and not previous.endswith(_SENTENCE_END):
        return True  # a sentence had begun after a full stop and was cut mid-way
    if "|" in previous or _DOCUMENT_KINDS.search(previous) or text.endswith(("：", ":")):
        return False  # a metadata row, a title, or the next line is an addressee line
    return len(previous) >= width and not previous.endswith(_SENTENCE_END)


def repair_paragraphs(lines: list[SourceLine]) -> list[SourceLine]:
    """Rejoin broken paragraphs; each result keeps the location of its first line."""
    repaired: list[SourceLine] = []
    lines = _unflatten(lines)
    width = _wrap_width([normalize_text(line.text) for line in lines])
    for line in lines:
        text = normalize_text(line.text)
        if not text or _PAGE_MARK.match(text):
            continue
        if repaired and _continues(repaired[-1].text, text, width):
            first = repaired[-1]
            repaired[-1] = SourceLine(first.text + text, first.where, first.index)
        else:
            repaired.append(SourceLine(text, line.where, len(repaired)))
    return repaired
