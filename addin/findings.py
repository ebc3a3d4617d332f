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
