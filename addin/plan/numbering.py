"""Render Word automatic list numbering (一、 （一） 1. ①) as Word displays it.

python-docx exposes the numbering part but not the numbers a reader sees, and many
official plans number their headings with numbering definitions rather than
literal text; without this the outline would be invisible. Implemented after
ECMA-376 Part 1, 17.9 (numbering) for the formats office documents use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docx.oxml.ns import qn

_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_ZODIAC = "子丑寅卯辰巳午未申酉戌亥"


def chinese_number(n: int, digits: str = _CN_DIGITS, ten: str = "十") -> str:
    """Chinese counting as Word's chineseCounting: 1→一, 10→十, 21→二十一, 105→一百零五."""
    if n <= 0 or n >= 1000:
        return str(n)
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return (ten if tens == 1 else digits[tens] + ten) + (digits[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    head = digits[hundreds] + "百"
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + digits[rest]
    tens, ones = divmod(rest, 10)
    return head + digits[tens] + ten + (digits[ones] if ones else "")


def _roman(n: int) -> str:
    values = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
              (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in values:
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letters(n: int) -> str:
    # Word repeats the letter: 27 → AA, 28 → BB.
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """Format counter ``n`` in the OOXML number format ``fmt``."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand"):
        return chinese_number(n)
    if fmt == "chineseLegalSimplified":
        return chinese_number(n, _CN_LEGAL, "拾")
    if fmt == "ideographTraditional":
        return _HEAVENLY_STEMS[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _ZODIAC[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("upperRoman", "lowerRoman"):
        return _roman(n) if fmt == "upperRoman" else _roman(n).lower()
    if fmt in ("upperLetter", "lowerLetter"):
        return _letters(n) if fmt == "upperLetter" else _letters(n).lower()
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # w:lvlRestart: 0 = never restart; n = after level n


@dataclass
class NumberingState:
    """Counters of every list seen so far in a document, in reading order."""

    abstract_levels: dict[str, dict[int, _Level]]
    num_to_abstract: dict[str, str]
    start_overrides: dict[tuple[str, int], int]
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    seen_nums: set[str] = field(default_factory=set)

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the counter of (num_id, ilvl) and return the rendered label."""
        abstract = self.num_to_abstract.get(num_id)
        levels = self.abstract_levels.get(abstract or "", {})
        if abstract is None or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract, {})
        self._apply_overrides(num_id, counters)
        counters[ilvl] = counters.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or ilvl + 1 <= restart:
                del counters[deeper]
        return self._render(levels, counters, ilvl)

    def _apply_overrides(self, num_id: str, counters: dict[int, int]) -> None:
        if num_id in self.seen_nums:
            return
        self.seen_nums.add(num_id)
        for (override_num, ilvl), start in self.start_overrides.items():
            if override_num == num_id:
                counters[ilvl] = start - 1

    @staticmethod
    def _render(levels: dict[int, _Level], counters: dict[int, int], ilvl: int) -> str:
        text = levels[ilvl].text
        if levels[ilvl].fmt == "bullet":
            return ""
        for k in range(ilvl, -1, -1):
            level = levels.get(k, _Level())
            value = counters.get(k, level.start)
            text = text.replace(f"%{k + 1}", format_number(value, level.fmt))
        return text


def _val(element, tag: str, default: str | None = None) -> str | None:
    child = element.find(qn(tag)) if element is not None else None
    return child.get(qn("w:val")) if child is not None else default


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def load_numbering(document) -> NumberingState:
    """Read the numbering definitions of a python-docx ``Document``."""
    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return NumberingState({}, {}, {})
    abstract_levels: dict[str, dict[int, _Level]] = {}
    for abstract in root.findall(qn("w:abstractNum")):
        levels = {}
        for lvl in abstract.findall(qn("w:lvl")):
            levels[int(lvl.get(qn("w:ilvl"), "0"))] = _Level(
                start=int(_val(lvl, "w:start", "1") or 1),
                fmt=_val(lvl, "w:numFmt", "decimal") or "decimal",
                text=_val(lvl, "w:lvlText", "") or "",
                restart=_int_or_none(_val(lvl, "w:lvlRestart")),
            )
        abstract_levels[abstract.get(qn("w:abstractNumId"))] = levels
    num_to_abstract, overrides = {}, {}
    for num in root.findall(qn("w:num")):
        num_id = num.get(qn("w:numId"))
        num_to_abstract[num_id] = _val(num, "w:abstractNumId")
        for override in num.findall(qn("w:lvlOverride")):
            start = _val(override, "w:startOverride")
            if start is not None:
                overrides[(num_id, int(override.get(qn("w:ilvl"), "0")))] = int(start)
    return NumberingState(abstract_levels, num_to_abstract, overrides)


def paragraph_numbering(paragraph) -> tuple[str, int] | None:
    """The (numId, ilvl) that applies to a paragraph, directly or through its style."""
    p_pr = paragraph._p.pPr
    num_pr = p_pr.numPr if p_pr is not None else None
    style = paragraph.style
    while num_pr is None and style is not None:
        style_p_pr = style.element.pPr
        num_pr = style_p_pr.numPr if style_p_pr is not None else None
        style = style.base_style
    if num_pr is None or num_pr.numId is None:
        return None
    num_id = str(num_pr.numId.val)
    ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
    return (None if num_id == "0" else (num_id, int(ilvl)))
