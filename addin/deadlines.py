"""Step 5 of the flow: deadlines (完成时限) — find, normalize, and date them.

Every form the corpus shows and the common ones beyond it: X月底前, X月X日前/止,
上半年/下半年, 第X季度, 年内/年底前/全年, 每季度/每月/每半年一次 (recurring), 实时/
长期/持续/常态化 (continuous), 8月份, several milestones in one cell (6月底 9月底),
and relative ones (新规出台后1个月内, 印发后30日内). Text that is none of these is
kept as written with kind ``unknown`` — never dropped, never guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

from .plan.cleanup import normalize_text

_CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
               "十": 10, "十一": 11, "十二": 12, "两": 2}
DEFAULT_DEADLINE = "全年"
DEFAULT_YEAR_END = "12月底前"  # what a requirement due "年内"/"年底前" is written as


class DeadlineKind(str, Enum):
    """What sort of time limit a deadline is."""

    FIXED = "fixed"  # one or more dates in the plan year
    RECURRING = "recurring"  # one milestone per period (每季度)
    CONTINUOUS = "continuous"  # 全年, 实时, 长期: ongoing until the year ends
    RELATIVE = "relative"  # counted from an event (印发后30日内)
    UNKNOWN = "unknown"  # kept as written, reported


KIND_NAMES = {DeadlineKind.FIXED: "定期", DeadlineKind.RECURRING: "周期",
              DeadlineKind.CONTINUOUS: "持续", DeadlineKind.RELATIVE: "相对",
              DeadlineKind.UNKNOWN: "无法识别"}


@dataclass
class Deadline:
    """A normalized deadline.

    Attributes:
        text: As written in the source.
        display: House style (6月底前, 上半年, 每季度, 6月底前、9月底前, …).
        kind: See :class:`DeadlineKind`.
        due: Due dates in the plan year (several for recurring or multi-milestone ones).
    """

    text: str
    display: str
    kind: DeadlineKind
    due: list[date] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the deadline was understood."""
        return self.kind is not DeadlineKind.UNKNOWN


def _number(token: str) -> int | None:
    token = token.strip()
    if token.isdigit():
        return int(token)
    return _CN_NUMBERS.get(token)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


_MONTH = r"(\d{1,2}|十[一二]?|[一二三四五六七八九])"
_MILESTONE = re.compile(
    rf"(?:(次年|下一?年|明年)|(?:每年|本年|今年|当年|((?:19|20)\d\d)\s*年)?)\s*{_MONTH}\s*月\s*"
    r"(?:(\d{1,2})\s*[日号]|(底|末)|(上旬|中旬|下旬)|(份))?\s*(?:前|之前|以前|止|为止|完成)?"
)
_HALF = re.compile(r"(上|下)半年")
_QUARTER = re.compile(r"(次年|下一?年|明年)?第?\s*([一二三四1-4])\s*季度")
_RECURRING = {"每月": 12, "每季度": 4, "每季": 4, "每半年": 2, "每年": 1}
_CONTINUOUS = ("全年", "实时", "长期", "持续", "常态化", "日常", "随时")
_YEAR_END = re.compile(r"年底前?|年末前?|年内|年度内|本年度")
_RELATIVE = re.compile(
    r"([\u4e00-\u9fff]{0,12}?(?:印发|出台|发布|公布|收到|受理|生效|实施|批准|通过|召开|结束|完成|办结))"
    r"\s*(?:之)?后\s*(\d{1,3}|[一二三四五六七八九十]{1,3})\s*(个)?\s*(工作日|日|天|周|个?月)\s*内?"
)


def _milestone(match: re.Match, year: int) -> tuple[str, date] | None:
    next_year, stated_year, month_token, day, end, part, _month_word = match.groups()
    month = _number(month_token)
    if month is None or not 1 <= month <= 12:
        return None
    prefix = "次年" if next_year else ""
    if stated_year and int(stated_year) != year:
        # "2026年3月" in a 2025 plan is due in 2026: the written year wins, and is shown.
        year, prefix = int(stated_year), f"{stated_year}年"
    elif next_year:
        year += 1
    if day:
        day_number = int(day)
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day_number <= last:
            return None
        if day_number == last:
            return f"{prefix}{month}月底前", date(year, month, last)
        return f"{prefix}{month}月{day_number}日前", date(year, month, day_number)
    if part:
        days = {"上旬": 10, "中旬": 20}.get(part)
        due = date(year, month, days) if days else _month_end(year, month)
        return f"{prefix}{month}月{part}", due
    if end or re.search(r"(前|之前|以前|止|为止|完成)$", match.group(0)):
        return f"{prefix}{month}月底前", _month_end(year, month)
    return f"{prefix}{month}月份", _month_end(year, month)


def _recurring(text: str, year: int) -> Deadline | None:
    for word, per_year in _RECURRING.items():
        if word in text and (word != "每年" or "一次" in text):
            step = 12 // per_year
            due = [_month_end(year, month) for month in range(step, 13, step)]
            display = {"每半年": "每半年一次", "每季": "每季度", "每年": "每年一次"}.get(word, word)
            return Deadline(text, display, DeadlineKind.RECURRING, due)
    return None


