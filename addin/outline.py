"""Step 2 of the flow: read the outline of a plan (一、 （一） 1. （1） ①).

The outline knows the plan's title, year, issuer and document number, skips the
通知 preamble and the closing matter (落款, 抄送, 附件), and gives each numbered
paragraph its heading sentence, its body and a path such as ``二（一）3``.

A plan often arrives inside the 通知 that hands it over, with the notice's own
numbered requirements (一、二、三) before its signature and date: all of that is
metadata, and the plan starts at its own heading. The plan year comes from the
title, the document number, the issue date or the text, never from today.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from .errors import OutlineError
from .plan.hanzi import simplified
from .plan.markers import find_marker
from .plan.model import PlanText, SourceLine

_TITLE = re.compile(r"((?:19|20)\d{2})\s*年.{2,60}?(要点|方案|计划|意见|清单|安排|任务|报告)")
_NOTICE_TITLE = re.compile(r"关于印发.*?《?([^《》]{4,60}?(?:要点|方案|计划|意见|清单|安排))》?的?通知")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}\s*[〔\[［(（]\s*((?:19|20)\d{2})\s*[〕\]］)）]\s*\d{1,4}\s*号")
_DATE_LINE = re.compile(r"^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_ISSUER_LINE = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}(办公厅|办公室|人民政府|办事处|委员会|政府|局|街道)$")
_ATTACHMENT = re.compile(r"^附\s*件\s*\d*\s*[:：]?")
_CLOSING = re.compile(r"^(抄送|抄报|印发|主题词)\s*[:：]|^[（(]此件")
_ADDRESSEE_WORDS = re.compile(r"各|政府|部门|单位|局|委|办")
_DATE_PARTS = re.compile(r"^((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
# A date written in Chinese numerals, as under a notice typed in Word: 二〇二三年三月十五日.
_CN_DATE = re.compile(r"^\s*([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
                      r"\s*([一二三四五六七八九十]{1,3})\s*日\s*$")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}


def _cn_number(text: str) -> int:
    """一 → 1, 十 → 10, 十五 → 15, 二十 → 20, 三十一 → 31."""
    tens, _, units = text.partition("十")
    if "十" not in text:
        return _CN_DIGITS[text]
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _arabic_date(text: str) -> str:
    """"二〇二三年三月十五日" → "2023年3月15日"; any other text as it is."""
    match = _CN_DATE.match(text)
    if not match:
        return text
    try:
        year = "".join(str(_CN_DIGITS[c]) for c in match.group(1))
        return f"{year}年{_cn_number(match.group(2))}月{_cn_number(match.group(3))}日"
    except KeyError:  # "十十月": no date
        return text
# A 通知 that wraps the plan: its sentence that hands the plan over, and the 《…》 name in it.
_HANDOVER = re.compile(r"印发给你们|印发给你单位|现予印发|现印发|予以印发|认真(?:贯彻)?执行|遵照执行|请结合实际"
                       r"|请认真贯彻落实")
_BOOK_NAME = re.compile(r"《([^《》]{4,60})》")
# The kinds of document a plan is: the last word of its own heading.
_PLAN_KIND = re.compile(r"(?:要点|方案|计划|清单|分解表|安排|意见|措施|任务|细则|台账|任务书|规划)$")
_TITLE_MAX = 60
_TITLE_MIN = 6  # "任务" alone is a table's column title, not a plan's
_REMARK = re.compile(r"^[（(]此件[^）)]*[)）]")  # "（此件公开发布）" glued before the plan's heading
_YEAR_IN_TEXT = re.compile(r"((?:19|20)\d{2})\s*年")
_HEADING_MAX = 40  # a heading sentence is short; a longer first sentence is a requirement
_ALONE_HEADING_MAX = 60


@dataclass
class OutlineNode:
    """A numbered paragraph of the plan and what belongs under it.

    Attributes:
        kind: Marker kind (chapter, section, item, subitem, circled, part).
        label: The number as written (一, 3, ①).
        heading: The heading sentence without its full stop ("" when there is none).
        body: The paragraph's text after the heading, followed by any unnumbered
            paragraphs before the next numbered one (as separate entries).
        line: The source paragraph.
        path: Outline path such as ``二（一）3``.
    """

    kind: str
    label: str
    heading: str
    body: list[str]
    line: SourceLine
    path: str = ""
    depth: int = 0
    children: list[OutlineNode] = field(default_factory=list)
    body_on_marker_line: bool = False  # body[0] follows the heading on the numbered line

    @property
    def text(self) -> str:
        """The whole text of the node: body paragraphs joined."""
        return "".join(self.body)

    def walk(self) -> Iterator[OutlineNode]:
        """This node and all nodes below it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Outline:
    """A plan's outline and its document metadata."""

    title: str
    year: int | None
    issuer: str
    doc_number: str
    roots: list[OutlineNode]
    preamble: list[SourceLine] = field(default_factory=list)
    closing: list[SourceLine] = field(default_factory=list)
    addressees: str = ""  # the 通知's 主送 line: who the whole plan is addressed to
    issued: date | None = None
    intro: list[SourceLine] = field(default_factory=list)  # the plan's paragraphs before its first number

    def walk(self) -> Iterator[OutlineNode]:
        """Every node in document order."""
        for root in self.roots:
            yield from root.walk()


