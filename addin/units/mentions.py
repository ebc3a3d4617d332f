"""Unit names inside running text: directory names, group expressions, generic names.

Used to read a sentence's subject ("各区政府、市政府各部门要…") and to split unit
cells and addressee lines whose separators also occur inside names
("市政府各委、办、局").
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..plan.hanzi import simplified
from .directory import UnitDirectory

# Group expressions every plan uses, with or without a directory; province, city,
# county, town and street levels alike ("各市、县（区）人民政府", "省政府各部门").
_LEVEL = r"(?:省|市|区|县|镇|乡)"
GROUP_PATTERN = (
    r"各区(?:人民)?政府|各(?:(?!各|部门|单位)[\u4e00-\u9fff、（）()]){1,10}?(?:人民政府|办事处)"
    rf"|{_LEVEL}政府各(?:委、办、局|委办局|部门|单位|直属机构)|{_LEVEL}政府(?:各|有关)?部门"
    rf"|{_LEVEL}政府其他部门|(?:镇机关|街道|街镇|机关)各(?:部门|科室|单位)|各(?:有关|相关)(?:部门|单位)|(?:有关|相关)(?:部门|单位)"
    r"|各(?:乡镇|镇|乡|街道)[（(](?:街道|镇|乡镇)[)）]"
    # A bracket is part of a group's name: 各镇（街）, 各县（市、区）政府（管委会）, 各街道（功能区）.
    r"|各[\u4e00-\u9fff]{1,4}[（(][\u4e00-\u9fff、]{1,6}[)）]"
    r"(?:[\u4e00-\u9fff]{0,4}?(?:人民政府|政府|管委会|办事处))?(?:[（(][\u4e00-\u9fff、]{1,8}[)）])?"
    r"|各(?:部门|单位|街镇|街道|乡镇|镇|委办局|事业单位|直属机构|直属单位|园区|村|居委会|区|地)"
)
# A unit name: an administrative level, a few characters, and an organ word.
UNIT_PATTERN = (
    rf"{_LEVEL}(?:人民)?政府(?![\u4e00-\u9fff]*?(?:办公厅|办公室|部门|督查室|研究室))"
    rf"|(?:{_LEVEL}|街道)(?:政府|委)?[\u4e00-\u9fff]{{0,9}}?"
    r"(?:办公厅|办公室|委员会|办事处|部门|分局|中心|督查室|研究室|局|委|厅|办|所|队|院|署|部)(?![局委办厅])"
    r"|街道办事处"
    # An office's own 科室 ("局综合科要…", "委办公室负责…"): a bureau word, a name, a section word.
    r"|(?<![\u4e00-\u9fff])(?:局|委|办|院|中心)[\u4e00-\u9fff]{1,6}?(?:科|股|处|室)(?![\u4e00-\u9fff]{0,1}[长员])"
)
_SUBJECT_VERB = re.compile(
    r"^\s*(?:和|及|、|，|,)?\s*(?:要|应当|应|须|必须|需|负责|牵头|会同|可|可以|继续|进一步|根据|结合|在|对|于|将|按照)"
)
_MODAL = re.compile(r"^\s*(?:要|应当|应|须|必须|负责|牵头)")
_CLAUSE_BREAK = re.compile(r"[，,。；;：:！？]")


# "教育、卫生健康、公共交通等行业" / "税务、就业领域的" before a generic 主管部门: the
# fields name the units (each field's owner in the directory).
_FIELD_LIST = re.compile(r"((?:[\u4e00-\u9fff]{2,8}[、和及])*[\u4e00-\u9fff]{2,8}?)等?(?:行业|领域|方面|条线)的?")


class Mention(NamedTuple):
    """A unit named in a text."""

    start: int
    end: int
    name: str


def is_known_unit(directory: UnitDirectory, name: str) -> bool:
    """In the directory, or a group expression every plan uses (各部门, 有关单位)."""
    return directory.resolve(name) is not None or re.fullmatch(GROUP_PATTERN, name) is not None


def find_mentions(text: str, directory: UnitDirectory | None = None) -> list[Mention]:
    """Every unit mentioned in ``text``, leftmost-longest, not overlapping."""
    patterns = [re.escape(n) for n in (directory.names() if directory else [])]
    patterns += [GROUP_PATTERN, UNIT_PATTERN]
    found: list[Mention] = []
    taken = [False] * len(text)
    shadow = simplified(text)  # same offsets; the name is cut from the text as written
    for pattern in patterns:
        for match in re.finditer(pattern, shadow):
            span = range(match.start(), match.end())
            if match.end() > match.start() and not any(taken[i] for i in span):
                found.append(Mention(match.start(), match.end(), text[match.start():match.end()]))
                for i in span:
                    taken[i] = True
    return sorted(found)


def _lead_in(sentence: str, mention: Mention) -> str:
    """The text between the start of the mention's clause and the mention."""
    breaks = _CLAUSE_BREAK.finditer(sentence[: mention.start])
    return sentence[max((m.end() for m in breaks), default=0) : mention.start]


