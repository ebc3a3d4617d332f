"""Who does each task when the plan has no unit note.

Sources, in the order they are trusted, each marked in the table so a person
knows which cells to check:

* 原文注明 — the plan's own note (（责任单位：…）), read by :mod:`addin.units.notes`;
* 主语推断 — the requirement's subject ("各区政府、市政府各部门要…"), else the subject
  of an earlier sentence of the same paragraph; "本单位…" with no subject means
  each of the 通知's addressees (主送) for itself;
* 关键词建议 — units whose 职责关键词 occur in the task (a suggestion, never fact);
* 默认单位 — units the directory marks as always involved (e.g. the 党政办公室).

* 通知主送 — the notice's addressees, only in a plan that names no unit for any
  task (the whole plan is then addressed to them, as the official tables read it).

In a plan that names units for its tasks, a task without a unit is a gap, not a
job for the addressees: its unit cells stay empty. Either way the pipeline gives
such a task a finding (未注明责任单位) offering the addressees with their source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from itertools import groupby

from ..decompose import HEADING_NOTE, TaskRow
from .directory import Unit, UnitDirectory
from .mentions import Mention, field_list, qualified_name, split_unit_expression, subject_mentions

MAX_KEYWORD_UNITS = 1
_ROLE_AFTER = re.compile(r"^\s*(牵头|配合|协助|协办)")
# "细化深化市场监管领域信息公开": a heading that names one field of work, whose owner
# is then the best suggestion for every requirement under it.
_FIELD_HEADING = re.compile(r"([\u4e00-\u9fff]{2,12}?)(?:领域|行业)")
# "本单位/本行政机关/本系统…" with no subject: every addressee does it for itself.
_REFLEXIVE = re.compile(r"本(?:单位|部门|行政机关|机关|系统|地区)")


class UnitSource(str, Enum):
    """Where a unit in the table came from."""

    NOTE = "原文注明"
    HEADING = HEADING_NOTE
    SUBJECT = "主语推断"
    KEYWORD = "关键词建议"
    DEFAULT = "默认单位"
    MAPPED = "上下级对照"
    ADDRESSEE = "通知主送"


# Sources that mean the plan's text itself names the unit.
STATED_SOURCES = frozenset({UnitSource.NOTE.value, UnitSource.HEADING.value, UnitSource.SUBJECT.value,
                            UnitSource.MAPPED.value})


def _fold_all(names: Iterable[str], directory: UnitDirectory | None) -> list[str]:
    folded: list[str] = []
    for name in names:
        canonical = directory.canonical(name) if directory else name
        if canonical not in folded:
            folded.append(canonical)
    return folded


def _add(row: TaskRow, role: str, names: list[str], source: UnitSource) -> None:
    target = getattr(row, role)
    for name in names:
        if name not in row.lead + row.units + row.assist:
            target.append(name)
            row.unit_sources[name] = source.value


def _subject_roles(sentence: str, directory: UnitDirectory | None) -> dict[str, list[tuple[str, UnitSource]]]:
    roles: dict[str, list[tuple[str, UnitSource]]] = {"lead": [], "units": [], "assist": []}
    mentions: list[Mention] = subject_mentions(sentence, directory)
    for i, mention in enumerate(mentions):
        run_end = mentions[i + 1].start if i + 1 < len(mentions) else len(sentence)
        verb = _ROLE_AFTER.match(sentence[mention.end : run_end + 3])
        role = {"牵头": "lead"}.get(verb.group(1), "assist") if verb else "units"
        named = _field_owners(sentence, mention, directory) or [(qualified_name(sentence, mention, directory),
                                                                  UnitSource.SUBJECT)]
        roles[role].extend(named)
    return roles


def _field_owners(sentence: str, mention: Mention, directory: UnitDirectory | None) -> list[tuple[str, UnitSource]]:
    """"教育、税务等领域的主管部门" → the directory's owners of 教育 and 税务 (a suggestion)."""
    known = directory.resolve(mention.name) if directory else None
    if directory is None or (known is not None and not known.is_group):
        return []
    owners = [directory.domain_owner(field) for field in field_list(sentence, mention)]
    names = list(dict.fromkeys(owner.name for owner in owners if owner))
    return [(name, UnitSource.KEYWORD) for name in names]


def _node_key(row: TaskRow) -> str:
    return row.source.split("·")[0]


