"""Step 1 of the flow: read a plan document (.txt, .docx, .pdf, .doc, .wps) into lines.

Use :func:`read_plan`; it picks the reader by the file's extension and returns a
:class:`PlanText` whose lines are already repaired into paragraphs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..errors import PlanReadError
from ..safe_io import check_input_file
from .cleanup import normalize_text, repair_paragraphs
from .convert import convert_to_docx
from .docx_reader import read_docx_plan
from .model import PlanText, SourceLine
from .pdf_reader import read_pdf_plan
from .text import read_text_plan

__all__ = ["PlanText", "SourceLine", "read_plan", "normalize_text", "MAX_PLAN_BYTES"]

MAX_PLAN_BYTES = 30 * 1024 * 1024  # a plan is tens of KB; 30 MB is surely not one
_READERS = {".txt": read_text_plan, ".docx": read_docx_plan, ".pdf": read_pdf_plan}
_CONVERTED = {".doc", ".wps", ".rtf", ".odt"}


def _read_raw(path: Path) -> PlanText:
    suffix = path.suffix.lower()
    if suffix in _READERS:
        return _READERS[suffix](path)
    if suffix in _CONVERTED:
        with tempfile.TemporaryDirectory(prefix="fenjie-") as workdir:
            plan = read_docx_plan(convert_to_docx(path, Path(workdir)))
        return PlanText(path, plan.lines, plan.tables)
    raise PlanReadError(
        f"不支持的文件类型“{path.suffix or '（无扩展名）'}”（{path.name}）："
        "请提供 .docx、.pdf、.txt、.doc 或 .wps 文件（上级下发的任务分解表可为 .xlsx/.xls/.et）。"
    )


def read_plan(path: str | Path) -> PlanText:
    """Read a plan document into repaired paragraphs.

    Args:
        path: A .txt, .docx or .pdf file; .doc/.wps/.rtf/.odt when LibreOffice is installed.

    Raises:
        PlanReadError: the file is missing, empty, too large, damaged, encrypted,
            image-only or of an unsupported type. The message names the file.
    """
    path = Path(path)
    check_input_file(path, MAX_PLAN_BYTES, "一份工作要点", PlanReadError)
    from .text_tables import split_text_table  # late: it reads cells with addin.units, which imports .markers

    plan = _read_raw(path)
    kept, pasted = split_text_table(plan.lines)  # a table pasted as text is read as a table
    lines = repair_paragraphs(kept)
    if not lines and not plan.tables and not pasted:
        raise PlanReadError(f"文件“{path.name}”中没有文字内容。")
    return PlanText(path, lines, plan.tables + pasted)
