"""Outline markers of Chinese official documents: 一、 （一） 1. （1） ①.

Tolerant of half/full-width punctuation and stray spaces, since plans arrive
from Word, PDF and web pages typed by different hands.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_CN = "一二三四五六七八九十百零〇"

# Kinds in their customary order of depth; the outline assigns real depths by
# first appearance, so a plan that skips a kind still nests correctly.
MARKER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^\s*(第[{_CN}]+部分)\s*[、，,:：.．]?\s*")),
    ("chapter", re.compile(rf"^\s*([{_CN}]+)\s*(?:、|[．.，,](?!\d))\s*")),  # "一、2024年目标", not "一.5"
    ("section", re.compile(rf"^\s*[（(]\s*([{_CN}]+)\s*[)）]\s*[、.．]?\s*")),
    ("item", re.compile(r"^\s*([0-9０-９]{1,3})\s*(?:[.．、](?![0-9０-９])|[)）]\s*)\s*")),
    ("subitem", re.compile(r"^\s*[（(]\s*([0-9０-９]{1,3})\s*[)）]\s*[、.．]?\s*")),
    ("circled", re.compile(r"^\s*([\u2460-\u2473])\s*[、.．]?\s*")),
)


class Marker(NamedTuple):
    """An outline marker found at the start of a paragraph."""

    kind: str
    label: str  # the number as written: 一, 3, ①
    rest: str  # the paragraph text after the marker


def find_marker(text: str) -> Marker | None:
    """Return the outline marker that starts ``text``, if any."""
    for kind, pattern in MARKER_PATTERNS:
        match = pattern.match(text)
        if match and match.end() < len(text.rstrip()) + 1:
            return Marker(kind, match.group(1), text[match.end():])
    return None


def starts_outline_item(text: str) -> bool:
    """True when ``text`` opens a new outline item (and so a new paragraph)."""
    return find_marker(text) is not None


# The labels of a note that says who does an item and by when (责任单位：…, 完成时限：…).
# Part of a plan's layout: a line that starts with one annotates the item before it.
UNIT_LABEL = (r"(?:主要|其他)?(?:牵头责任|配合责任|主体责任|协作|协同|牵头|主责|责任|负责|承办|主办|落实|实施|配合|协办"
              r"|协助|参与)(?:单位|部门|处室|科室|股室|主体)")
# Longest first: "完成时间节点" must not stop at "完成时间".
DEADLINE_LABEL = (r"完成时间节点|完成时限|完成时间|完成期限|办结时限|截止时间|时间节点|时间要求|时间安排|时限要求"
                  r"|进度要求|时限")
LEADER_LABEL = r"(?:牵头|责任|分管|联系|包干)(?:区|市|县|镇)?领导|责任人|联系人"
NOTE_LABEL_LINE = re.compile(rf"^\s*[【\[]?\s*(?:{UNIT_LABEL}|{DEADLINE_LABEL}|{LEADER_LABEL})\s*[:：】\]]")
