"""Unit notes: who does a task and by when, as the plan itself states it.

Plans state the responsible units in many house styles; this module reads every
one below into the three roles (plus the deadline and the responsible leader
when the note gives them) and removes the note from the task text:

* a labelled note in brackets: （责任单位：…）, （牵头单位：…；责任单位：…；配合单位：…；
  完成时限：…）, 【牵头单位】…【责任单位】…;
* labelled lines after the item: "责任单位：区司法局、各街镇" / "完成时限：6月底前";
* a note of units and role verbs only: （区司法局牵头，各部门配合）, （区财政局负责）,
  or the same as the paragraph's last sentence;
* units alone in brackets that close an item: "…公开。（区发改委、区财政局）";
* inside a unit list, "区司法局（牵头）" marks the lead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..plan.hanzi import original_slice, simplified
from ..plan.markers import DEADLINE_LABEL, LEADER_LABEL, UNIT_LABEL

_ROLE_LABELS = {
    "牵头": "lead", "主责": "units", "责任": "units", "负责": "units", "承办": "units", "主办": "lead",
    "落实": "units", "实施": "units",
    "配合": "assist", "协办": "assist", "协助": "assist", "参与": "assist",
}
_LABEL = re.compile(rf"[【\[]?\s*({UNIT_LABEL}|{DEADLINE_LABEL}|{LEADER_LABEL})\s*(?:[:：]|[】\]]\s*[:：]?)\s*")
# A label opens a note only at the start of a line or after a sentence or a bracket.
_ANY_LABEL = rf"(?:{UNIT_LABEL}|{DEADLINE_LABEL}|{LEADER_LABEL})"
_LABEL_AT = re.compile(rf"(?:^|(?<=[\n。；;！？!?）)】\]]))\s*[【\[]?\s*{_ANY_LABEL}\s*(?:[:：]|[】\]])")
# The role verb closing a clause of a note, with the words people put around it:
# "X按职责分工负责", "X、Y分别负责落实", "X、Y、Z分别牵头落实", "X具体负责".
_ROLE_VERB = (r"(?:按(?:照)?(?:各自)?(?:职责|分工|职能)(?:分工)?|依职责|分别|共同|具体|切实|参照|协同)*"
              r"(牵头|配合|协助|协办|参与|落实|负责|实施|承办|主办|执行|推进)(?:落实|负责|实施|推进|办理|执行)?")
_VERB_SUFFIX = re.compile(_ROLE_VERB + "$")
# "区府办主办、区司法局协办": several names-and-verb pieces inside one clause.
_VERB_PIECES = re.compile(rf"(.+?){_ROLE_VERB}(?=、|$)")
_VERB_ROLE = {"牵头": "lead", "主办": "lead", "配合": "assist", "协助": "assist", "协办": "assist", "参与": "assist"}
_MARKED_ROLE = re.compile(r"^(.+?)\s*[（(](牵头|配合|协办|协助|参与|负责|责任)[)）]$")
_AGENT_WORD = re.compile(r"^(?:具体)?(?:由|请)")  # "（具体由区府办负责）"
_TRAILING_ETC = re.compile(r"等(相关|有关)?(部门|单位|机构)?$")
_NAME_SEPARATORS = re.compile(r"[、，,；;/／\s]+")
_JOINED = re.compile(r"以及|及|和|与|等")  # "州委编办及州直相关单位", "区商务局等领导小组成员单位"
_GLUED = re.compile(r"(?:局|委|办|室|中心|所|队|院|部|处|科)(?=区|市|县|镇|乡|省|州|街道|各)")
_BRACKETED = re.compile(r"[（(][^（）()]*[)）]")
_GUARDED = str.maketrans("、，,；; ", "\x01\x02\x03\x04\x05\x06")
_UNGUARDED = str.maketrans("\x01\x02\x03\x04\x05\x06", "、，,；; ")
# What a unit name looks like without a directory: an organ word at the end
# (区司法局, 镇党政办, 申通集团) or a group (各部门). Used only to tell a note of
# units and verbs ("区司法局牵头，各部门配合") from ordinary text in brackets.
_UNITISH = re.compile(
    r"(?:[\u4e00-\u9fffA-Za-z0-9（）()〔〕]{0,24}?"
    r"(?:局|委|办|室|中心|部|院|所|队|政府|街道|镇|乡|部门|单位|公司|集团|协会|商会|处|科|站|厅|署|社|台|馆|团|组|机构)"
    r"|各[\u4e00-\u9fff]{1,10}|(?:有关|相关)(?:部门|单位)|[\u4e00-\u9fff]{1,12}(?:居委会|村委会|村|居民区))"
)
_DEADLINE_CLAUSE = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月|年底|年内|季度|上半年|下半年|前完成|底前"
                              r"|长期|持续")
_NOT_A_NAME = re.compile(r"要|应|将|把|对|在|以|为|确保|推进|加强|做好|开展|落实|建立|完善|提高|的")


@dataclass
class UnitRoles:
    """What a task's note states: units by role (in the order written), deadline, leader."""

    lead: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    assist: list[str] = field(default_factory=list)
    deadline: str = ""  # the note's 完成时限, as written
    leaders: list[str] = field(default_factory=list)  # "牵头领导：王某某", kept in the task text
    from_heading: bool = False  # the note of a heading above the task, not of the task itself
    # Units a note assigns to every later task ("以下任务均需各镇（街）落实，不再一一列出"), by role.
    standing: dict[str, list[str]] = field(default_factory=dict)

    def add(self, role: str, names: list[str]) -> None:
        """Append ``names`` to ``role`` (lead/units/assist), skipping repeats."""
        target = getattr(self, role)
        target.extend(name for name in names if name not in target)

    def merge(self, other: UnitRoles) -> None:
        """Add every unit, the deadline and the leaders of ``other``."""
        for role in ("lead", "units", "assist"):
            self.add(role, getattr(other, role))
        self.deadline = " ".join(d for d in (self.deadline, other.deadline) if d)
        self.leaders += other.leaders
        for role, names in other.standing.items():
            self.standing.setdefault(role, []).extend(n for n in names if n not in self.standing[role])

    def is_empty(self) -> bool:
        """True when no role has a unit."""
        return not (self.lead or self.units or self.assist)

    def states_anything(self) -> bool:
        """True when the note gave a unit, a deadline or a leader."""
        return not self.is_empty() or bool(self.deadline or self.leaders)


