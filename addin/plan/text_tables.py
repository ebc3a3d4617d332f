"""Task tables pasted as text.

A table copied from a web page or a PDF arrives as text in several shapes: cells
separated by ``|`` or tabs, one row per line; one cell per line with ``|`` lines or
blank lines between them (a browser's copy); cells flattened into one line with
spaces. The column structure is lost in all but the first, so the rows are rebuilt
the way a reader does: the header names the columns (and tells whether progress
columns follow the units), and each cell's content says what it is — a number
opens a row, a long sentence is the task, unit names are its units, a date its
deadline, a short text above the task its group title.

No library reads this (pandas and csv need a fixed separator and a cell per
field), hence the hand-written reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..columns import DEADLINE_WORDS, UNIT_ROLES, cell_kind, header_role, normalize_header
from .markers import find_marker
from .model import SourceLine

GRID_HEADER = ("序号", "章节", "小节", "任务名称", "任务内容", "牵头单位", "责任单位", "配合单位", "完成时限")
_ROLE_COLUMN = {"seq": 0, "chapter": 1, "section": 2, "name": 3, "content": 4, "lead": 5, "units": 6,
                "assist": 7, "deadline": 8}
_PERSON = re.compile(r"[\u4e00-\u9fff]{1,3}")
_MAX_HEADER_LABELS = 16
_PREFIX_WORDS = ("牵头", "主体", "配合", "协办", "责任", "分管", "完成", "落实", "具体", "工作", "目标")


@dataclass
class TextTable:
    """A table found in the lines of a text.

    Attributes:
        first: Index (into the lines) of the header's first line.
        last: Index just past the table's last line; None when the table runs to the end.
        header: The column labels as written.
        grid: :data:`GRID_HEADER` and the task rows rebuilt from the cells; for a
            tab- or |-separated table whose header words are all unknown, its lines as
            they are (the table reader then judges the columns by content).
    """

    first: int
    header: list[str]
    grid: list[list[str]] = field(default_factory=list)
    last: int | None = None  # index just past the table's last line (None: the end of the text)


def _unquote(cell: str) -> str:
    """A cell without the quote Excel's copy puts around a cell holding a line break.

    Excel copies such a cell as ``"line 1`` … ``line 2"``: the quote opens on one line
    and closes on another, so each part carries one unpaired ASCII quote. Chinese text
    quotes with “”, so an unpaired " is never part of the words.
    """
    cell = cell.strip()
    if cell.count('"') % 2:
        cell = cell[1:] if cell.startswith('"') else cell[:-1] if cell.endswith('"') else cell
    return cell.strip()


def _cells(line: str, spaced: bool) -> list[str]:
    """The cells of one line: split at | and tabs; at runs of spaces in a flattened table."""
    parts = [_unquote(p) for p in re.split(r"[|｜\t]", line)]
    if spaced and len(parts) == 1:
        parts = re.split(r"\s+", line.strip())
        parts = _join_single_characters(parts)
    return [p.strip() for p in parts if p.strip()]


def _join_single_characters(parts: list[str]) -> list[str]:
    """"汪  峰" flattened: single characters in a row are one name."""
    joined: list[str] = []
    for part in parts:
        if joined and len(part) == 1 and len(joined[-1]) == 1 and not part.isdigit():
            joined[-1] += part
        else:
            joined.append(part)
    return joined


def _merge_labels(tokens: list[str]) -> list[str]:
    """Header words broken by the layout ("牵头 领导", "主体 责任单位", "目标 任务") joined."""
    merged: list[str] = []
    for token in tokens:
        if (merged and len(merged[-1]) <= 2 and not token[:1].isdigit() and len(merged[-1] + token) <= 8
                and (header_role(merged[-1]) is None or merged[-1] in _PREFIX_WORDS)
                and header_role(merged[-1] + token)):
            merged[-1] += token
        else:
            merged.append(token)
    return merged


def _header_at(stream: list[tuple[str, int]], start: int) -> int:
    """Length of a header run of labels starting at ``stream[start]``, else 0."""
    roles = []
    for text, _ in stream[start:start + _MAX_HEADER_LABELS * 2]:
        role = header_role(text)
        if (role is None or (role != "progress" and len(normalize_header(text)) > 8)) and (
                len(text) > 8 or re.search(r"[。，,；;]", text) or text.isdigit()):
            break
        roles.append(role)
    while roles and roles[-1] is None:
        roles.pop()
    known = [r for r in roles if r]
    enough = len(known) >= 3 or (len(known) >= 2 and set(known) & {"name", "content"})
    useful = {"name", "content"} & set(known) or set(known) & set(UNIT_ROLES)
    return len(roles) if enough and useful and len(known) >= 0.5 * len(roles) else 0


def _is_spaced_header(text: str) -> bool:
    """A header line flattened with spaces: "序号 重点任务 工作内容 责任科室"."""
    tokens = _merge_labels(text.split())
    return len(tokens) >= 3 and sum(1 for t in tokens if header_role(t)) >= 2 and not re.search(r"[|｜\t]", text)


def _stream(lines: list[SourceLine]) -> tuple[list[tuple[str, int]], dict[int, list[str]]]:
    """Cells in reading order with their line index, and each separated line's cells with its
    empty ones (a line of a tab- or |-separated table is a whole row, empty cells included)."""
    spaced = any(re.search(r"[\u4e00-\u9fff]\s{2,}[\u4e00-\u9fff]", line.text) or _is_spaced_header(line.text)
                 for line in lines)
    stream: list[tuple[str, int]] = []
    separated: dict[int, list[str]] = {}
    for index, line in enumerate(lines):
        if re.search(r"[|｜\t]", line.text):
            parts = [_unquote(p) for p in re.split(r"[|｜\t]", line.text.strip(" "))]
            separated[index] = parts[1:] if parts and not parts[0] and line.text.strip()[0] in "|｜" else parts
            if separated[index] and not separated[index][-1] and line.text.strip()[-1] in "|｜":
                separated[index] = separated[index][:-1]
        cells = _cells(line.text, spaced and index not in separated)
        stream.extend((cell, index) for cell in cells)
    return stream, separated


def _merged_stream(stream: list[tuple[str, int]]) -> list[tuple[str, int]]:
    labels = _merge_labels([text for text, _ in stream])
    positions, i = [], 0
    for label in labels:  # each merged label at the line of its first part
        positions.append(stream[i][1])
        consumed = ""
        while i < len(stream) and len(consumed) < len(label):
            consumed += stream[i][0]
            i += 1
    return list(zip(labels, positions, strict=True))


# A line that closes a document, after which a pasted table has certainly ended.
_CLOSING = re.compile(r"^\s*(?:抄送|抄报|附件[:：\d]|联系人|联系电话|主题词|（此件|\(此件|此件)"
                      r"|^\s*[\u4e00-\u9fff]{2,20}印发\s*$")


def _table_end(lines: list[SourceLine], start: int) -> int:
    """Index of the first closing line after ``start`` (or the end of the text)."""
    return next((i for i in range(start + 1, len(lines)) if _CLOSING.match(lines[i].text)), len(lines))


def find_text_table(lines: list[SourceLine]) -> TextTable | None:
    """The task table in ``lines`` (from its header to a closing line or the end), or None."""
    table = _find_table(lines)
    if table is None:
        return None
    end = _table_end(lines, table.first)
    if end < len(lines):
        table = _find_table(lines[:end]) or table
        table.last = end
    return table


def _find_table(lines: list[SourceLine]) -> TextTable | None:
    stream, separated = _stream(lines)
    merged = _merged_stream(stream)
    card = _card_table(merged)
    if card is not None:
        return card
    for start in range(len(merged)):
        length = _header_at(merged, start)
        if length:
            header = [text for text, _ in merged[start:start + length]]
            table = TextTable(merged[start][1], header)
            table.grid = [list(GRID_HEADER), *_rows(header, merged[start + length:], separated)]
            return table
    return _separated_grid(separated) or _headerless_table(merged, separated)


def _separated_grid(separated: dict[int, list[str]]) -> TextTable | None:
    """The longest run of tab- or |-separated lines with one cell count, as a raw grid.

    Its header words are unknown (else the header was found above), so the table
    reader judges the columns by their content.
    """
    runs: list[list[int]] = []
    for index in sorted(separated):
        width = len(separated[index])
        if runs and runs[-1][-1] == index - 1 and len(separated[runs[-1][-1]]) == width:
            runs[-1].append(index)
        else:
            runs.append([index])
    best = max(runs, key=len, default=[])
    if len(best) < 3 or len(separated[best[0]]) < 2:
        return None
    return TextTable(best[0], separated[best[0]], [separated[i] for i in best])


_PLAIN_HEADER = ["序号", "任务内容", "责任单位", "完成时限"]


def _headerless_table(cells: list[tuple[str, int]], separated: dict[int, list[str]]) -> TextTable | None:
    """Numbered rows under a header no word of which is known: kept when their content is clear
    (a number opens each row, and most rows name units)."""
    numbers = [k for k, (text, _) in enumerate(cells) if cell_kind(text) == "seq"]
    if len(numbers) < 2:
        return None
    rows = _rows(_PLAIN_HEADER, cells[numbers[0]:], separated)
    with_units = [row for row in rows if any(row[i] for i in (5, 6, 7))]
    if len(rows) < 2 or len(with_units) < 0.6 * len(rows):
        return None
    first = cells[numbers[0]][1]
    previous = max((k for k in range(numbers[0]) if cells[k][1] < first), default=None)
    start = cells[previous][1] if previous is not None and len(cells[previous][0]) <= 8 else first
    return TextTable(start, [], [list(GRID_HEADER), *rows])


def _card_role(text: str) -> str | None:
    role = header_role(text)
    return role if role in _ROLE_COLUMN and len(normalize_header(text)) <= 8 else None


def _card_table(cells: list[tuple[str, int]]) -> TextTable | None:
    """A task written as a card: a label line (具体任务, 责任单位, 完成时限) above each value.

    Labels never follow each other (a header row would); a label seen again opens the next task.
    """
    labelled = [i for i, (text, _) in enumerate(cells) if _card_role(text)]
    roles = {_card_role(cells[i][0]) for i in labelled}
    if len(labelled) < 3 or not roles & {"content", "name"} or not roles & set(UNIT_ROLES):
        return None
    if any(b == a + 1 for a, b in zip(labelled, labelled[1:], strict=False)) or labelled[-1] == len(cells) - 1:
        return None
    rows: list[dict[str, str]] = [{}]
    for k, i in enumerate(labelled):
        role = _card_role(cells[i][0])
        end = labelled[k + 1] if k + 1 < len(labelled) else len(cells)
        if role in rows[-1]:
            rows.append({})
        rows[-1][role] = "\n".join(text for text, _ in cells[i + 1:end])
    grid = [list(GRID_HEADER)]
    for values in rows:
        if "content" not in values and "name" in values:
            values["content"] = values.pop("name")
        grid.append([values.get(role, "") for role in _ROLE_COLUMN])
    return TextTable(cells[labelled[0]][1], [cells[i][0] for i in labelled], grid)


@dataclass
class _Row:
    values: dict[str, str] = field(default_factory=dict)
    units_seen: int = 0

    def has(self, role: str) -> bool:
        return bool(self.values.get(role))


class _Builder:
    """Cells in reading order -> task rows, by the header's roles and each cell's kind."""

    def __init__(self, header: list[str]) -> None:
        roles = [header_role(h) for h in header]
        self.unit_columns = [r for r in roles if r in UNIT_ROLES] or ["units"]
        if self.unit_columns[0] == "units" and {"lead", "assist"} <= set(self.unit_columns[1:]):
            self.unit_columns = self.unit_columns[1:]  # 责任单位 over 牵头单位 | 配合单位
        last_unit = max((i for i, r in enumerate(roles) if r in UNIT_ROLES), default=len(roles))
        self.progress_after_units = any(r in ("progress", "leader") or r is None for r in roles[last_unit + 1:]) \
            or any(r == "progress" for r in roles)
        self.deadline_after_units = "deadline" in roles[last_unit + 1:]
        self.has_leader = "leader" in roles
        self.groups: dict[str, str] = {}
        self.row = _Row()
        self.units_line: int | None = None  # the line of the row's last unit cell
        self.rows: list[list[str]] = []

    def flush(self) -> None:
        values = self.row.values
        if not values.get("content") and values.get("name") and (values.get("units") or values.get("lead")):
            values["content"], values["name"] = values["name"], self.groups.get("name", "")
        if values.get("content"):
            for role in ("chapter", "section", "name"):
                values.setdefault(role, self.groups.get(role, ""))
            grid_row = [""] * len(GRID_HEADER)
            for role, text in values.items():
                grid_row[_ROLE_COLUMN[role]] = text
            self.rows.append(grid_row)
        self.row = _Row()

    def add(self, text: str, line: int | None = None) -> None:
        kind = cell_kind(text)
        row = self.row
        if kind == "short" and row.units_seen and line is not None and line == self.units_line \
                and not self.progress_after_units and not (self.has_leader and _PERSON.fullmatch(text)):
            kind = "units"  # "…要求。 镇民政办 镇宣传统战 全年": a unit cell flattened with spaces, not a group title
        if kind == "seq":
            if row.has("content") or row.has("seq"):
                self.flush()
            self.row.values["seq"] = text.strip("（()）.．、")
        elif kind == "heading" or (kind == "short" and find_marker(text)):
            self._group(text)
        elif kind == "units":
            self._units(text)
            self.units_line = line
        elif kind == "deadline":
            if row.has("content") or row.has("name"):
                row.values.setdefault("deadline", text)
        elif kind == "long":
            self._long(text)
        elif kind == "short":
            self._short(text)

    def add_row(self, values: dict[str | None, str]) -> None:
        """A line that holds a whole row, its cells in the header's columns."""
        self.flush()
        marker_rows = [v for v in values.values() if v]
        if len(set(marker_rows)) == 1 and find_marker(marker_rows[0]):
            self._group(marker_rows[0])  # a section row spread over the columns
            return
        for role, text in values.items():
            if role and text:
                self.row.values[role] = text
                if role in ("chapter", "section", "name"):
                    self.groups[role] = text
        self.row.units_seen = sum(1 for r in UNIT_ROLES if self.row.has(r))
        self.flush()

    def _short(self, text: str) -> None:
        """A group title above the task, a unit name the patterns miss, or a person (skipped)."""
        row = self.row
        if (row.units_seen and self.progress_after_units) or (self.has_leader and _PERSON.fullmatch(text)):
            return  # a person, a quarterly target, a status after the units
        if row.units_seen:
            self.flush()
            row = self.row
        if row.has("content"):
            if not _PERSON.fullmatch(text) and len(text) >= 4:
                self._units(text)
            return
        if row.has("name"):
            self.groups["section"] = row.values["name"]
        row.values["name"] = text
        self.groups["name"] = text

    def _group(self, text: str) -> None:
        if self.row.has("content"):
            self.flush()
        marker = find_marker(text)
        kind = marker.kind if marker else "chapter"
        if kind in ("part", "chapter"):
            self.groups = {"chapter": text}
        elif kind == "section" and "chapter" in self.groups:
            self.groups = {"chapter": self.groups["chapter"], "section": text}
        else:
            self.groups["name"] = text
            self.row.values["name"] = text

    def _units(self, text: str) -> None:
        row = self.row
        if not row.has("content") and not row.has("name"):
            if self.rows and not row.has("seq"):
                return  # units with no task before them: nothing to attach them to
        index = min(row.units_seen, len(self.unit_columns) - 1)
        role = self.unit_columns[index]
        row.values[role] = "\n".join(v for v in (row.values.get(role, ""), text) if v)
        row.units_seen += 1

    def _long(self, text: str) -> None:
        row = self.row
        if row.units_seen and self.deadline_after_units and not row.has("deadline") and DEADLINE_WORDS.search(text):
            row.values["deadline"] = text  # a long 完成时限 ("…1月底前完成；其它事项12月底前…")
            return
        if self.progress_after_units and row.units_seen:
            return  # a progress column after the units
        if row.has("content"):
            self.flush()
        self.row.values["content"] = text


