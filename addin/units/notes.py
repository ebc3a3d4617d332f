"""Inline unit notes: （责任单位：…）, （牵头单位：…；责任单位：…；配合单位：…）, X牵头，Y配合.

Plans put the responsible units in a parenthesised note after each item, in
several house styles; this module reads every style the corpus shows into the
three roles and removes the note from the task text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ROLE_LABELS = {
    "牵头": "lead", "主责": "units", "责任": "units", "负责": "units", "承办": "units",
    "配合": "assist", "协办": "assist", "协助": "assist", "参与": "assist",
}
_LABEL = re.compile(r"(牵头|主责|责任|负责|承办|配合|协办|协助|参与)(?:单位|部门)\s*[:：]\s*")
_NOTE_START = re.compile(r"[（(]\s*(?:牵头|主责|责任|负责|承办|配合|协办|协助|参与)(?:单位|部门)\s*[:：]")
_VERB_SUFFIX = re.compile(r"(牵头|配合|协助|协办|参与|落实|负责|实施|承办|执行|推进)$")
_VERB_ROLE = {"牵头": "lead", "配合": "assist", "协助": "assist", "协办": "assist",
              "参与": "assist"}
_TRAILING_ETC = re.compile(r"等(相关|有关)?(部门|单位|机构)?$")
_NAME_SEPARATORS = re.compile(r"[、，,；;/／\s]+")


@dataclass
class UnitRoles:
    """Units of one task by role, each list in the order written."""

    lead: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    assist: list[str] = field(default_factory=list)

    def add(self, role: str, names: list[str]) -> None:
        """Append ``names`` to ``role`` (lead/units/assist), skipping repeats."""
        target = getattr(self, role)
        target.extend(name for name in names if name not in target)

    def merge(self, other: UnitRoles) -> None:
        """Add every unit of ``other`` under the same role."""
        for role in ("lead", "units", "assist"):
            self.add(role, getattr(other, role))

    def is_empty(self) -> bool:
        """True when no role has a unit."""
        return not (self.lead or self.units or self.assist)


def split_unit_names(text: str) -> list[str]:
    """Split "区发改委、区科委等相关部门" into names, dropping a trailing 等/等相关部门."""
    names = []
    for raw in _NAME_SEPARATORS.split(text.strip(" 。.")):
        name = _TRAILING_ETC.sub("", raw.strip())
        if name and name not in names:
            names.append(name)
    return names


def _parse_clause(clause: str, default_role: str, roles: UnitRoles) -> None:
    """One comma-separated clause: "区府办、区司法局牵头" or "各部门、各街镇落实"."""
    verb = _VERB_SUFFIX.search(clause)
    role = _VERB_ROLE.get(verb.group(1), "units") if verb else default_role
    names = split_unit_names(clause[: verb.start()] if verb else clause)
    roles.add(role, names)


def parse_unit_note(note: str) -> UnitRoles:
    """Read the inside of a unit note into roles.

    Handles "责任单位：A、B等", "牵头单位：A；责任单位：B；配合单位：C" (with ；, ; or ，
    between the labelled parts) and "责任单位：A牵头，B配合/落实".
    """
    roles = UnitRoles()
    labels = list(_LABEL.finditer(note))
    if not labels:
        _parse_segment(note, "units", roles)
        return roles
    for i, label in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(note)
        _parse_segment(note[label.end():end], _ROLE_LABELS[label.group(1)], roles)
    return roles


def _parse_segment(segment: str, default_role: str, roles: UnitRoles) -> None:
    segment = segment.strip(" ；;，,。")
    if not _VERB_SUFFIX.search(re.split(r"[，,；;]", segment)[0]) and not re.search(
        r"(牵头|配合|落实|协助)[，,；;]", segment
    ):
        roles.add(default_role, split_unit_names(segment))
        return
    for clause in re.split(r"[，,；;]", segment):
        if clause.strip():
            _parse_clause(clause.strip(), default_role, roles)


def _closing_paren(text: str, start: int) -> int:
    """Index just past the parenthesis that closes the one at ``start`` (or text end)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "（(":
            depth += 1
        elif text[i] in "）)":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def extract_unit_notes(text: str) -> tuple[str, UnitRoles]:
    """Remove every unit note from ``text``; return the text and the roles found."""
    roles = UnitRoles()
    while match := _NOTE_START.search(text):
        end = _closing_paren(text, match.start())
        inner = text[match.start() + 1 : end - 1 if text[end - 1 : end] in "）)" else end]
        roles.merge(parse_unit_note(inner))
        text = text[: match.start()] + text[end:]
    return text.strip(), roles
