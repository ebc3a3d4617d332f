"""Build plan fixtures from corpus text: .docx with Word auto-numbering, and .pdf.

The .docx has no literal 一、/（一）/1. in its text: the numbers come from a
numbering definition, as in plans typed in Word. The .pdf is laid out like an
official document: indented paragraphs wrapped at the margin, a running header
and a page number footer on every page.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from addin.plan import read_plan
from addin.plan.markers import find_marker

LEVELS = {"chapter": 0, "section": 1, "item": 2, "subitem": 3, "circled": 4}
_FORMATS = (("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3."),
            ("decimal", "（%4）"), ("decimalEnclosedCircle", "%5"))


def plan_paragraphs(source: Path) -> list[str]:
    """The repaired paragraphs of a corpus plan."""
    return [line.text for line in read_plan(source).lines]


def _never_restarting(paragraphs: list[str]) -> set[int]:
    """Levels whose numbers run on across higher levels (庙行镇 items 1…28)."""
    continuing: set[int] = set()
    crossed: dict[int, bool] = {}  # level -> a higher level was seen since its last marker
    for text in paragraphs:
        marker = find_marker(text)
        if marker is None or marker.kind not in LEVELS:
            continue
        level = LEVELS[marker.kind]
        if crossed.get(level) and marker.label not in ("1", "一", "①"):
            continuing.add(level)
        crossed[level] = False
        for deeper in crossed:
            if deeper > level:
                crossed[deeper] = True
    return continuing


def _numbering_xml(continuing: set[int]) -> str:
    levels = []
    for ilvl, (fmt, text) in enumerate(_FORMATS):
        restart = '<w:lvlRestart w:val="0"/>' if ilvl in continuing else ""
        levels.append(
            f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{restart}'
            f'<w:suff w:val="nothing"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
        )
    return (f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
            f'<w:multiLevelType w:val="multilevel"/>{"".join(levels)}</w:abstractNum>')


def build_docx(source: Path, target: Path) -> Path:
    """Write ``target``.docx from the plan text of ``source`` with auto-numbered headings."""
    paragraphs = plan_paragraphs(source)
    document = Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(_numbering_xml(_never_restarting(paragraphs))))
    numbering.append(parse_xml(
        f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    document.sections[0].header.paragraphs[0].text = "页眉：政务公开工作要点"
    num_id, chapters = 90, 0
    for text in paragraphs:
        marker = find_marker(text)
        if marker is None or marker.kind not in LEVELS:
            document.add_paragraph(text)
            continue
        if marker.kind == "chapter" and marker.label == "一" and chapters:
            # A second list (a notice's 一、二、三, then its plan's 一、二): a new Word list
            # restarting at 一, as Word makes it when the attachment is pasted after the notice.
            num_id += 1
            numbering.append(parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="90"/>'
                f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'))
        chapters += marker.kind == "chapter"
        paragraph = document.add_paragraph(marker.rest)
        paragraph._p.get_or_add_pPr().insert(0, parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{LEVELS[marker.kind]}"/>'
            f'<w:numId w:val="{num_id}"/></w:numPr>'))
    document.save(str(target))
    return target


FONT = "STSong-Light"
FONT_SIZE = 12


def _wrap(text: str, width: float, indent: float) -> list[str]:
    lines, current, limit = [], "", width - indent
    for char in text:
        if pdfmetrics.stringWidth(current + char, FONT, FONT_SIZE) > limit:
            lines.append(current)
            current, limit = "", width
        current += char
    return [*lines, current] if current else lines


def build_pdf(source: Path, target: Path, header: str = "政务公开工作要点") -> Path:
    """Write ``target``.pdf: wrapped, indented paragraphs; header and page number on each page."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    page_width, page_height = A4
    left, right, top, bottom = 72, page_width - 72, page_height - 80, 80
    pdf = canvas.Canvas(str(target), pagesize=A4)
    state = {"page": 0, "y": 0.0}

    def new_page() -> None:
        if state["page"]:
            pdf.showPage()
        state["page"] += 1
        pdf.setFont(FONT, 10)
        pdf.drawCentredString(page_width / 2, page_height - 40, header)
        pdf.drawCentredString(page_width / 2, 36, f"— {state['page']} —")
        pdf.setFont(FONT, FONT_SIZE)
        state["y"] = top

    new_page()
    indent = 2 * FONT_SIZE
    for text in plan_paragraphs(source):
        # STSong-Light has no glyph for U+00B7; U+30FB looks the same and FenJie folds it.
        for i, line in enumerate(_wrap(text.replace("\u00b7", "\u30fb"), right - left, indent)):
            if state["y"] < bottom:
                new_page()
            pdf.drawString(left + (indent if i == 0 else 0), state["y"], line)
            state["y"] -= FONT_SIZE * 1.6
    pdf.save()
    return target
