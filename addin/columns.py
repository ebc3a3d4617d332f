"""Column roles of a task table, from its header and its content together.

Published tables title their columns in many ways (任务名称/工作任务/重点任务/主要任务,
具体要求/细化措施/工作内容, 责任单位/负责科室/落实单位/主体责任单位, 完成时限/时间节点/
时间安排 …), titles no list anticipates, and sometimes none at all. The header is read
by the words that name a kind of column (单位, 部门, 科室 → units; 牵头 → lead; 时限,
时间 → deadline; 要求, 措施, 内容 → content …), and a column whose header says nothing
known is judged by what its cells hold: unit names, dates and months, long
sentences, short names, numbers. Progress columns (落实情况, 完成情况, 进展) are no
task content.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from .plan.markers import find_marker
from .units.cells import is_unit_cell

MAX_HEADER_SCAN = 15
TASK_ROLES = ("seq", "chapter", "section", "name", "content", "lead", "units", "assist", "deadline")
UNIT_ROLES = ("lead", "units", "assist")

# Traditional characters of header words (tables copied from mirror sites).
_TRADITIONAL = str.maketrans(
    "點務內負責單門時間項牽頭協辦與體處細舉標備註況進評價領導聯規劃號節類別屬實際總縣區係達計",
    "点务内负责单门时间项牵头协办与体处细举标备注况进评价领导联规划号节类别属实际总县区系达计")

# Header words by role, tried in this order (a 完成情况 column is progress, not a deadline;
# 牵头领导 is a person, not a unit). Each is a regular expression on the normalized header.
_HEADER_RULES: tuple[tuple[str, str], ...] = (
    ("progress", r"情况|进展|进度|成效|评价|状况|完成率|存在问题|下步|季度目标|季度任务|月份|佐证"),
    ("note", r"^备注|^说明$|^附注|^附件$"),
    ("leader", r"领导|责任人|联系人|负责人|分管|包保"),
    ("seq", r"^(序号|编号|序|号|任务编号|项次|编码|代码|序列)$"),
    ("units", r"(单位|部门|科室|股室|处室|机构).*(单位|部门|科室|股室|处室|机构)"),  # 牵头单位(*)/责任单位
    ("assist", r"配合|协办|协助|参与|协作|协同"),
    ("lead", r"牵头|主责|主办"),
    ("units", r"(单位|部门|科室|股室|处室|机构|主体|责任方)$|^责任|^负责|^承办|^落实|^实施主体"),
    ("deadline", r"时限|时间|期限|节点|日期|截止|完成时|进度要求|时序"),
    ("chapter", r"^(章节|板块|工作板块|类别|分类|领域|类型|方面|专项|篇章)$"),
    ("section", r"^(小节|子项)$"),
    ("content", r"内容|要求|措施|举措|细化|描述|做法|路径|具体任务|分解任务|工作标准|标准"),
    ("name", r"任务|工作|重点|事项|目标|项目|名称|指标"),
)
_HEADER_PATTERNS = tuple((role, re.compile(pattern)) for role, pattern in _HEADER_RULES)


def normalize_header(text: object) -> str:
    """Header text compared without spaces, brackets, * and punctuation; traditional script folded."""
    key = re.sub(r"[\s()（）\[\]【】*＊/／、:：.．\n]", "", str(text or "")).translate(_TRADITIONAL)
    return re.sub(r"^\d{4,5}年(?:度)?", "", key)  # "2023年重点工作任务"


def header_role(text: object) -> str | None:
    """The role a header cell names (a task role, or progress/note/leader), if any."""
    value = "" if text is None else str(text)
    return _header_role(value) if len(value) <= 40 else None  # a header is a few words


@lru_cache(maxsize=4096)
def _header_role(text: str) -> str | None:
    key = normalize_header(text)
    if re.search(r"[:：]", str(text or "")):
        return None  # "发布机构：" of a page's metadata, "责任单位：区府办" of a note: not a column
    if not key or len(key) > 12 or re.search(r"[。，,；;！？、]", str(text)) or key.isdigit():
        return None
    if len(key) > 4 and re.search(r"方案|清单|分解表|要点|通知|汇总表|台账|计划表", key):
        return None  # a title, not a column
    for role, pattern in _HEADER_PATTERNS:
        if pattern.search(key):
            return role
    return None


DEADLINE_WORDS = re.compile(
    r"\d{1,2}\s*月|年底|年内|年末|全年|长期|持续|常态|季度|半年|前完成|日前|底前|月前|\d{4}\s*[-/.年]"
    r"|每月|每季|每年|随时|定期|立即|年度内")
_STATUS = re.compile(r"^(?:已完成|完成|已办结|推进中|正在推进|序时推进|按序时推进|达到时序进度|未完成|滞后|进展顺利"
                     r"|正常推进|未达序时|未达到序时进度|持续推进中)$")


def cell_kind(text: str) -> str:
    """What a cell holds: empty, seq, deadline, status, units, heading, long or short text."""
    text = (text or "").strip()
    if not text:
        return "empty"
    if re.fullmatch(r"[（(]?\d{1,4}[)）.．、]?", text):
        return "seq"
    if _STATUS.match(text):
        return "status"
    marker = find_marker(text)
    if marker and marker.kind in ("part", "chapter", "section") and len(text) <= 40:
        return "heading"
    if len(text) <= 20 and DEADLINE_WORDS.search(text) and not re.search(r"[。；，,]", text[:-1]):
        return "deadline"
    if is_unit_cell(text):
        return "units"
    if len(text) >= 24 or re.search(r"[。；;]", text):
        return "long"
    return "short"


def column_kind(cells: list[str]) -> str:
    """The kind most cells of a column hold (units and dates need a majority)."""
    kinds = [cell_kind(c) for c in cells if (c or "").strip()]
    if not kinds:
        return "empty"
    counts = Counter(kinds)
    kind, count = counts.most_common(1)[0]
    if kind in ("heading", "long", "short"):
        return kind  # text columns mix headings, sentences and short names
    return kind if count >= 0.5 * len(kinds) else "mixed"


def _average_length(cells: list[str]) -> float:
    filled = [len(c.strip()) for c in cells if (c or "").strip()]
    return sum(filled) / len(filled) if filled else 0.0


def header_roles(row: list[object]) -> dict[int, str]:
    """Column index -> role for the header cells of ``row`` that name one."""
    roles = {}
    for index, value in enumerate(row):
        role = header_role(value)
        if role:
            roles[index] = role
    return roles


def is_header_row(row: list[object]) -> bool:
    """A row that names at least two columns and holds nothing else of substance."""
    filled = [str(v).strip() for v in row if str(v or "").strip()]
    if any(len(v) > 16 or re.fullmatch(r"\d+(?:\.\d+)?", v) for v in filled):
        return False  # a sentence or a number: a task row
    named = header_roles(row)
    return len(set(named.values())) >= 2 and len(named) >= 0.6 * len(set(filled))


def _columns(grid: list[list[str]], start: int, limit: int = 80) -> list[list[str]]:
    width = max((len(r) for r in grid[max(0, start - 1):start + limit]), default=0)
    body = grid[start:start + limit]
    return [[str(r[c]) if c < len(r) and r[c] is not None else "" for r in body] for c in range(width)]


def resolve_roles(named: dict[int, str], columns: list[list[str]]) -> dict[str, int]:
    """Task roles -> column index, from header roles (``named``) and the columns' content.

    A column whose header named no role takes the role its content shows, if that
    role is still free. Of the text columns (task-like headers or text content), the
    longest is the task content; text columns to its left are, from right to left,
    the task name and the section; text columns right of the unit columns are
    progress, not tasks.
    """
    kinds = {c: column_kind(cells) for c, cells in enumerate(columns)}
    named = {c: role for c, role in named.items() if role != "note"}  # 备注 holds a deadline or the text itself
    roles: dict[str, int] = {}
    for c, role in sorted(named.items()):
        if role in TASK_ROLES and role not in ("name", "content") and role not in roles:
            roles[role] = c
    by_content = {"seq": "seq", "deadline": "deadline", "units": "units"}
    for c, kind in kinds.items():
        if c not in named and kind in by_content and by_content[kind] not in roles:
            roles[by_content[kind]] = c
    text = [c for c in sorted(kinds) if named.get(c) in ("name", "content", "chapter", "section")
            or (c not in named and kinds[c] in ("long", "short", "heading"))]
    text = [c for c in text if c not in roles.values() or named.get(c) in ("chapter", "section")]
    _text_roles(text, named, columns, roles)
    return dict(sorted(roles.items(), key=lambda item: item[1]))


def _text_roles(text: list[int], named: dict[int, str], columns: list[list[str]], roles: dict[str, int]) -> None:
    unit_columns = [roles[r] for r in UNIT_ROLES if r in roles]
    if unit_columns and any(c < min(unit_columns) for c in text):
        text = [c for c in text if c < min(unit_columns)]  # right of the units: progress
    text = [c for c in text if named.get(c) not in ("chapter", "section")] or text
    if not text:
        return
    content = max(text, key=lambda c: (_average_length(columns[c]) * (1.2 if named.get(c) == "content" else 1), c))
    roles["content"] = content
    left = [c for c in text if c < content]
    for role, c in zip(("name", "section", "chapter"), reversed(left), strict=False):
        roles.setdefault(role, c)


def _is_header_candidate(row: list[object]) -> bool:
    named = header_roles(row)
    if any(re.fullmatch(r"\d+(?:\.\d+)?", str(v).strip()) for v in row if v is not None):
        return False  # a data row (序号 1, 2 …), never a header
    task_like = {"name", "content"} & set(named.values())
    unit_like = set(UNIT_ROLES + ("deadline",)) & set(named.values())
    return len(named) >= 2 and bool(task_like or unit_like)


def _content_header(grid: list[list[object]]) -> int:
    """Row index of a header whose words are all unknown, judged by the rows below it.

    The header is a row of short labels above rows that hold a text column and a
    unit or deadline column; -1 when no such row exists.
    """
    for index, row in enumerate(grid[:MAX_HEADER_SCAN]):
        labels = [str(v).strip() for v in row if str(v or "").strip()]
        if len(labels) < 2 or any(len(v) > 16 or re.search(r"[。；;，,]", v) for v in labels):
            continue
        kinds = {column_kind(cells) for cells in _columns(grid, index + 1)}
        if ("long" in kinds and kinds & {"units", "deadline"}) or ("short" in kinds and "units" in kinds):
            return index
    return -1


def find_task_header(grid: list[list[object]]) -> tuple[int, dict[str, int]] | None:
    """0-based header row and task roles -> column, or None when the grid is no task table.

    The header is the row among the first rows naming the most columns; where no row
    names a task column, a row of short labels above clear content is taken.
    """
    best = (-1, {})
    for index, row in enumerate(grid[:MAX_HEADER_SCAN]):
        if _is_header_candidate(row):
            named = header_roles(row)
            if len(named) > len(best[1]):
                best = (index, named)
    index, named = best
    if index < 0:
        index = _content_header(grid)
        if index < 0:
            return None
        named = header_roles(grid[index])
    roles = resolve_roles(named, _columns(grid, index + 1))
    return (index, roles) if "content" in roles else None


def describe_header(grid: list[list[object]]) -> str:
    """The labels of the most header-like row, for a message ("序号、事项、备注")."""
    for row in grid[:MAX_HEADER_SCAN]:
        labels = [str(v).strip() for v in row if str(v or "").strip()]
        if len(labels) >= 2 and all(len(v) <= 16 for v in labels):
            return "、".join(dict.fromkeys(labels))
    first = next((row for row in grid if any(str(v or "").strip() for v in row)), [])
    return "、".join(str(v).strip()[:12] for v in first if str(v or "").strip())


def explain_tables(tables: list[list[list[object]]]) -> str:
    """What a document's tables hold, for the message when none gives tasks.

    "找到 1 个表格，但无法确定哪一列是任务内容：列标题为 序号、事项、备注".
    """
    if not tables:
        return "没有找到表格"
    headers = "；".join(f"表{k}为 {describe_header(grid) or '（空）'}" for k, grid in enumerate(tables[:3], start=1))
    if len(tables) == 1:
        headers = f"列标题为 {describe_header(tables[0]) or '（空）'}"
    return f"找到 {len(tables)} 个表格，但无法确定哪一列是任务内容：{headers}"