def split_heading(text: str, alone: bool = False) -> tuple[str, str]:
    """Split a paragraph into its heading sentence and the rest.

    "规范政务信息管理。政府网站…" → ("规范政务信息管理", "政府网站…"). A paragraph
    that is only a heading, like "一、进一步夯实政务公开工作基础", is all heading.
    """
    text = text.strip()
    end = text.find("。")
    if end == -1:
        alone_heading = alone or len(text) <= _ALONE_HEADING_MAX and not text.endswith(("；", ";"))
        return (text, "") if alone_heading and len(text) <= _ALONE_HEADING_MAX else ("", text)
    first, rest = text[:end], text[end + 1:].strip()
    if len(first) <= _HEADING_MAX and not re.search(r"[，,；;：:]", first) and rest:
        return first, rest
    return "", text


_PATH_STYLE = {"chapter": "{}", "section": "（{}）", "item": "{}", "subitem": "({})",
               "circled": "{}", "part": "{}"}


def _path(parent: OutlineNode | None, kind: str, label: str) -> str:
    own = _PATH_STYLE.get(kind, "{}").format(label)
    if parent is None:
        return own
    separator = "." if parent.kind == "item" and kind == "item" else ""
    return parent.path + separator + own


def _find_title(lines: list[SourceLine]) -> tuple[int, str]:
    """Index of the plan's own title line (the last line of a two-line title) and its text.

    A plan wrapped in a 通知 (addressees, its own 一、二、三 instructions, signature,
    date, 附件) starts at its own heading after the notice; the notice is metadata. The
    title is that heading, else the name in 《…》 or in "关于印发…的通知", never the
    notice's sentence that hands the plan over.
    """
    start = _plan_start(lines)
    if start is not None:
        return start
    best, own = (-1, ""), None
    for i, line in enumerate(lines):
        if _numbered(line.text):
            break
        own = _heading_at(lines, i) or own  # the last plan heading before the first number
        text = simplified(line.text)
        notice = _NOTICE_TITLE.search(text)
        handed = _BOOK_NAME.search(text) if _HANDOVER.search(text) else None
        if notice and not best[1]:
            best = (i, _original(line.text, notice, 1).strip("《》 "))
        elif handed and not best[1]:
            best = (i, _original(line.text, handed, 1))
        elif _TITLE.search(text) and len(line.text) <= 80 and "关于印发" not in text and not handed:
            best = own = (i, _clean_title(line.text))
    return own or best


def _original(text: str, match: re.Match[str], group: int) -> str:
    """A group of a match found in the simplified shadow of ``text``, as ``text`` writes it."""
    return text[match.start(group) : match.end(group)]


def _plan_start(lines: list[SourceLine]) -> tuple[int, str] | None:
    """The plan's own heading after the 通知 that hands it over, when there is such a notice.

    The notice is known by its hand-over sentence ("…现印发给你们，请认真贯彻执行") before
    any numbered paragraph;
    the plan's heading is the first short line ending in a plan kind (要点, 方案, 计划…)
    after the notice's signature, date or 附件 line, with numbered paragraphs after it.
    """
    first_number = next((i for i, line in enumerate(lines) if _numbered(line.text)), len(lines))
    handover = next((i for i, line in enumerate(lines[:first_number]) if _HANDOVER.search(simplified(line.text))),
                    None)
    if handover is None:
        return None  # no notice before the first number: "…认真贯彻执行…" inside a task is no hand-over
    ended = numbered = False
    for i in range(handover + 1, len(lines)):
        text = lines[i].text
        if _DATE_LINE.match(_arabic_date(text)) or _ATTACHMENT.match(text) or _ISSUER_LINE.match(text):
            ended = True
            continue
        heading = _heading_at(lines, i) if ended or numbered else None
        if heading and (ended or _restarts(lines, heading[0] + 1)) and any(
                find_marker(line.text) for line in lines[heading[0] + 1 :]):
            return heading
        marker = find_marker(text)
        numbered = numbered or bool(marker and marker.kind in ("chapter", "part"))  # the notice's 一、二、三
        if ended and _restarts(lines, i):
            return i - 1, _handed_over_name(lines[: i])  # the plan without a heading of its own
    return None


