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
