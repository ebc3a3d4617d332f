"""Tasks laid out as a form: a label on one line, its value on the lines after it.

A 政府工作报告 breakdown published one task per page, copied from a browser, reads

    具体任务
    全面落实……
    责任单位
    卫健局、文旅局
    配合单位
    各乡镇
    完成时限
    ……1月底前完成；其它事项12月底前……

— a two-column table (label | value) flattened to one cell per line. It has no
outline numbers and no table grid; each run of labels from a task label on is a task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .hanzi import simplified
from .model import PlanText

# Label → field. Labels are whole lines (a trailing colon allowed).
_LABELS = {
    "content": r"具体任务|工作任务|任务内容|重点任务|主要任务|工作内容|具体内容|具体措施|工作措施|目标任务|重点工作",
    "name": r"任务名称|工作名称|事项名称",
    "lead": r"牵头单位|牵头部门|牵头责任单位|牵头科室",
    "units": r"责任单位|责任部门|主体责任单位|落实单位|责任科室|承办单位",
    "assist": r"配合单位|配合部门|协办单位|参与单位|配合责任单位|协作单位",
    "deadline": r"完成时限|完成时间|时限要求|时间节点|时间安排|完成期限",
    "leader": r"牵头领导|责任领导|分管领导",
}
_LABEL_LINE = re.compile(r"^\s*(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _LABELS.items()) + r")\s*[:：]?\s*$")


@dataclass
class FormTask:
    """One task read from a form: each field's text as written."""

    fields: dict[str, str] = field(default_factory=dict)
    where: str = ""


def form_tasks(plan: PlanText) -> list[FormTask]:
    """The tasks of a plan laid out as label lines and value lines; [] when it is no such form.

    A form needs a task label and at least one unit label, each followed by a value.
    """
    tasks: list[FormTask] = []
    label, waiting = "", False
    for line in plan.lines:
        match = _LABEL_LINE.match(simplified(line.text))
        if match or "|" in line.text:
            if waiting or not match:
                return []  # labels in a row, or cells between bars: a table's header, not a form
            label, waiting = match.lastgroup or "", True
            if label == "content" or not tasks:
                tasks.append(FormTask(where=line.where))
            continue
        waiting = False
        if label and tasks:
            fields = tasks[-1].fields
            fields[label] = fields.get(label, "") + line.text.strip()
    return [task for task in tasks
            if task.fields.get("content") and any(task.fields.get(k) for k in ("lead", "units", "assist"))]