def _numbered(text: str) -> bool:
    """A numbered paragraph of Chinese text ("1.做好…"), not a number in a web address ("842.htm")."""
    marker = find_marker(text)
    return bool(marker and re.match(r"[\u4e00-\u9fff“《（(【\[〔]", marker.rest.lstrip()))


def _restarts(lines: list[SourceLine], i: int) -> bool:
    """True when the first numbered paragraph from line ``i`` on is a first chapter (一、 / 第一部分)."""
    marker = next((m for line in lines[i : i + 3] if (m := find_marker(line.text))), None)
    return bool(marker and marker.kind in ("chapter", "part") and marker.label in ("一", "第一部分"))


def _handed_over_name(lines: list[SourceLine]) -> str:
    """The plan's name as the notice gives it: "关于印发…的通知", else the 《…》 of its hand-over sentence."""
    for line in lines:
        text = simplified(line.text)
        if (notice := _NOTICE_TITLE.search(text)) or (_HANDOVER.search(text) and (notice := _BOOK_NAME.search(text))):
            return _original(line.text, notice, 1).strip("《》 ")
    return ""


def _heading_at(lines: list[SourceLine], i: int) -> tuple[int, str] | None:
    """A title on line ``i``, or on lines ``i`` and ``i+1`` (a title wrapped in two)."""
    for end in (i, i + 1):
        if end >= len(lines):
            break
        text = _REMARK.sub("", "".join(line.text for line in lines[i : end + 1]))
        if _is_title(text):
            return end, _clean_title(text)
    return None


def _is_title(text: str) -> bool:
    shadow = simplified(re.sub(r"\s+", "", text))
    return (_TITLE_MIN <= len(shadow) <= _TITLE_MAX and bool(_PLAN_KIND.search(shadow)) and not find_marker(shadow)
            and not re.search(r"[。，,；;：:！？]", shadow) and "通知" not in shadow)


def _clean_title(text: str) -> str:
    # Web pages repeat the issuer ("2021年X办事处2021年X办事处 政务公开工作要点").
    text = re.sub(r"\s+", "", text)
    match = re.match(r"^(.+?)\1", text)
    return text[len(match.group(1)):] if match and len(match.group(1)) >= 4 else text


def _metadata(preamble: list[SourceLine], title: str) -> tuple[int | None, str, str]:
    year_match = re.search(r"(19|20)\d{2}", title)
    year = int(year_match.group(0)) if year_match else None
    doc_number, issuer = "", ""
    for line in preamble:
        if not doc_number and (m := _DOC_NUMBER.search(simplified(line.text))):
            doc_number = re.sub(r"\s+", "", line.text[m.start() : m.end()])
        if not issuer and line.text.endswith("文件") and len(line.text) <= 30:
            issuer = line.text[:-2]
        elif not issuer and _ISSUER_LINE.match(simplified(line.text)):
            issuer = line.text
    return year, issuer, doc_number


def _plan_year(title_year: int | None, doc_number: str, issued: date | None, lines: list[SourceLine]) -> int | None:
    """The plan year: from the title, else the document number, the issue date, else the year
    the text names most often ("2022年10月底前编制…"); None when the text names no year.

    Never today's year: a 2017 plan read in 2026 is still due in 2017.
    """
    if title_year:
        return title_year
    number = _DOC_NUMBER.search(simplified(doc_number)) if doc_number else None
    if number:
        return int(number.group(1))
    if issued:
        return issued.year
    years = [int(m.group(1)) for line in lines for m in _YEAR_IN_TEXT.finditer(line.text)]
    return max(set(years), key=lambda y: (years.count(y), y)) if years else None


def _is_closing(text: str) -> bool:
    text = simplified(text)
    return bool(
        _CLOSING.match(text) or _DATE_LINE.match(_arabic_date(text))
        or (_ISSUER_LINE.match(text) and len(text) <= 30)
    )


def parse_outline(plan: PlanText) -> Outline:
    """Build the outline of a plan read by :func:`addin.plan.read_plan`.

    Raises:
        OutlineError: the text has no numbered structure at all.
    """
    lines = plan.lines
    title_at, title = _find_title(lines)
    body_start = title_at + 1
    preamble = lines[:body_start]
    roots, closing = _build_tree(lines[body_start:], table_rows=bool(plan.tables))
    if not roots:
        raise OutlineError(
            f"文件“{plan.path.name}”中未识别到“一、（一）1.”等编号结构，无法分解任务："
            "请确认这是一份分条列项的工作要点。"
        )
    first_number = next((i for i, line in enumerate(lines) if find_marker(line.text)), len(lines))
    title_year, issuer, doc_number = _metadata(lines[: max(body_start, first_number)], title)
    issued = _issued(lines[: max(body_start, first_number)] + closing)
    year = _plan_year(title_year, doc_number, issued, lines)
    return Outline(title, year, issuer, doc_number, roots, preamble, closing,
                   addressees=_addressees(preamble), issued=issued, intro=lines[body_start:first_number])


