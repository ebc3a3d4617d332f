"""Row heights that fit their text, since neither openpyxl nor Excel refits on open.

Excel measures column width in widths of the digit "0" of the default font; a CJK
character is about two of those, a Latin letter or digit about one. Each cell's
text is wrapped by that measure, and the row gets the height of its tallest cell.
"""

from __future__ import annotations

import functools
import math
import unicodedata

POINTS_PER_LINE = 1.35  # line height as a multiple of the font size
PADDING_POINTS = 4.0


def char_units(char: str) -> float:
    """Width of one character in units of the digit "0"."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2.0
    return 1.1 if char.isupper() else 1.0


class _Units(dict):
    """char → :func:`char_units`, filled as characters are met (a row's height looks at every character)."""

    def __missing__(self, char: str) -> float:
        self[char] = units = char_units(char)
        return units


_UNITS = _Units()


def wrapped_lines(text: str, width_units: float) -> int:
    """How many lines ``text`` takes in a wrapping cell ``width_units`` wide."""
    usable = max(width_units - 1.0, 1.0)  # cell margins
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += max(1, math.ceil(text_units(paragraph) / usable))
    return lines


@functools.lru_cache(maxsize=8192)
def text_units(text: str) -> float:
    """Width of ``text`` in units of the digit "0".

    Cached: a round fits the same task texts into every unit's form (a task goes to ~13
    units), and measuring character by character was a tenth of a form's time.
    """
    return sum(map(_UNITS.__getitem__, text))


def row_height(values: list[object], widths: list[float], font_size: float = 11.0, slack: bool = False) -> float:
    """Points needed to show every value of a row in columns of ``widths`` (wrapped).

    With ``slack``, a wrapped row gets one more line (half a line for one line of
    text): the estimate of where Excel, WPS or LibreOffice wrap is not exact, and
    a last line that touches the border (or hides under it) reads as cut off.
    """
    scale = font_size / 11.0  # widths are measured at the 11 pt default font
    lines = max(
        (wrapped_lines(v, w / scale) for v, w in zip(values, widths, strict=False) if v not in (None, "")),
        default=1,
    )
    extra = (1.0 if lines > 1 else 0.5) if slack else 0.0
    return round((lines + extra) * font_size * POINTS_PER_LINE + PADDING_POINTS, 1)
