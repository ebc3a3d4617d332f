"""任务名称 a person would write: a short verb-object phrase, or the item's heading.

Official tables name a requirement by its headline clause when it has one
("加强政策解读材料质量把控，对政策制订过程中…" → 加强政策解读材料质量把控), else by
the heading of the item it belongs to. A leading clause is only a name when it is
a verb-object phrase ("持续推动…落实"); a time or condition ("政府开放活动期间"),
a topic ("对…"), a framing verb ("围绕…", "聚焦…") or a document title
("严格落实《…规定》及配套文件") is the opening of the content, cut off, and the
heading names the row instead. A one-sentence item whose heading is its whole
content gets a short name of its own ("做好A、B、C的信息公开" → "做好A等信息公开").
Rows of one item that carry one name, but for a single row between them, are one
block: that row takes the block's name.
"""

from __future__ import annotations

import re

# Verbs that open a task (做好…, 加强…); adverbs that may come before them (持续推进…).
VERBS = (
    "加强", "推进", "推动", "完善", "健全", "建立", "建设", "优化", "深化", "强化", "做好", "做实", "做深", "落实",
    "开展", "扩大", "提高", "提升", "规范", "加大", "丰富", "抓好", "抓实", "打造", "实行", "实施", "细化", "执行",
    "开放", "集成", "归集", "公开", "发布", "组织", "编制", "制定", "修订", "探索", "创新", "拓展", "用好", "办好",
    "压实", "夯实", "畅通", "拓宽", "深入", "统筹", "保障", "确保", "试行", "举办", "办理", "完成", "梳理", "清理",
    "更新", "维护", "加快", "开设", "设立", "增设", "增强", "改进", "改善", "升级", "构建", "形成", "明确", "召开",
    "选择", "研究", "推广", "运用", "应用", "聚合", "整合", "精简", "简化", "引导", "健全完善", "严把", "把好",
)
ADVERBS = (
    "持续", "继续", "进一步", "全面", "深入", "积极", "严格", "切实", "不断", "加快", "大力", "定期", "率先", "常态化",
    "动态", "及时", "认真", "着力", "稳步", "逐步", "有序", "依法", "主动", "统筹", "协同", "合理", "重点", "着重",
    "扎实", "全力", "广泛", "进一步加强", "规范",
)
MAX_NAME = 24  # characters: longer is a sentence, not a name
_OPENING = re.compile(r"^([^，,；;：:。]{4,40})[，,；;]")
_LEAD_IN = re.compile(r"^[^，,。；;：:]{0,20}[：:]")  # "主要做好以下工作："
_NOT_A_NAME = re.compile(r"《|期间$|时$|中$|后$|前$|的$|[0-9]")
_ADVERB = "|".join(sorted(map(re.escape, ADVERBS), key=len, reverse=True))
_VERB = "|".join(sorted(map(re.escape, VERBS), key=len, reverse=True))
_VERB_PHRASE = re.compile(rf"^(?:(?:{_ADVERB})(?:和|、)?)*(?:{_VERB})")


def is_verb_phrase(text: str) -> bool:
    """True for a phrase that opens with a task verb ("持续推动碳达峰实施方案落实")."""
    return bool(_VERB_PHRASE.match(text))


def headline(sentence: str) -> str:
    """The requirement's headline clause when it is a name ("加强…把控，对…" → "加强…把控"), else ""."""
    text = _LEAD_IN.sub("", sentence.strip())
    match = _OPENING.match(text)
    if not match:
        return ""
    clause = match.group(1).strip()
    if len(clause) > MAX_NAME or _NOT_A_NAME.search(clause) or not is_verb_phrase(clause):
        return ""
    return clause


def task_name(sentence: str, heading: str) -> str:
    """The 任务名称 of one requirement: its headline clause, else ``heading``, else a short name."""
    return headline(sentence) or heading or short_name(sentence)


def short_name(sentence: str) -> str:
    """A name for a sentence that has no heading: itself when short, else its verb and object.

    "做好住房保障、推进…改造情况和…建设情况的信息公开" → "做好住房保障等信息公开".
    """
    text = sentence.strip().rstrip("。；;")
    if len(text) <= MAX_NAME:
        return text
    clause = re.split(r"[，,；;。]", text)[0]
    if len(clause) <= MAX_NAME and is_verb_phrase(clause):
        return clause
    etc = re.match(r"^([^、，,]{2,16})、[^，,]*?(等[^、，,等]*.*)$", clause)  # "做好A、B等C的公开"
    if etc and len(etc.group(1) + etc.group(2)) <= MAX_NAME + 4:
        return etc.group(1) + etc.group(2)
    listed = re.match(r"^([^、，,]{2,16})、.*?(?:情况)?的([^，,的]{2,12})$", clause)
    if listed:
        return f"{listed.group(1)}等{listed.group(2)}"
    return clause  # better whole than cut off in the middle


def join_blocks(names: list[str], groups: list[str], own: list[bool]) -> list[str]:
    """Names with a single odd row between two rows of one name (same group) given that name.

    Args:
        names: 任务名称 row by row.
        groups: The section each row comes from (rows of different sections never merge).
        own: Whether a row's name is a heading of its own (kept) rather than its headline clause.
    """
    joined = list(names)
    for i in range(1, len(names) - 1):
        if groups[i - 1] == groups[i] == groups[i + 1] and names[i - 1] == names[i + 1] != names[i] \
                and not own[i]:
            joined[i] = names[i - 1]
    return joined


def name_blocks(rows) -> None:
    """Apply :func:`join_blocks` and :func:`short_name` to decomposed task rows (in place).

    A row whose name is its whole content (a one-sentence item) gets a short name.
    """
    own = [not row.content.startswith(row.name) for row in rows]  # a heading, not an opening
    for row in rows:
        if row.name and row.name.rstrip("。") == row.content.rstrip("。") and len(row.name) > MAX_NAME:
            row.name = short_name(row.content)
    groups = [f"{row.chapter}|{row.section}" for row in rows]
    for row, name in zip(rows, join_blocks([row.name for row in rows], groups, own), strict=True):
        row.name = name