def _line_roles(header: list[str]) -> list[str | None]:
    """The task role of each header column, for a line that holds a whole row."""
    roles = [header_role(h) for h in header]
    contents = [i for i, r in enumerate(roles) if r == "content"]
    for i in contents[:-1]:
        roles[i] = "name"  # 具体要求 | 细化措施: the group before the measure
    if not contents:
        names = [i for i, r in enumerate(roles) if r == "name"]
        if names:
            roles[names[-1]] = "content"
    return [r if r in _ROLE_COLUMN else None for r in roles]


def _rows(header: list[str], cells: list[tuple[str, int]], separated: dict[int, list[str]]) -> list[list[str]]:
    builder = _Builder(header)
    roles = _line_roles(header)
    k = 0
    while k < len(cells):
        line = cells[k][1]
        parts = separated.get(line, [])
        if len(parts) == len(header) and "content" in roles and any(parts):
            builder.add_row(dict(zip(roles, parts, strict=True)))
            while k < len(cells) and cells[k][1] == line:
                k += 1
        else:
            builder.add(*cells[k])
            k += 1
    builder.flush()
    return _inherit_units(builder.rows)


def _inherit_units(rows: list[list[str]]) -> list[list[str]]:
    """A unit cell merged over rows: the rows below it have none of their own."""
    previous: dict[int, str] = {}
    for row in rows:
        units = {i: row[i] for i in (5, 6, 7) if row[i]}
        if units:
            previous = units
        elif previous:
            for i, value in previous.items():
                row[i] = value
    return rows


def split_text_table(lines: list[SourceLine]) -> tuple[list[SourceLine], list[list[list[str]]]]:
    """The lines before a pasted task table, and the table's grid (with :data:`GRID_HEADER`).

    Returns ``(lines, [])`` when the text holds no table.
    """
    table = find_text_table(lines)
    if table is None:
        return lines, []
    return lines[: table.first] + (lines[table.last:] if table.last else []), [table.grid]