# "各市、县（区）人民政府" is one group although 、 separates names around it.
_GROUP_WITH_COMMA = re.compile(r"各(?:(?!各|部门|单位)[\u4e00-\u9fff、（）()〔〕]){1,10}?(?:人民政府|办事处)")


def split_unit_names(text: str) -> list[str]:
    """Split "区发改委、区科委等相关部门" into names, dropping a trailing 等/等相关部门.

    A bracket is part of a name: "各县（市、区）政府（管委会）" and "各镇（街）" stay whole.
    Names joined by 及/和/与/等 are split where each side is a unit name.
    """
    names = []
    kept = _GROUP_WITH_COMMA.sub(lambda m: m.group(0).replace("、", "\x00"), text.strip(" 。."))
    kept = _BRACKETED.sub(lambda m: m.group(0).translate(_GUARDED), kept)
    for raw in _NAME_SEPARATORS.split(kept):
        raw = raw.translate(_UNGUARDED).replace("\x00", "、")
        for piece in _joined_names(_TRAILING_ETC.sub("", _AGENT_WORD.sub("", raw.strip()))):
            name = _TRAILING_ETC.sub("", piece)
            if name and name not in names:
                names.append(name)
    return names


def _joined_names(name: str) -> list[str]:
    """"州委编办及州直相关单位" → both; "省工业和信息化厅" stays one (a side is no unit);
    "区财政局区审计局" (a space lost in copying) → both, cut where a level word follows an organ word."""
    parts = [p for p in _JOINED.split(name) if p]
    if len(parts) > 1 and all(_is_unitish(p) for p in parts):
        return parts
    for cut in (m.end() for m in _GLUED.finditer(name)):
        head, tail = name[:cut], name[cut:]
        if len(head) >= 3 and len(tail) >= 3 and _is_unitish(head) and _is_unitish(tail):
            return [head, *_joined_names(tail)]
    return [name]


