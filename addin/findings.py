"""Problems found in a table are data: findings, each pointing at a sheet and cell."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    """How serious a finding is (the Chinese words users see)."""

    ERROR = "错误"
    WARNING = "警告"
    HINT = "提示"


@dataclass(frozen=True)
class Finding:
    """One problem or notice.

    Attributes:
        rule: Stable rule id, e.g. ``unit.unknown``.
        severity: 错误 / 警告 / 提示.
        sheet: Sheet name the cell is on.
        cell: A1 reference, or "" for the whole sheet.
        message: Chinese message for the user.
        fix: Suggested replacement value, or "" when there is no safe fix.
    """

    rule: str
    severity: Severity
    sheet: str
    cell: str
    message: str
    fix: str = ""


# What a person reads in 校验结果 and messages; the ids stay in --json output and code.
RULE_NAMES = {
    "required.empty": "必填项为空", "required.column": "缺少必填列",
    "seq.not_number": "序号不是数字", "seq.duplicate": "序号重复", "seq.gap": "序号不连续",
    "content.duplicate": "任务内容重复", "unit.lead_missing": "缺少牵头单位", "unit.unknown": "单位不在名录中",
    "deadline.unparsed": "完成时限无法识别", "deadline.defaulted": "完成时限按默认填写",
    "deadline.outside_year": "完成时限不在本年度",
    "cell.too_long": "单元格内容过长", "cell.formula_like": "内容像公式", "cell.control": "含控制字符",
    "cell.formula": "单元格是公式", "text.spacing": "空格或半角标点", "layout.merged": "合并单元格",
    "layout.hidden_row": "隐藏行", "title.notice": "标题像通知正文",
    "unit.unstated": "未注明责任单位", "plan.year": "计划年度未知", "table.unused": "表格未采用",
    "layout.stray_cell": "表格外的孤立单元格",
}


def rule_name(rule: str) -> str:
    """The Chinese name of a rule id (the id itself for a rule without one)."""
    return RULE_NAMES.get(rule, rule)