def subject_mentions(sentence: str, directory: UnitDirectory | None = None) -> list[Mention]:
    """The units a sentence makes responsible: its grammatical subject.

    A run of units opening a clause ("年内各区政府、市政府各部门要…", "市民政局和各区政府要…")
    or introduced by 由 ("由市政府办公厅会同…") is a subject; a unit named as an object
    ("指导各村(居)委会…") is not.
    """
    mentions = find_mentions(sentence, directory)
    sentence = simplified(sentence)  # the verbs read in simplified script (offsets unchanged)
    subjects: list[Mention] = []
    for i, mention in enumerate(mentions):
        lead_in = _lead_in(sentence, mention)
        chained = subjects and subjects[-1] == mentions[i - 1] and re.fullmatch(
            r"\s*(?:、|和|及|与|以及|，|,)\s*", sentence[mentions[i - 1].end : mention.start])
        opens = re.fullmatch(r"\s*(?:年内|今年|同时|此外|其中|并)?\s*", lead_in) is not None
        by_agent = lead_in.endswith("由")  # "…目录由市政府办公厅会同…确定"
        modal = _run_followed_by(sentence, mentions, i, _MODAL)  # "…的市政府牵头部门要…"
        if chained or by_agent or modal or (opens and _followed_by_verb(sentence, mentions, i)):
            subjects.append(mention)
    return subjects


def _run_end(sentence: str, mentions: list[Mention], i: int) -> int:
    """Where the run of units joined by 、/和/及 that starts at mention ``i`` ends."""
    end = mentions[i].end
    while i + 1 < len(mentions) and re.fullmatch(
        r"\s*(?:、|和|及|与|以及)\s*", sentence[end : mentions[i + 1].start]):
        i += 1
        end = mentions[i].end
    return end


def _run_followed_by(sentence: str, mentions: list[Mention], i: int, pattern: re.Pattern[str]) -> bool:
    return bool(pattern.match(sentence[_run_end(sentence, mentions, i):]))


def _followed_by_verb(sentence: str, mentions: list[Mention], i: int) -> bool:
    rest = sentence[_run_end(sentence, mentions, i):]
    # A unit opening a clause is its subject, unless it only qualifies a noun (…的网站).
    return not rest.startswith("的") or bool(_SUBJECT_VERB.match(rest))


def split_unit_expression(text: str, directory: UnitDirectory | None = None) -> list[str]:
    """Split a list of units where a plain split on 、 would cut a name in two.

    "各区人民政府,市政府各委、办、局" → ["各区人民政府", "市政府各委、办、局"]. A separator
    inside a bracket or inside a known name does not split ("各镇人民政府(街道办事处)");
    a piece that is several names joined by 和/及/与 is split ("区科委和区商务委").
    """
    mentions = find_mentions(text, directory)
    kept = [False] * len(text)
    for mention in mentions:
        kept[mention.start : mention.end] = [True] * (mention.end - mention.start)
    for bracket in _BRACKET.finditer(text):
        kept[bracket.start() : bracket.end()] = [True] * (bracket.end() - bracket.start())
    names, start = [], 0
    for i in [*(i for i, char in enumerate(text) if char in "、，,；;" and not kept[i]), len(text)]:
        names.extend(_piece_names(text, start, i, mentions))
        start = i + 1
    return names


_BRACKET = re.compile(r"[（(][^（）()]*[)）]")


def _piece_names(text: str, start: int, end: int, mentions: list[Mention]) -> list[str]:
    """The names of one separated piece: its mentions when only 和/及/与 join them, else the piece."""
    inside = [m for m in mentions if start <= m.start and m.end <= end]
    rest = list(text[start:end])
    for mention in inside:
        rest[mention.start - start : mention.end - start] = [""] * (mention.end - mention.start)
    if inside and re.fullmatch(r"[\s和及与以]*", "".join(rest)):
        return [m.name for m in inside]
    piece = text[start:end].strip(" \t和及与：:。")
    return [piece] if piece else []


def field_list(sentence: str, mention: Mention) -> list[str]:
    """The fields of work that qualify a generic unit ("教育、卫生等行业市级主管部门").

    Returns:
        The field names, or [] when the mention has no such list right before it.
    """
    match = _FIELD_LIST.fullmatch(_lead_in(sentence, mention).strip())
    return re.split(r"[、和及]", match.group(1)) if match else []


def qualified_name(sentence: str, mention: Mention, directory: UnitDirectory | None = None) -> str:
    """A generic unit with the qualifier that says which one it is.

    "16项民心工程的市政府牵头部门要…" → "16项民心工程的市政府牵头部门": 市政府牵头部门
    alone names no one. Directory units and group expressions stand as they are.
    """
    if (directory and directory.resolve(mention.name)) or re.fullmatch(GROUP_PATTERN, mention.name):
        return mention.name
    lead_in = _lead_in(sentence, mention).strip()
    qualifier = re.fullmatch(r"[^、和及与]{2,20}的", lead_in)
    return lead_in + mention.name if qualifier else mention.name