def _add_names(text: str, role: str, roles: UnitRoles) -> None:
    """Add the names of a list; "区司法局（牵头）" goes to the role its mark says."""
    for name in split_unit_names(text):
        marked = _MARKED_ROLE.match(name)
        if marked:
            roles.add(_ROLE_LABELS.get(marked.group(2), "units"), [marked.group(1)])
        else:
            roles.add(role, [name])


def _parse_clause(clause: str, default_role: str, roles: UnitRoles) -> None:
    """One comma-separated clause: "区府办、区司法局牵头", "各部门、各街镇落实", "X主办、Y协办"."""
    pieces = list(_VERB_PIECES.finditer(clause))
    if len(pieces) > 1 and pieces[-1].end() == len(clause):
        for piece in pieces:
            _add_names(piece.group(1).strip("、 "), _VERB_ROLE.get(piece.group(2), "units"), roles)
        return
    verb = _VERB_SUFFIX.search(clause)
    role = _VERB_ROLE.get(verb.group(1), "units") if verb else default_role
    _add_names(clause[: verb.start()] if verb else clause, role, roles)


def parse_unit_note(note: str) -> UnitRoles:
    """Read the inside of a unit note into roles, deadline and leaders.

    Handles "责任单位：A、B等", "牵头单位：A；责任单位：B；配合单位：C；完成时限：6月底前"
    (with ；, ; or ，between the labelled parts), "【牵头单位】A【责任单位】B",
    "责任单位：A牵头，B配合/落实" and "A牵头，B配合" without a label.
    """
    note = note.strip()
    if note[:1] in "（(〔［[" and note[-1:] in "）)〕］]":  # a whole note in its brackets, as a cell holds it
        note = note[1:-1]
    roles = UnitRoles()
    labels = list(_LABEL.finditer(note))
    if not labels:
        _parse_segment(note, "units", roles)
        return roles
    for i, label in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(note)
        _parse_field(label.group(1), note[label.end():end], roles)
    return roles


def _parse_field(label: str, value: str, roles: UnitRoles) -> None:
    value = value.strip(" ；;，,。\n")
    if re.fullmatch(DEADLINE_LABEL, label):
        roles.deadline = " ".join(d for d in (roles.deadline, value) if d)
    elif re.fullmatch(LEADER_LABEL, label):
        roles.leaders.append(f"{label}：{value}")
    else:
        _parse_segment(value, label_role(label), roles)


def label_role(label: str) -> str:
    """The role a note's label gives ("牵头责任单位" → lead, "主要协作单位" → assist)."""
    word = re.sub(r"^(?:主要|其他)", "", label)
    if word.startswith("牵头"):
        return "lead"
    if re.match(r"配合|协作|协同|协办|协助|参与", word):
        return "assist"
    return _ROLE_LABELS.get(word[:2], "units")


def _parse_segment(segment: str, default_role: str, roles: UnitRoles) -> None:
    segment = segment.strip(" ；;，,。\n")
    clauses = [c.strip() for c in re.split(r"[，,；;]", _BRACKETED.sub(
        lambda m: m.group(0).translate(_GUARDED), segment)) if c.strip()]
    clauses = [c.translate(_UNGUARDED) for c in clauses]
    deadlines = [c for c in clauses if _DEADLINE_CLAUSE.search(c) and not _is_unitish(c)]
    if deadlines:  # "（牵头单位：…；责任单位：…，6月底完成）"
        roles.deadline = " ".join([roles.deadline, *deadlines]).strip()
        clauses = [c for c in clauses if c not in deadlines]
    if not any(_VERB_SUFFIX.search(c) for c in clauses):
        _add_names("、".join(clauses), default_role, roles)
        return
    for clause in clauses:
        _parse_clause(clause, default_role, roles)


