"""File names of written messages."""

from __future__ import annotations

from ..safe_io import file_part, fit_file_name


def eml_name(unit: str, subject: str) -> str:
    """``区教育局_【请反馈】….eml``, safe on Windows and short enough for any path."""
    return fit_file_name(file_part(f"{unit}_{subject}"), ".eml")
