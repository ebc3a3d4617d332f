"""PDF plans through pdfplumber.

pdfplumber gives text lines with positions but no paragraphs, and official PDFs
carry running headers, page numbers (— 3 —) and sentences broken across pages.
The paragraph rebuilding below uses the geometry a reader uses: a paragraph ends
on a line that stops short of the right margin; one starts on an indented line.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from ..errors import PlanReadError
from .markers import starts_outline_item
from .model import PlanText, SourceLine

_PAGE_NUMBER = re.compile(
    r"^[\s\-—–－·]*(第\s*)?\d{1,4}(\s*页)?(\s*[/／共]\s*\d{1,4}\s*页?)?[\s\-—–－·]*$"
)
_MARGIN_SHARE = 0.09  # top/bottom share of the page where running headers live


def _open(path: Path):
    try:
        return pdfplumber.open(str(path))
    except PdfminerException as exc:
        if isinstance(exc.args[0] if exc.args else None, PDFPasswordIncorrect):
            raise PlanReadError(
                f"PDF 文件“{path.name}”设有打开密码：请先取消密码保护后再导入。"
            ) from None
        raise PlanReadError(f"文件“{path.name}”不是有效的 PDF 文件，或已损坏。") from None
    except Exception:  # pdfminer raises many unrelated types on damaged files
        raise PlanReadError(f"文件“{path.name}”不是有效的 PDF 文件，或已损坏。") from None


def _page_lines(page) -> tuple[list[dict], list[list[list[str]]]]:
    """The page's text lines outside ruled tables, and the tables' cell texts."""
    found = page.find_tables()
    grids = [[[_cell_text(cell) for cell in row] for row in table.extract()] for table in found]

    def outside(line: dict) -> bool:
        # By the line's middle: a cell's glyphs may stand a fraction of a point over the
        # table's ruling (LibreOffice's header row, a row continued on the next page), and
        # such a line read as body text would come back as a task row of its own.
        middle_x, middle_y = (line["x0"] + line["x1"]) / 2, (line["top"] + line["bottom"]) / 2
        return not any(x0 <= middle_x <= x1 and top <= middle_y <= bottom
                       for x0, top, x1, bottom in (t.bbox for t in found))

    lines = [line for line in page.extract_text_lines(return_chars=False) if outside(line)]
    top_band, bottom_band = page.height * _MARGIN_SHARE, page.height * (1 - _MARGIN_SHARE)
    for line in lines:
        line["in_margin"] = line["top"] < top_band or line["bottom"] > bottom_band
        line["page"] = page.page_number
    return lines, [grid for grid in grids if grid]


_ORGAN_END = re.compile(r"(?:局|委|办|室|中心|所|队|府|部门|单位|街镇|镇|街道)$")
_UNIT_START = re.compile(r"^(?:区|市|镇|县|街道|各|\*|＊)")


def _cell_text(cell: str | None) -> str:
    """A cell's text without the line wraps of the PDF layout.

    A wrap falls anywhere, even inside a unit name ("镇综|合执法队"), so lines are
    joined without a separator; only a line that ends a unit name followed by one
    that starts another ("区府办|区司法局", one unit per line) is joined with 、.
    """
    from ..units.cells import is_unit_per_line  # late: addin.units imports this package

    lines = [line.strip() for line in (cell or "").split("\n") if line.strip()]
    if is_unit_per_line(lines):
        return "\n".join(lines)  # one unit per line: the unit cell reader splits them
    text = lines[0] if lines else ""
    for line in lines[1:]:
        joiner = "、" if _ORGAN_END.search(text) and _UNIT_START.match(line) else ""
        text += joiner + line
    return text


def _join_tables(grids: list[list[list[str]]]) -> list[list[list[str]]]:
    """Tables as the reader sees them: a table continued on the next page (same columns) is one."""
    tables: list[list[list[str]]] = []
    for grid in grids:
        if tables and len(grid[0]) == len(tables[-1][0]):
            if _continues_row(tables[-1][-1], grid[0]):
                tables[-1][-1] = [a + b for a, b in zip(tables[-1][-1], grid[0], strict=True)]
                grid = grid[1:]
            tables[-1].extend(grid)  # a repeated header row is skipped by the table reader
        else:
            tables.append(grid)
    return tables


def _continues_row(last: list[str], first: list[str]) -> bool:
    """A row broken by the page: the new page's first row has no number and no text in the
    first and last columns where the row before has both ("7 | …审查、 | 党政办公室" / " | 读质量… | ")."""
    return bool(last[0] and last[-1]) and not first[0] and not first[-1] and any(first)


def _fold(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip())


def _running_texts(pages: list[list[dict]]) -> set[str]:
    """Texts seen in the header/footer band of at least half the pages (digits folded)."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({_fold(line["text"]) for line in page if line["in_margin"]})
    return {text for text, n in counts.items() if n >= max(2, len(pages) / 2)}


def _is_furniture(line: dict, running: set[str]) -> bool:
    if not line["in_margin"]:
        return False
    text = line["text"].strip()
    return bool(_PAGE_NUMBER.match(text)) or _fold(text) in running


def _paragraphs(lines: list[dict]) -> list[tuple[str, int, int]]:
    """Join text lines into (text, page, line number on page) paragraphs by geometry."""
    if not lines:
        return []
    left = min(line["x0"] for line in lines)
    right = max(line["x1"] for line in lines)
    heights = sorted(line["bottom"] - line["top"] for line in lines)
    char = min(max(heights[len(heights) // 2], 4.0), 30.0)  # the body's character size
    paragraphs: list[list] = []
    previous = None
    for line in lines:
        indented = line["x0"] > left + char * 0.8
        ended = previous is None or previous["x1"] < right - char * 1.5
        if ended or indented or starts_outline_item(line["text"]):
            paragraphs.append([line["text"].strip(), line["page"], line["number"]])
        else:
            paragraphs[-1][0] += line["text"].strip()
        previous = line
    return [tuple(p) for p in paragraphs]


def read_pdf_plan(path: Path) -> PlanText:
    """Read a .pdf plan: body paragraphs without running headers and page numbers, and its ruled tables."""
    with _open(path) as pdf:
        read = [_page_lines(page) for page in pdf.pages]
    pages = [lines for lines, _ in read]
    tables = _join_tables([grid for _, grids in read for grid in grids])
    running = _running_texts(pages)
    body = []
    for page in pages:
        for number, line in enumerate(page, start=1):
            line["number"] = number
            if not _is_furniture(line, running) and line["text"].strip():
                body.append(line)
    if not body and not tables:
        raise PlanReadError(
            f"PDF 文件“{path.name}”中没有可提取的文字，可能是扫描件（图片）：请提供 Word 版或文字版 PDF，"
            "或先做文字识别（OCR）。"
        )
    lines = [
        SourceLine(text, f"第{page}页第{number}行", i)
        for i, (text, page, number) in enumerate(_paragraphs(body))
    ]
    return PlanText(path, lines, tables)