def _note_clauses(text: str) -> list[str]:
    """The comma-separated clauses of a note without its deadline clauses ("2023年6月底前完成");
    a bracket's commas stay inside its clause ("各县（市、区）政府")."""
    guarded = _BRACKETED.sub(lambda m: m.group(0).translate(_GUARDED), text.strip(" 。.\n"))
    clauses = [c.strip().translate(_UNGUARDED) for c in re.split(r"[，,；;]", guarded) if c.strip()]
    return [c for c in clauses if not (_DEADLINE_CLAUSE.search(c) and len(c) <= 20 and not _is_unitish(c))]


def is_verb_note(text: str) -> bool:
    """True for "区司法局牵头，各部门配合" / "区财政局负责": only unit lists and role verbs
    (and a deadline clause: "区财政局牵头，各乡镇配合，6月底前完成")."""
    clauses = _note_clauses(text)
    verbs = [_VERB_SUFFIX.search(c) for c in clauses]
    if not clauses or not any(verbs):
        return False
    return all(_names_units(clause[: verb.start()] if verb else clause) for clause, verb in zip(clauses, verbs,
                                                                                             strict=True))


def _names_units(text: str) -> bool:
    """Every name of a list is a unit; 和/及/与 separate names only where a name does not contain them
    ("省工业和信息化厅" is one unit, "区发改委和区财政局" two)."""
    guarded = _BRACKETED.sub(lambda m: m.group(0).translate(_GUARDED), text)
    for piece in (p.translate(_UNGUARDED) for p in re.split(r"、", guarded)):
        piece = _TRAILING_ETC.sub("", piece.strip())
        if not (_is_unitish(piece) or all(_is_unitish(p.strip()) for p in re.split(r"[和及与]", piece))):
            return False
    return True


def is_unit_list(text: str) -> bool:
    """True for "区发改委、区财政局": names of units only, no verb."""
    pieces = _note_clauses(text)
    return bool(pieces) and all(_names_units(p) for p in pieces)


def _closes_item(text: str, start: int, end: int) -> bool:
    """A bracket that ends its item: after a full stop, or last on its line ("…公开。（区司法局）")."""
    before = text[:start].rstrip()
    after = text[end:].lstrip(" 。.")
    return before.endswith(("。", "；", ";")) or not after or after.startswith("\n")


def _is_unitish(name: str) -> bool:
    bare = _MARKED_ROLE.sub(r"\1", name)
    plain = re.sub(r"[（(][^）)]*[)）]", "", bare)  # "各镇（街）" is a group like "各镇"
    return len(bare) >= 2 and (_UNITISH.fullmatch(bare) is not None or _UNITISH.fullmatch(plain) is not None) \
        and not _NOT_A_NAME.search(plain)


_OPENERS, _CLOSERS = "（(〔［", "）)〕］"  # a note's brackets; 〔牵头单位:…,责任单位:…〕 as well


def _closing_paren(text: str, start: int) -> int:
    """Index just past the bracket that closes the one at ``start`` (or text end)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in _OPENERS:
            depth += 1
        elif text[i] in _CLOSERS:
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def _bracket_notes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, inside) of each bracketed note: labelled, or units and verbs only."""
    notes, i = [], 0
    while i < len(text):
        if text[i] not in _OPENERS:
            i += 1
            continue
        end = _closing_paren(text, i)
        inner = text[i + 1 : end - 1 if text[end - 1 : end] in _CLOSERS else end]
        if _LABEL.match(inner.strip()) or is_verb_note(inner) or (_closes_item(text, i, end) and is_unit_list(inner)):
            notes.append((i, end, inner))
            i = end
        else:
            i += 1
    return notes + _lenticular_notes(text)


