"""Step 3 of the flow: turn the outline into task rows.

Rules, from how people decomposed the corpus plans by hand:

* A numbered item (1. （1） ①) is one task; so is any paragraph the issuer
  annotated with a unit note, since the note marks the unit of assignment.
* A prose paragraph without items is split into its separate requirements:
  its sentences, with 一是/二是 clauses as boundaries too, a short sentence
  staying with the one before it.
* A note's scope is read as people read it: a note after the last of several
  sub-items that have none covers them all; several notes in one paragraph each
  cover the sentences before them; "以下任务均需X落实，不再一一列出" adds X to
  every later task.
* Framing and closing chapters (指导思想, 工作要求, 保障措施) and a chapter's
  overview paragraph ("主要任务是：…") hold no tasks.
* 任务名称 is the item's heading sentence; for a requirement, its leading verb
  phrase when it has one ("建立…机制，对于…" → "建立…机制"); else the paragraph
  heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import lru_cache

from .deadlines import find_deadline_text
from .outline import Outline, OutlineNode, split_heading
from .plan.hanzi import simplified
from .units import UnitRoles, extract_unit_notes, note_segments, standing_units, with_leaders

HEADING_NOTE = "标题注明"  # the 单位来源 of units a heading's note gives every task under it
ATOMIC_KINDS = frozenset({"item", "subitem", "circled"})
_CLAUSE = re.compile(r"(?:^|(?<=[。；;：:，,]))\s*([一二三四五六七八九十]{1,3})是(?=[^，,。；]{2})")
_CLAUSE_MARK = re.compile(r"^\s*[一二三四五六七八九十]{1,3}是")
# Inline enumerations inside a paragraph: "…工作：（1）…；（2）…", "①…；②…", "1)…；2)…", "。1.…。2.…".
_INLINE_ITEMS = tuple(re.compile(rf"(?:^|(?<=[。；;：:，,]))\s*{marker}\s*") for marker in (
    r"[（(]([0-9]{1,2})[)）]", r"([①-⑳])", r"([0-9]{1,2})[)）]", r"([0-9]{1,2})[.．、](?![0-9])"))
_SENTENCE_END = "。！？!?"
_OPENERS, _CLOSERS = "“《（(「『【‘", "”》）)」』】’"
_SHORT_SENTENCE = 18  # shorter sentences qualify the one before rather than stand alone
_NEW_SUBJECT = re.compile(
    r"[，,；;]\s*(?=[^，,；;。]{0,20}?(?:政府|部门|单位|街镇|街道|机关|委|办|局|中心)"
    r"[^，,；;。]{0,6}?(?:(?<![主重需必首纪])要(?![求素点闻])|应当|(?<![相对响适供反效回答])应(?![用急对])|须|必须)"
    r")"
)
_MIN_PIECE = 15
_MIN_TASK = 4  # a task's text has at least this many characters ("围绕“" cut off by a page is none)
_CONTENT_CHARS = re.compile(r"[\w]")
_PREPOSITION = re.compile(r"^(对于?|在|围绕|按照|根据|针对|凡是?|通过|依托|结合|为了?|关于)")
# A paragraph's opening principle ("贯彻落实《…》…", "准确适用…") frames the requirement
# after it rather than standing as a task of its own.
_FRAMING = re.compile(r"^(?:严格依照|严格按照|严格依据|准确适用|贯彻落实|认真贯彻|深入贯彻|全面贯彻)")
# A sentence that only qualifies the one before: a condition ("…调整的，要…"),
# an optional extension ("有条件的单位可以…", "鼓励…"), or a follow-up ("对于收集到的…",
# "后续要…"). Official tables keep these with the requirement they qualify.
_ELABORATION = re.compile(
    r"^(?:有条件的|鼓励|对于|其中|同时|此外|另外|并且|确需|后续)|^[^，,。；;]{2,30}的[，,]\s*(?:[^，,。]{0,12}?)(?:要|应|须|可)"
)
# Chapters that frame the plan (指导思想…) or close it with boilerplate for everyone
# (工作要求, 保障措施): official tables take no rows from them.
_FRAMING_CHAPTER = re.compile(
    r"(?:(?:指导思想|总体要求|基本原则|工作原则|总体目标|主要目标|工作目标|总体思路|工作思路"
    r"|工作要求|有关要求|保障措施|组织保障|工作保障|保障机制|组织实施)[和与及、]?)+"
)
# A chapter's own paragraph that only sums up the tasks its sections list:
# "2022年，全区政务公开工作的主要任务是：聚焦…；聚焦…".
_OVERVIEW = re.compile(r"^[^。]{0,40}?(?:主要任务|总体要求|目标任务|总体目标|工作重点)(?:是|为)[:：]")
_LEAD_PHRASE = re.compile(r"^([^，,；;：:。]{4,24})[，,]")
# A leading phrase that opens with a preposition or a subject is no task name.
_NOT_A_NAME = re.compile(
    r"^(对|在|围绕|按照|根据|通过|依托|结合|针对|以|为|从|由|把|将|凡|各|全市|全区|本|市|区|镇|街道)|要|的$|[0-9]"
)


class Granularity(str, Enum):
    """How finely prose paragraphs are split."""

    REQUIREMENT = "requirement"  # one row per separable requirement (default)
    ITEM = "item"  # one row per numbered item or paragraph


@dataclass
class TaskRow:
    """One row of the 任务分解表, traceable to its source paragraph."""

    seq: int
    chapter: str
    section: str
    name: str
    content: str
    lead: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    assist: list[str] = field(default_factory=list)
    deadline: str = ""
    source: str = ""
    where: str = ""
    unit_sources: dict[str, str] = field(default_factory=dict)  # unit name -> 原文注明/主语推断/…
    deadline_kind: str = ""
    due: str = ""  # due dates in the plan year, ISO, separated by 、
    deadline_defaulted: bool = False  # 完成时限 is the house default: the plan states none for the row
    deadline_note: str = ""  # a 完成时限 the plan states for the row (in a note or a table cell), as written


def split_sentences(text: str) -> list[str]:
    """Split at 。！？ outside quotes and brackets; each sentence keeps its mark."""
    sentences, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth = max(0, depth - 1)
        elif char in _SENTENCE_END and depth == 0:
            sentences.append(text[start : i + 1].strip())
            start = i + 1
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return [s for s in sentences if s.strip("。！？!? ")]


def split_clauses(text: str) -> list[str]:
    """Split at 一是/二是/… or inline （1）/①/1) enumerations (at least two, from the first).

    The markers are dropped. A lead-in that only announces the list ("主要做好以下
    工作：") opens the first clause rather than standing as a requirement.
    """
    marks = _clause_marks(text)
    if not marks:
        return [text]
    pieces = [text[: marks[0].start()]]
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        pieces.append(text[mark.end() : end])
    pieces = [p.strip(" ；;，,") for p in pieces]
    if pieces[0].endswith(("：", ":")):
        pieces[:2] = [pieces[0] + pieces[1]]
    return [p for p in pieces if p]


def _clause_marks(text: str) -> list[re.Match[str]]:
    """The 一是/二是 markers, else the inline enumeration markers, numbered 1, 2, 3 … in order."""
    clauses = list(_CLAUSE.finditer(text))
    if len(clauses) >= 2 and clauses[0].group(1) == "一":
        return clauses
    for pattern in _INLINE_ITEMS:
        marks = list(pattern.finditer(text))
        numbers = [_item_number(m.group(1)) for m in marks]
        if len(marks) >= 2 and numbers == list(range(1, len(marks) + 1)):
            return marks
    return []


def _item_number(label: str) -> int:
    return ord(label) - ord("①") + 1 if "①" <= label <= "⑳" else int(label)


def _complete(head: str) -> bool:
    """False when ``head`` ends in a topic or condition the next subject's verb completes."""
    last_clause = re.split(r"[，,；;]", head)[-1]
    return not (_PREPOSITION.match(last_clause) or last_clause.endswith("的"))


def _split_at_subjects(sentences: list[str]) -> list[str]:
    """Split a sentence where a new subject takes over ("…措施，各区政府要…")."""
    pieces: list[str] = []
    for sentence in sentences:
        start = 0
        for match in _NEW_SUBJECT.finditer(sentence):
            head, tail = sentence[start : match.start()], sentence[match.end() :]
            if len(head) >= _MIN_PIECE and len(tail) >= _MIN_PIECE and _complete(head):
                pieces.append(head.rstrip("，,；;") + "。")
                start = match.end()
        pieces.append(sentence[start:])
    return pieces


def split_requirements(text: str) -> list[str]:
    """A prose paragraph's separate requirements (sentences; short ones kept with the last)."""
    requirements: list[str] = []
    for clause in split_clauses(text):
        first = len(requirements)  # an enumerated clause is a requirement however short
        for sentence in _split_at_subjects(split_sentences(_as_sentence(clause))):
            if len(requirements) > first and (len(sentence) < _SHORT_SENTENCE or _ELABORATION.match(sentence)):
                requirements[-1] += sentence
            else:
                requirements.append(sentence)
    if len(requirements) > 1 and _FRAMING.match(requirements[0]):
        requirements[:2] = [requirements[0] + requirements[1]]
    return requirements


def _as_sentence(clause: str) -> str:
    """A clause cut out of an enumeration ("…开展解读；") ends as a sentence."""
    clause = clause.rstrip(" ；;，,")
    return clause if clause.endswith(tuple(_SENTENCE_END)) else clause + "。"


def requirement_name(sentence: str, fallback: str) -> str:
    """The requirement's headline verb phrase, else ``fallback`` (the heading): :mod:`addin.task_names`."""
    from .task_names import task_name

    return task_name(sentence, fallback)


def _ancestor_map(outline: Outline) -> dict[int, list[OutlineNode]]:
    """Each node's ancestors, outermost first, keyed by id (one walk, not one search per node)."""
    ancestors: dict[int, list[OutlineNode]] = {}

    def visit(node: OutlineNode, chain: list[OutlineNode]) -> None:
        ancestors[id(node)] = chain
        for child in node.children:
            visit(child, [*chain, node])

    for root in outline.roots:
        visit(root, [])
    return ancestors


def _heading_line(node: OutlineNode | None) -> str:
    if node is None:
        return ""
    marker = {"chapter": "{}、", "section": "（{}）", "part": "{} "}.get(node.kind, "{}.")
    return marker.format(node.label) + (_heading(node) or node.text[:30])


def _task_nodes(outline: Outline) -> list[OutlineNode]:
    """Nodes that carry task text: leaves, and parents with text of their own.

    A chapter that only frames the plan ("一、总体要求", "指导思想和工作目标") holds
    no tasks, unless the issuer annotated it with units (a 政府工作报告 breakdown
    assigns its 主要预期目标).
    """
    framing = [node for node in outline.walk() if node.kind in ("part", "chapter") and _is_framing(node)]
    skipped = {id(node) for root in framing for node in root.walk()}
    return [node for node in outline.walk()
            if (node.body or _bare_item(node)) and (not node.children or node.text) and id(node) not in skipped
            and not (node.children and _OVERVIEW.match(simplified(node.text)))]


def _bare_item(node: OutlineNode) -> bool:
    """A numbered item that is only its heading ("3.健全应急指挥体系") is a task all the same."""
    return node.kind in ATOMIC_KINDS and not node.children and len(_CONTENT_CHARS.findall(node.heading)) >= _MIN_TASK


def _is_framing(chapter: OutlineNode) -> bool:
    heading = re.sub(r"[\s。：:，,]", "", _heading(chapter) or "")
    if not _FRAMING_CHAPTER.fullmatch(simplified(heading)):
        return False
    return not any(extract_unit_notes("\n".join(n.body) + (n.heading or ""))[1].states_anything()
                   for n in chapter.walk())


@lru_cache(maxsize=4096)
def _heading_note(heading: str) -> tuple[str, UnitRoles]:
    """A heading without its unit note, and the note (read once per heading; never mutate)."""
    return extract_unit_notes(heading)


def _heading(node: OutlineNode) -> str:
    """The node's heading without a unit note it carries ("完善决策制度（责任单位：…）")."""
    return _heading_note(node.heading)[0] if node.heading else ""


def _inherited_note(node: OutlineNode, parents: list[OutlineNode]) -> UnitRoles:
    """The note of the nearest heading above a task ("一、推进依法行政（牵头单位：区司法局）")."""
    for holder in (node, *reversed(parents)):
        roles = _heading_note(holder.heading)[1] if holder.heading else UnitRoles()
        if roles.states_anything():
            return replace(roles, from_heading=True)
    return UnitRoles()


def _rows_for(node: OutlineNode, parents: list[OutlineNode], granularity: Granularity):
    heading = _heading(node) or next((_heading(p) for p in reversed(parents) if _heading(p)), "")
    segments = note_segments("\n".join(node.body))
    if len(segments) > 1 and granularity is Granularity.REQUIREMENT:
        yield from _noted_rows(node, segments, heading)
        return
    text, roles = extract_unit_notes(segments[0])
    if not text and node.heading:  # a one-sentence item: its heading is its content
        text = _heading(node) + "。"
    atomic = node.kind in ATOMIC_KINDS or not roles.is_empty()
    if atomic and node.kind not in ATOMIC_KINDS and granularity is Granularity.REQUIREMENT:
        clauses = split_clauses(text)  # "一是…二是…（责任单位：X）": X for each enumerated clause
        if len(clauses) > 1:
            for k, clause in enumerate(clauses, start=1):
                clause = with_leaders(_as_sentence(clause), roles)
                yield requirement_name(clause, heading), clause, roles, f"{node.path}·{k}"
            return
    text = with_leaders(text, roles)
    if not roles.states_anything():
        roles = _inherited_note(node, parents)
    if atomic or granularity is Granularity.ITEM:
        yield (heading if node.heading else requirement_name(text, heading)), text, roles, node.path
        return
    requirements = list(_requirements(node, heading))
    for k, (name, requirement) in enumerate(requirements, start=1):
        path = node.path if len(requirements) == 1 else f"{node.path}·{k}"
        yield requirement_name(requirement, name), requirement, roles, path


def _noted_rows(node: OutlineNode, segments: list[str], heading: str):
    """One row per note when a paragraph annotates each of its requirements."""
    for k, segment in enumerate(segments, start=1):
        text, roles = extract_unit_notes(segment)
        text = _CLAUSE_MARK.sub("", text).strip(" ；;，,。") + "。"
        text = with_leaders(text, roles)
        yield requirement_name(text, heading), text, roles, f"{node.path}·{k}"


def _requirements(node: OutlineNode, heading: str):
    """(name, requirement) pairs of a prose node, paragraph by paragraph.

    An unnumbered paragraph that opens with its own heading sentence
    ("细化深化财政资金领域信息公开。加大…") is an unnumbered sub-section: its
    heading names its requirements instead of becoming one.
    """
    for i, paragraph in enumerate(node.body):
        name = heading
        if i > 0 or not node.body_on_marker_line or not node.heading:
            own_heading, rest = split_heading(paragraph)
            if own_heading and rest:
                name, paragraph = own_heading, rest
        for requirement in split_requirements(standing_units(paragraph)[0]):
            yield name, requirement


def decompose(outline: Outline, granularity: Granularity = Granularity.REQUIREMENT) -> list[TaskRow]:
    """Decompose a plan outline into task rows.

    Args:
        outline: From :func:`addin.outline.parse_outline`.
        granularity: ``REQUIREMENT`` splits prose paragraphs into requirements;
            ``ITEM`` keeps one row per numbered item or paragraph.

    Returns:
        Rows numbered from 1, each with its outline path and source location.
    """
    rows: list[TaskRow] = []
    ancestors = _ancestor_map(outline)
    tasks = {id(node) for node in _task_nodes(outline)}
    # Units a note gave every later task ("以下任务均需X落实"), from the introduction on.
    standing = UnitRoles(standing=standing_units("\n".join(line.text for line in outline.intro))[1])
    by_node: dict[int, list[TaskRow]] = {}
    pending: list[tuple[TaskRow, dict[str, list[str]]]] = []  # standing units, added once notes are spread
    for node in outline.walk():
        if node.heading:
            standing.merge(UnitRoles(standing=_heading_note(node.heading)[1].standing))
        later = UnitRoles(standing=standing_units("\n".join(node.body))[1])  # for the tasks after this node's
        if id(node) not in tasks:
            standing.merge(later)
            continue
        parents = ancestors[id(node)]
        chapter, section = _chapter_and_section(node, parents)
        for name, content, roles, path in _rows_for(node, parents, granularity):
            if len(_CONTENT_CHARS.findall(content)) < _MIN_TASK:
                continue  # only a note for later tasks, or a fragment cut off by the page
            row = _row(len(rows) + 1, chapter, section, name, content, roles, path, node)
            pending.append((row, {role: list(names) for role, names in standing.standing.items()}))
            rows.append(row)
            by_node.setdefault(id(node), []).append(row)
        standing.merge(later)
    _spread_trailing_notes(outline, by_node)
    for row, units in pending:
        _add_standing(row, units)
    return rows


def _chapter_and_section(node: OutlineNode, parents: list[OutlineNode]):
    """The 章节 and 小节 a node's rows belong to."""
    chapter = next((p for p in parents if p.kind == "chapter"), None) or next(
        (p for p in parents if p.kind == "part"), None)  # 第一部分 > 一、: the 一、 is the 章节
    section = next((p for p in parents if p.kind == "section"), None)
    if node.kind == "section":
        section = node
    elif node.kind == "chapter" or (node.kind == "part" and chapter is None):
        chapter = node  # a chapter with text of its own ("二、…\n加强培训。各…要…")
    return chapter, section


def _add_standing(row: TaskRow, standing: dict[str, list[str]]) -> None:
    """Add the units a note gave every later task, in the role it gave them."""
    for role, names in standing.items():
        target = getattr(row, role)
        target.extend(n for n in names if n not in row.lead + row.units + row.assist)


def _own_units(row: TaskRow) -> bool:
    """True when the row's units come from its own note (not a heading's)."""
    return bool(row.lead or row.units or row.assist) and HEADING_NOTE not in row.unit_sources.values()


def _spread_trailing_notes(outline: Outline, by_node: dict[int, list[TaskRow]]) -> None:
    """A note after the last of several sub-items that have none covers all of them.

    "（1）…（2）…（3）…（4）…（责任单位：X）" is read by people as X for (1)–(4), not (4)
    alone. Only when the last sibling alone has a note and no heading's note covers the
    others: where several have their own, an item without one is a gap for the person.
    """
    for node in outline.walk():
        children = [child for child in node.children if child.kind in ATOMIC_KINDS]
        if len(children) < 2 or len(children) != len(node.children):
            continue
        groups = [by_node.get(id(child), []) for child in children]
        if not all(groups) or not all(_own_units(row) for row in groups[-1]):
            continue
        if any(row.lead or row.units or row.assist for group in groups[:-1] for row in group):
            continue  # they have notes of their own, or a heading's note covers them
        last = groups[-1][-1]
        own = by_node.get(id(node), []) if node.kind in ATOMIC_KINDS else []  # "6.完成…" over (1)…(3)
        if any(row.lead or row.units or row.assist for row in own):
            continue
        for row in (row for group in [own, *groups[:-1]] for row in group):
            row.unit_sources = {}
            row.lead, row.units, row.assist = list(last.lead), list(last.units), list(last.assist)
            row.deadline_note = row.deadline_note or last.deadline_note
            row.deadline = row.deadline or last.deadline_note


def _row(seq, chapter, section, name, content, roles: UnitRoles, path, node) -> TaskRow:
    return TaskRow(
        seq=seq, chapter=_heading_line(chapter), section=_heading_line(section),
        name=name, content=content, lead=list(roles.lead), units=list(roles.units),
        assist=list(roles.assist), deadline=roles.deadline or find_deadline_text(content),
        source=path, where=node.line.where, deadline_note=roles.deadline,
        unit_sources={unit: HEADING_NOTE for unit in roles.lead + roles.units + roles.assist}
        if roles.from_heading else {},
    )