def assign_units(rows: list[TaskRow], directory: UnitDirectory | None = None,
                 addressees: str = "") -> list[TaskRow]:
    """Fill the unit columns of rows that have none, and fold every name to the directory.

    Args:
        rows: Rows from :func:`addin.decompose.decompose` (notes already read).
        directory: The office's 单位名录; without it only the text is used.
        addressees: The 通知's 主送 line: who "本单位…" means in a sentence without a subject.

    Returns:
        The same rows, changed in place.
    """
    fallback = addressee_units(addressees, directory)
    plan_names_units = any(row.lead or row.units or row.assist for row in rows)
    for _, group in groupby(rows, key=_node_key):
        carried: dict[str, list[tuple[str, UnitSource]]] = {}
        for row in group:
            _assign_row(row, directory, carried, fallback)
            if not plan_names_units and not (row.lead or row.units or row.assist):
                _add(row, "units", fallback, UnitSource.ADDRESSEE)
    return rows


def addressee_units(addressees: str, directory: UnitDirectory | None = None) -> list[str]:
    """The units of a 主送 line ("各行政村、各有关单位" → ["各行政村", "各有关单位"])."""
    return _fold_all(split_unit_expression(addressees, directory), directory) if addressees else []


def states_unit(row: TaskRow) -> bool:
    """True when the plan's text names a lead or responsible unit of ``row`` (not a suggestion or default)."""
    names = row.lead + row.units  # a 配合单位 alone leaves the 责任单位 unstated
    return any(row.unit_sources.get(name, UnitSource.NOTE.value) in STATED_SOURCES for name in names)


def _assign_row(row: TaskRow, directory: UnitDirectory | None, carried: dict[str, list[tuple[str, UnitSource]]],
                fallback: list[str]) -> None:
    if row.lead or row.units or row.assist:
        from_heading = set(row.unit_sources.values()) == {UnitSource.HEADING.value}
        for role in ("lead", "units", "assist"):
            setattr(row, role, _fold_all(getattr(row, role), directory))
        source = UnitSource.HEADING if from_heading else UnitSource.NOTE
        row.unit_sources = {name: source.value for name in row.lead + row.units + row.assist}
        if from_heading:  # the heading names who leads; the sentence may still name who does it
            for name, _ in _subject_roles(row.content, directory)["units"]:
                _add(row, "units", _fold_all([name], directory), UnitSource.SUBJECT)
        return
    roles = _subject_roles(row.content, directory)
    if any(roles.values()):
        carried.clear()
        carried.update(roles)
    for role, named in carried.items():
        for name, source in named:
            _add(row, role, _fold_all([name], directory), source)
    if not any(carried.values()) and _REFLEXIVE.search(row.content):
        _add(row, "units", fallback, UnitSource.SUBJECT)
    if directory:
        _add(row, "units", [u.name for u in _suggested_units(row, directory)], UnitSource.KEYWORD)
        _add(row, "units", [u.name for u in directory.defaults()], UnitSource.DEFAULT)


def _suggested_units(row: TaskRow, directory: UnitDirectory) -> list[Unit]:
    """The field owner of the row's heading, else the units its keywords point at."""
    for heading in (row.name, row.section):
        match = _FIELD_HEADING.search(heading)
        # "交通管理和执法领域" names two fields: its requirements go by their own keywords.
        single_field = match and not re.search("[和及与、]", match.group(1))
        owner = directory.domain_owner(match.group(1)) if single_field else None
        if owner:
            return [owner]
    return directory.keyword_units(row.content, row.name + row.section)[:MAX_KEYWORD_UNITS]


def expand_groups(rows: list[TaskRow], directory: UnitDirectory) -> list[TaskRow]:
    """Replace each group (各委办局) by its members in the directory, in the same role."""
    for row in rows:
        for role in ("lead", "units", "assist"):
            expanded: list[str] = []
            for name in getattr(row, role):
                members = [m.name for m in directory.members(name)] or [name]
                for member in members:
                    if member not in expanded:
                        expanded.append(member)
                        row.unit_sources.setdefault(member, row.unit_sources.get(name, UnitSource.NOTE.value))
            setattr(row, role, expanded)
    return rows


def unit_source_text(row: TaskRow) -> str:
    """The 单位来源 cell: each source with the units it gave, e.g. "主语推断：各区政府"."""
    by_source: dict[str, list[str]] = {}
    for name in row.lead + row.units + row.assist:
        by_source.setdefault(row.unit_sources.get(name, UnitSource.NOTE.value), []).append(name)
    if len(by_source) == 1 and next(iter(by_source)) in (UnitSource.NOTE.value, UnitSource.HEADING.value):
        return next(iter(by_source))  # the plan says so: nothing to check, no need to list the names
    return "；".join(f"{source}：{'、'.join(names)}" for source, names in by_source.items())
