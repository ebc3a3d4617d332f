"""What every plan reader returns: the document's lines with where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SourceLine:
    """One paragraph (or text line) of a plan document.

    Attributes:
        text: The paragraph text, with Word auto-numbering rendered in front.
        where: Human-readable Chinese location, e.g. ``第12行`` or ``第3页第5行``.
        index: 0-based position among the lines of the document.
    """

    text: str
    where: str
    index: int


@dataclass
class PlanText:
    """A plan document read into text.

    Attributes:
        path: The file the text came from.
        lines: Paragraphs in reading order.
        tables: Tables found in the document, each a list of rows of cell texts.
    """

    path: Path
    lines: list[SourceLine]
    tables: list[list[list[str]]] = field(default_factory=list)