def plan_title(plan: PlanText) -> str:
    """The plan's title as :func:`parse_outline` reads it, for a plan that is only a table."""
    return _find_title(plan.lines)[1]


def table_plan_outline(plan: PlanText) -> Outline:
    """The outline of a plan that is only a title and a task table: its metadata, no numbered paragraphs.

    The title as :func:`plan_title` reads it, else the first line of Chinese text; the
    year, issuer, addressees and date as for a plan in prose.
    """
    lines = plan.lines
    title = plan_title(plan) or next((line.text for line in lines if re.search(r"[\u4e00-\u9fff]", line.text)
                                      and _TITLE_MIN <= len(line.text) <= _TITLE_MAX
                                      and not re.search(r"[。，,；;：:、|]", line.text)), "")
    title_year, issuer, doc_number = _metadata(lines, title)
    issued = _issued(lines)
    year = _plan_year(title_year, doc_number, issued, lines)
    return Outline(title, year, issuer, doc_number, [], list(lines), [], addressees=_addressees(lines), issued=issued)


def _addressees(preamble: list[SourceLine]) -> str:
    for line in preamble:
        text = line.text.strip()
        if text.endswith(("：", ":")) and len(text) <= 80 and _ADDRESSEE_WORDS.search(text):
            return text.rstrip("：:")
    return ""


def _issued(lines: list[SourceLine]) -> date | None:
    for line in lines:
        match = _DATE_PARTS.match(_arabic_date(line.text.strip()))
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                continue
    return None


# The column titles of a 任务分解表: a line made only of them is a table's header row
# copied into the text ("序号 工作任务 具体措施 责任单位 完成时限"), never task prose.
_HEADER_WORDS = re.compile(
    r"序号|编号|工作任务|重点任务|主要任务|任务名称|任务内容|具体任务|具体内容|具体要求|具体措施|工作内容|工作要求|工作措施"
    r"|细化措施|目标任务|重点工作|工作事项|任务|内容|(?:牵头|主体|配合|协办|参与|落实|负责)?(?:责任)?(?:单位|部门|科室|股室|处室)"
    r"|牵头领导|责任领导|责任人|完成时限|完成时间|时限要求|时间节点|时间安排|进度安排|完成情况|进展情况|备注")


def _is_header_row(text: str) -> bool:
    text = simplified(text)
    cells = [c for c in re.split(r"[\s|｜/、，,]+", text) if c]
    bare = _HEADER_WORDS.sub("", "".join(cells))
    return len(_HEADER_WORDS.findall(text)) >= 3 and not re.search(r"[\u4e00-\u9fff0-9]", bare)


def _build_tree(lines: list[SourceLine], table_rows: bool = False) -> tuple[list[OutlineNode], list[SourceLine]]:
    """The numbered paragraphs as a tree, and the closing lines.

    With ``table_rows``, the reader found tables in the document: a line that is a
    table row flattened to text ("重点任务 | 工作内容 | 负责科室 |") belongs to them,
    not to the prose of the plan.
    """
    roots: list[OutlineNode] = []
    stack: list[OutlineNode] = []
    closing: list[SourceLine] = []
    for line in lines:
        if closing or _ATTACHMENT.match(line.text) or (stack and _is_closing(line.text)):
            closing.append(line)
            continue
        marker = find_marker(line.text)
        if (table_rows and line.text.count("|") >= 2) or _is_header_row(line.text):
            continue
        if marker is None:
            if stack:
                stack[-1].body.append(line.text)
            continue  # an introduction paragraph before the first number
        while stack and marker.kind in {node.kind for node in stack}:
            popped = stack.pop()
            if popped.kind == marker.kind:
                break
        parent = stack[-1] if stack else None
        heading, rest = split_heading(marker.rest, alone=marker.kind in ("chapter", "part"))
        node = OutlineNode(marker.kind, marker.label, heading, [rest] if rest else [], line,
                           _path(parent, marker.kind, marker.label), len(stack),
                           body_on_marker_line=bool(rest))
        (parent.children if parent else roots).append(node)
        stack.append(node)
    for root in roots:
        _promote_headings(root)
    return roots, closing


def _promote_headings(node: OutlineNode) -> None:
    """"（二）做好惠企政策直达。" over numbered items is their heading, not a task of its own."""
    only = node.body[0] if len(node.body) == 1 else ""
    if node.children and not node.heading and only.endswith("。") and only.count("。") == 1 \
            and len(only) <= _HEADING_MAX and not re.search(r"[，,；;：:]", only):
        node.heading, node.body = only.rstrip("。"), []
    for child in node.children:
        _promote_headings(child)
