"""File names of written messages."""

from __future__ import annotations

import re

MAX_NAME = 60  # characters before ".eml": short enough for any folder path on Windows


def eml_name(unit: str, label: str = "") -> str:
    """``区教育局_2024年第3季度.eml``: the unit and the round (stable across runs), safe on Windows."""
    clean = re.sub(r'[\\/:*?"<>|\r\n\t]+', "", "_".join(p for p in (unit, label) if p)).strip(" .")
    return (clean[:MAX_NAME] or "邮件") + ".eml"
