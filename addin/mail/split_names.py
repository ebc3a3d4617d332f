"""File names of written messages."""

from __future__ import annotations

import re


def eml_name(unit: str, subject: str) -> str:
    """``区教育局_【请反馈】….eml``, safe on Windows."""
    clean = re.sub(r'[\\/:*?"<>|\r\n]+', "", f"{unit}_{subject}")
    return clean[:150] + ".eml"
