"""File names of written messages."""

from __future__ import annotations

from ..safe_io import file_part, fit_file_name

MAX_NAME = 60  # characters before ".eml": short enough for any folder path on Windows


def eml_name(unit: str, label: str = "") -> str:
    """``区教育局_2024年第3季度.eml``: the unit and the round (stable across runs), safe on Windows.

    A name too long for a path (a 33-character unit) is shortened with a stable suffix.
    """
    return fit_file_name(file_part("_".join(p for p in (unit, label) if p) or "邮件"), ".eml", limit=MAX_NAME + 4)