def _lenticular_notes(text: str) -> list[tuple[int, int, str]]:
    """【区发展改革委】 or 【区财政局牵头，各部门配合】 before or after an item's text."""
    return [(m.start(), m.end(), m.group(1)) for m in re.finditer(r"【([^【】]{2,80})】", text)
            if not _LABEL.match(m.group(0)) and (is_verb_note(m.group(1)) or is_unit_list(m.group(1)))]


def _line_notes(text: str) -> list[tuple[int, int, str]]:
    """Labelled notes outside brackets: from a label at a line or sentence start to the line's end."""
    notes = []
    for match in _LABEL_AT.finditer(text):
        if notes and match.start() < notes[-1][1]:
            continue
        end = text.find("\n", match.end())
        end = len(text) if end < 0 else end
        notes.append((match.start(), end, text[match.start() : end]))
    return notes


def _sentence_notes(text: str) -> list[tuple[int, int, str]]:
    """A paragraph's last sentence made of units and role verbs only ("区财政局牵头，各部门配合。")."""
    notes = []
    for paragraph in re.finditer(r"[^\n]+", text):
        body = paragraph.group(0).rstrip("。. ")
        cut = max(body.rfind(mark) for mark in "。；;！？")
        last = body[cut + 1 :]
        if cut >= 0 and is_verb_note(last):
            notes.append((paragraph.start() + cut + 1, paragraph.end(), last))
    return notes


# A sentence that makes units responsible for every later task, inside a note or on its own:
# "以下任务均需各镇（街）落实，不再一一列出", "下列各项工作均由各部门负责落实".
_SCOPE = (r"(?:以下|下列|下述|后续|本(?:方案|要点|计划|清单|文件)(?:所列|中的?|确定的))(?:各项|所有|全部)?"
          r"(?:重点|主要)?(?:任务|工作|事项)[，,]?")
_STANDING_VERB = (r"(?P<verb>牵头|配合|协助|参与|落实|负责|承担|实施|执行|推进)(?:落实|实施|推进)?"
                  r"(?:[，,]?\s*(?:此处|下文|以下)?(?:不再|不)(?:一一|逐项|逐一|单独)?(?:列出|列明|标注|注明))?[。；;]?")
_STANDING = (
    # "以下任务均需各镇（街）落实，不再一一列出"
    re.compile(rf"{_SCOPE}(?:均|都|皆|全部)(?:需要?|须|由|要|应|请)?(?P<units>[^。；;，,！？]{{2,80}}?)"
               rf"(?:按职责|共同|分别|具体|参照)*{_STANDING_VERB}"),
    # "本方案所列任务，各镇（街）均需结合实际抓好落实"
    re.compile(rf"{_SCOPE}(?P<units>[^。；;，,！？]{{2,80}}?)(?:均|都|皆)(?:需要?|须|要|应)"
               rf"(?:结合实际)?(?:抓好|认真|切实|积极|全面)?{_STANDING_VERB}"),
)
_EMPTY_BRACKETS = re.compile(r"[（(][\s。；;，,]*[)）]")


def _cut_standing(text: str, shadow: str) -> tuple[str, str, dict[str, list[str]]]:
    """Remove each standing sentence from ``text`` (found in its ``shadow``); the units it names by role."""
    standing: dict[str, list[str]] = {}
    matches = sorted((m for pattern in _STANDING for m in pattern.finditer(shadow)), key=lambda m: m.start())
    for match in reversed([m for i, m in enumerate(matches) if i == 0 or m.start() >= matches[i - 1].end()]):
        role = _VERB_ROLE.get(match.group("verb"), "units")
        names = [original_slice(text, shadow, n) for n in split_unit_names(match.group("units"))]
        standing.setdefault(role, [])[:0] = [n for n in names if n not in standing.get(role, [])]
        text, shadow = (t[: match.start()] + t[match.end() :] for t in (text, shadow))
    if standing:
        for bracket in reversed(list(_EMPTY_BRACKETS.finditer(shadow))):
            text, shadow = (t[: bracket.start()] + t[bracket.end() :] for t in (text, shadow))
    return text, shadow, standing