def _relative(text: str, issued: date | None) -> Deadline | None:
    match = _RELATIVE.search(text)
    if not match:
        return None
    event, amount_token, _, unit = match.groups()
    amount = _number(amount_token) if not amount_token.isdigit() else int(amount_token)
    unit = "个月" if "月" in unit else unit
    display = f"{event}后{amount}{unit}内"
    due = []
    if issued and amount and re.search(r"印发|发布|公布", event):
        days = {"工作日": amount * 7 // 5, "日": amount, "天": amount, "周": amount * 7}.get(unit, amount * 30)
        due = [issued + timedelta(days=days)]
    return Deadline(text, display, DeadlineKind.RELATIVE, due)


# "9月—12月", "9至12月": the work runs through the range and is due at its end.
_MONTH_RANGE = re.compile(r"(?<!\d)\d{1,2}月?份?(?:[—–－\-~～至到]+)(\d{1,2})月(?:底|末)?(?:前|份)?")


def parse_deadline(text: str, year: int, issued: date | None = None) -> Deadline:
    """Normalize a deadline cell or phrase for plan year ``year``.

    Args:
        text: The deadline as written ("6 月底", "每季度", "新规出台后 1 个月内").
        year: The plan year; due dates fall in it (次年… in the next).
        issued: The plan's issue date, to date "印发后30日内".

    Returns:
        A :class:`Deadline`; one of kind ``UNKNOWN`` keeps the text as written.
    """
    raw = text if isinstance(text, str) else str(text)
    clean = _MONTH_RANGE.sub(r"\1月底前", re.sub(r"\s+", "", normalize_text(raw)))
    if not clean:
        return Deadline(raw, "", DeadlineKind.UNKNOWN)
    for finder in (lambda: _relative(clean, issued), lambda: _recurring(clean, year)):
        found = finder()
        if found:
            return found
    fixed = _fixed(clean, year)
    if fixed:
        return Deadline(raw, "、".join(d for d, _ in fixed), DeadlineKind.FIXED, [due for _, due in fixed])
    if any(word in clean for word in _CONTINUOUS):
        word = next(w for w in _CONTINUOUS if w in clean)
        return Deadline(raw, word, DeadlineKind.CONTINUOUS, [date(year, 12, 31)])
    return Deadline(raw, raw.strip(), DeadlineKind.UNKNOWN)


def _fixed(clean: str, year: int) -> list[tuple[str, date]]:
    milestones: list[tuple[str, date]] = []
    for match in _MILESTONE.finditer(clean):
        found = _milestone(match, year)
        if found and found not in milestones:
            milestones.append(found)
    for match in _QUARTER.finditer(clean):
        quarter_year = year + 1 if match.group(1) else year
        quarter = _number(match.group(2))
        prefix = "次年" if match.group(1) else ""
        names = "一二三四"
        milestones.append((f"{prefix}第{names[quarter - 1]}季度", _month_end(quarter_year, quarter * 3)))
    for match in _HALF.finditer(clean):
        month = 6 if match.group(1) == "上" else 12
        milestones.append((f"{match.group(1)}半年", _month_end(year, month)))
    if not milestones and _YEAR_END.search(clean):
        milestones.append(("12月底前", date(year, 12, 31)))
    return sorted(milestones, key=lambda m: m[1])


# Phrases that state a deadline inside a requirement sentence.
_IN_TEXT = re.compile(
    r"(?:于|在|到|截至)?(?:每年|次年|下一?年|今年)?(?:\d{1,2}|十[一二]?|[一二三四五六七八九])月"
    r"(?:\d{1,2}[日号]|底|末|上旬|中旬|下旬|份)?(?:前|之前|以前|止|完成)?"
    r"|(?:上|下)半年|(?:次年|下一?年)?第?[一二三四]季度|年底前|年内|年末前"
    r"|每季度|每月|每半年|(?:印发|出台|发布|公布)(?:之)?后\s*\d{1,3}\s*个?(?:工作日|日|天|月)内"
)


def find_deadline_text(text: str) -> str:
    """The deadline phrases a requirement states, as written; "" when there is none."""
    phrases = []
    for match in _IN_TEXT.finditer(text):
        phrase = match.group(0)
        if re.fullmatch(r"(?:于|在|到)?\d{1,2}月", phrase) and not _month_is_time(text, match):
            continue  # "12个月", "3月份数据" — a month named without a time meaning
        if phrase not in phrases:
            phrases.append(phrase)
    return " ".join(phrases)


def _month_is_time(text: str, match: re.Match) -> bool:
    after = text[match.end() : match.end() + 6]
    before = text[max(0, match.start() - 2) : match.start()]
    glossed = re.search(r"[（(]$", before) and re.match(r"[)）]", after)  # "政府开放月(8月)"
    return bool(glossed or re.match(r"[集组开举启完确]", after) or re.search(r"[在于到至]$", before))


def note_deadline(text: str, year: int, issued: date | None = None) -> Deadline:
    """The deadline a 完成时限 field states; a bare month there ("2024年12月") means its end."""
    bare_month = re.fullmatch(r"\s*(?:\d{4}\s*年)?\s*(\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月\s*", text)
    return parse_deadline(f"{bare_month.group(1)}月底前" if bare_month else text, year, issued)


def deadline_for(requirement: str, year: int | None, default: str = DEFAULT_DEADLINE,
                 issued: date | None = None, year_end: str = DEFAULT_YEAR_END) -> Deadline:
    """The deadline of a requirement: the one it states, else ``default``.

    A requirement due only "年内"/"年底前" gets ``year_end``: many offices set such
    tasks to 11月底前 so the results are in before the year-end report.
    """
    stated = find_deadline_text(requirement)
    if stated and _YEAR_END.fullmatch(stated.strip()):
        stated = year_end
    plan_year = year or date.today().year
    if stated:
        found = parse_deadline(stated, plan_year, issued)
        if found.ok:
            return found
    return parse_deadline(default, plan_year, issued)
