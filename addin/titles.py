"""One title per workbook: the plan's own name, used by every output and mail.

The name is read from the plan (:attr:`addin.outline.Outline.title`), kept on the
上级要点 sheet in a row labelled 标题 where the user may change it (the ribbon's
设置 sheet may override it too), and every output derives its title from it:
"…任务分解表", "…工作台账", "…任务进展反馈表", "…进度汇总", the mail subject.
"""

from __future__ import annotations

import re

from .typography import chinese_punctuation

TITLE_LABEL = "标题"  # the 上级要点 row (and 设置 key) holding the title
TABLE_SUFFIX = "任务分解表"
TITLE_NOTE = "各输出文件（正式任务分解表、工作台账、反馈表、进度汇总）和邮件使用的标题，可修改"
# Words of a notice's sentence ("经区政府同意，现将《…》印发给你们") that no plan name has.
NOTICE_WORDS = ("现将", "印发", "通知")
_SUFFIXES = ("任务分解表", "任务分解", "工作台账", "进度汇总", "任务进展反馈表")


def plan_name(title: str) -> str:
    """The plan's name from a title: 《》 and an output suffix stripped, Chinese punctuation."""
    name = re.sub(r"\s+", "", str(title or "")).strip("《》")
    for suffix in _SUFFIXES:
        name = name.removesuffix(suffix)
    return chinese_punctuation(name)


def table_title(name: str) -> str:
    """"{name}任务分解表" (the name as given when it already is a table's title)."""
    name = plan_name(name)
    return name + TABLE_SUFFIX if name else TABLE_SUFFIX


def title_problem(title: str) -> str:
    """Why ``title`` looks like a notice's sentence rather than a plan's name, or ""."""
    words = [w for w in NOTICE_WORDS if w in (title or "")]
    if not words:
        return ""
    return (f"标题“{title}”含有“{'”“'.join(words)}”，像是通知正文而不是方案名称："
            f"请在“上级要点”工作表的“{TITLE_LABEL}”行改为方案本身的名称。")


def title_from_plan_rows(rows: list[list[object]]) -> str:
    """The name on a 上级要点 sheet (rows as read): its 标题 row, else the 文件 row's title."""
    for label in (TITLE_LABEL, "文件"):
        for row in rows[1:5]:
            if row and str(row[0] or "").strip() == label and len(row) > 3 and str(row[3] or "").strip():
                return str(row[3]).strip()
    return ""