def standing_units(text: str) -> tuple[str, dict[str, list[str]]]:
    """``text`` without its standing sentences, and the units they give every later task, by role."""
    text, _, standing = _cut_standing(text, simplified(text))
    return text, standing


def extract_unit_notes(text: str) -> tuple[str, UnitRoles]:
    """Remove every unit note from ``text``; return the text and what the notes state.

    ``text`` may hold several paragraphs separated by newlines (a labelled line
    after an item is a note of that item); the returned text has none. A note's
    leader ("牵头领导：王某某") is in ``roles.leaders``; :func:`with_leaders` puts it
    back into the task text so nothing is lost.
    """
    roles = UnitRoles()
    kept, position = [], 0
    shadow = simplified(text)  # traditional script read with the same rules, offsets unchanged
    text, shadow, roles.standing = _cut_standing(text, shadow)
    for start, end, inners in _note_spans(shadow):
        for inner in inners:
            roles.merge(_in_script(parse_unit_note(inner), text[start:end], shadow[start:end]))
        kept.append(text[position:start])
        position = end
    kept.append(text[position:])
    return "".join(kept).replace("\n", "").strip(), roles


def _in_script(roles: UnitRoles, original: str, shadow: str) -> UnitRoles:
    """``roles`` read from the shadow of ``original``, with names as ``original`` writes them."""
    if original == shadow:
        return roles
    for role in ("lead", "units", "assist"):
        setattr(roles, role, [original_slice(original, shadow, name) for name in getattr(roles, role)])
    roles.deadline = original_slice(original, shadow, roles.deadline) if roles.deadline else ""
    return roles


def with_leaders(text: str, roles: UnitRoles) -> str:
    """``text`` with the note's leaders put back in brackets ("（牵头领导：王某某）")."""
    return text + f"（{'；'.join(roles.leaders)}）" if roles.leaders else text


def _unit_lines(text: str) -> list[tuple[int, int, str]]:
    """A line of unit names only ("区发改委、区财政局"), after the item's text or under its
    heading: its note, never a task."""
    return [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[^\n]+", text)
            if len(m.group(0)) <= 80 and (re.search(r"[、，,；;]", m.group(0))  # a list of names, or
                                          or m.start() > 0 and not m.group(0).endswith("。"))  # one name alone
            and is_unit_list(m.group(0))]


def _note_spans(text: str) -> list[tuple[int, int, list[str]]]:
    """Non-overlapping notes as (start, end, insides); notes with only punctuation between
    them are one note (a 责任单位 line followed by a 完成时限 line)."""
    spans: list[tuple[int, int, list[str]]] = []
    found = _bracket_notes(text) + _line_notes(text) + _sentence_notes(text) + _unit_lines(text)
    for start, end, inner in sorted(found):
        if spans and start < spans[-1][1]:
            continue
        if spans and not text[spans[-1][1] : start].strip(" 。；;，,\n"):
            spans[-1] = (spans[-1][0], end, [*spans[-1][2], inner])
        else:
            spans.append((start, end, [inner]))
    return spans


_OWN_SENTENCE = 15  # shorter text after the last note only closes the one before


def note_segments(text: str) -> list[str]:
    """``text`` cut after each note when it has several ("一是…（A负责）；二是…（B负责）").

    Each note closes the task it annotates and covers the sentences since the note
    before; text after the last note is a task of its own when it is a sentence.
    With fewer than two notes the text is one segment.
    """
    spans = _note_spans(simplified(text))
    if len(spans) < 2:
        return [text]
    segments, position = [], 0
    for _, end, _ in spans:
        segments.append(text[position:end])
        position = end
    tail = text[position:]
    if len(tail.strip(" 。；;，,\n")) >= _OWN_SENTENCE:
        segments.append(tail)  # a requirement after the last note is one of its own (its note is lost)
    elif tail.strip(" 。；;，,\n"):
        segments[-1] += tail
    return [segment.strip(" 。；;，,\n") for segment in segments if segment.strip(" 。；;，,\n")]
