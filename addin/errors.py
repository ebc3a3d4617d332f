"""Exception hierarchy. Messages are Chinese: they reach the user as they are.

Only unusable input raises; problems found inside a table are findings (data).
"""

from __future__ import annotations


class FenJieError(Exception):
    """Base of every error FenJie reports to the user as a one-line message."""


class PlanReadError(FenJieError):
    """A plan document cannot be read (missing, wrong format, encrypted, …)."""


class OutlineError(FenJieError):
    """A plan was read but has no usable outline (no numbered structure)."""


class WorkbookWriteError(FenJieError):
    """An output workbook cannot be written (locked, read-only, disk full, …)."""
