"""Cell comments streamed into a saved .xlsx package, instead of built in memory by openpyxl.

Marking a 10,000-row table gives ~18,000 comments. openpyxl serialises them on
save as two lxml trees held whole in memory — the comments part and its VML
drawing, a dozen elements per comment — which added ~72 MiB to the process's
peak and ~2 s to the save (measured in docs/changes/valmem.md). Here the workbook
is saved by openpyxl without those comments and the package is then copied part
by part, adding the comments part and the VML written as a stream of text, the
two relationships, the content type and the ``<legacyDrawing>`` element, exactly
as openpyxl 3.1 writes them (tests compare both paths part by part).

Hand-written because no library appends comments to an existing package: openpyxl
and XlsxWriter only write comments from a whole in-memory workbook. Whatever this
cannot reproduce (a sheet that keeps other comments or a VML drawing of its own, a
text XML cannot hold, a package not laid out as openpyxl saves it) is left to
openpyxl: see :func:`streamable` and :class:`CommentPatchError`.
"""

from __future__ import annotations

import re
import shutil
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .sheet_xml import column_letter

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
# openpyxl's fixed relationship ids (writer/excel.py, worksheet/_writer.py): kept so both paths write the same
COMMENTS_REL_ID, VML_REL_ID = "comments", "anysvml"
LEGACY_DRAWING = f'<legacyDrawing xmlns:r="{REL_NS}" r:id="{VML_REL_ID}"/>'.encode()
# What XML 1.0 cannot hold; lxml refuses such text, so a comment holding it stays with openpyxl.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# In openpyxl's sheet XML, <legacyDrawing> comes after everything it writes except <tableParts>.
_LEGACY_BEFORE = (b"<tableParts", b"</worksheet>")
_CHUNK = 1 << 16
_BATCH = 500  # comments serialised per write: bounded memory, few calls


class CommentPatchError(Exception):
    """The saved package is not laid out as expected: the caller lets openpyxl write the comments."""


@dataclass(frozen=True)
class Note:
    """One cell comment: the cell (its merged range's anchor), text and box size in pixels."""

    row: int
    column: int
    text: str
    width: int
    height: int

    @property
    def ref(self) -> str:
        return f"{column_letter(self.column)}{self.row}"


def streamable(sheet, notes: Iterable[Note]) -> bool:
    """Whether the comments of ``sheet`` can be streamed: it has no other comment and no VML drawing.

    A sheet keeping a user's comments (or, in an .xlsm, form controls drawn in VML)
    needs both in one VML part; openpyxl merges those, so it writes them.
    """
    if sheet.legacy_drawing is not None:
        return False
    # _cells: the cells that exist; iter_rows() would create every empty one of the used range
    if any(cell.comment is not None for cell in sheet._cells.values()):
        return False
    return not any(_NOT_XML.search(note.text) for note in notes)


def add_comments(source: Path, target: Path, notes: dict[str, list[Note]], author: str) -> None:
    """Copy the package ``source`` to ``target`` with ``notes`` added as comments of their sheets.

    Args:
        source: A workbook openpyxl saved, holding no comment on the sheets of ``notes``.
        target: Where the commented package goes.
        notes: Comments by sheet title.
        author: The comments' author.

    Raises:
        CommentPatchError: the package is not as openpyxl saves it; ``target`` is then incomplete.
    """
    with zipfile.ZipFile(source) as package:
        names = set(package.namelist())
        plan = _plan(package, names, {title: n for title, n in notes.items() if n})
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
            for info in package.infolist():
                _copy_part(package, out, info, plan)
            for sheet in plan.values():
                _write_new_parts(out, sheet, author, names)


@dataclass
class _SheetPlan:
    part: str
    notes: list[Note]
    comments: str
    vml: str

    @property
    def rels(self) -> str:
        from .sheets import rels_part

        return rels_part(self.part)


def _plan(package: zipfile.ZipFile, names: set[str], notes: dict[str, list[Note]]) -> dict[str, _SheetPlan]:
    """Each commented sheet's part and the names of its new parts (numbered after openpyxl's own)."""
    parts = _sheet_parts(package)
    if set(notes) - set(parts):
        raise CommentPatchError(f"sheets {sorted(set(notes) - set(parts))} not in the package")
    plans, number = {}, 0
    for title in (t for t in parts if t in notes):  # in workbook order, as openpyxl numbers its parts
        sheet_notes = notes[title]
        number += 1
        while f"xl/comments/comment{number}.xml" in names or f"xl/drawings/commentsDrawing{number}.vml" in names:
            number += 1
        ordered = sorted(sheet_notes, key=lambda n: (n.row, n.column))  # openpyxl writes them in cell order
        plan = _SheetPlan(parts[title], ordered, f"xl/comments/comment{number}.xml",
                          f"xl/drawings/commentsDrawing{number}.vml")
        plans[plan.part] = plan
    return plans


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → its part name, from xl/workbook.xml and its relationships."""
    from .sheets import workbook_sheet_parts

    try:
        book = package.read("xl/workbook.xml").decode("utf-8")
        rels = package.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    except (KeyError, UnicodeDecodeError) as exc:
        raise CommentPatchError(str(exc)) from None
    return workbook_sheet_parts(book, rels)


def _copy_part(package: zipfile.ZipFile, out: zipfile.ZipFile, info: zipfile.ZipInfo,
               plans: dict[str, _SheetPlan]) -> None:
    name, copy = info.filename, _info(info.filename, info.date_time)
    rels = {p.rels: p for p in plans.values()}
    if name in plans:
        with package.open(info) as source, out.open(copy, "w") as target:
            _insert_legacy_drawing(source, target)
    elif name in rels:
        out.writestr(copy, _with_relationships(package.read(info), rels[name]))
    elif name == "[Content_Types].xml":
        out.writestr(copy, _with_content_types(package.read(info), plans.values()))
    else:
        with package.open(info) as source, out.open(copy, "w") as target:
            shutil.copyfileobj(source, target, _CHUNK)


def _info(name: str, date_time: tuple[int, ...] | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time or time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _insert_legacy_drawing(source: IO[bytes], target: IO[bytes]) -> None:
    """Stream a sheet part, adding ``<legacyDrawing>`` where openpyxl writes it.

    Markup is never inside text (a "<" in a cell is written "&lt;"), so the first
    ``<tableParts`` or ``</worksheet>`` in the stream is the place.
    """
    keep, pending = len(b"<legacyDrawing") - 1, b""  # longer than the markers: none is missed across chunks
    while chunk := source.read(_CHUNK):
        data = pending + chunk
        if b"<legacyDrawing" in data:
            raise CommentPatchError("the sheet already has a legacy drawing")
        at = min((i for i in (data.find(m) for m in _LEGACY_BEFORE) if i >= 0), default=-1)
        if at >= 0:
            target.write(data[:at] + LEGACY_DRAWING + data[at:])
            shutil.copyfileobj(source, target, _CHUNK)
            return
        target.write(data[:-keep])
        pending = data[-keep:]
    raise CommentPatchError("no end of worksheet found")


def _relationship(kind: str, target: str, rel_id: str) -> bytes:
    return (f'<Relationship Type="{REL_NS}/{kind}" Target="/{target}" Id="{rel_id}"/>').encode()


def _plan_relationships(plan: _SheetPlan) -> bytes:
    return _relationship("comments", plan.comments, COMMENTS_REL_ID) + _relationship("vmlDrawing", plan.vml,
                                                                                       VML_REL_ID)


def _with_relationships(xml: bytes, plan: _SheetPlan) -> bytes:
    if f'Id="{COMMENTS_REL_ID}"'.encode() in xml or f'Id="{VML_REL_ID}"'.encode() in xml:
        raise CommentPatchError("the sheet already has comment relationships")
    end = xml.rfind(b"</Relationships>")
    if end < 0:
        raise CommentPatchError("unexpected sheet relationships")
    return xml[:end] + _plan_relationships(plan) + xml[end:]


def _with_content_types(xml: bytes, plans: Iterable[_SheetPlan]) -> bytes:
    """Add each comments part after its sheet's Override and the vml extension after the Defaults."""
    for plan in plans:
        sheet = re.search(rf'<Override PartName="/{re.escape(plan.part)}"[^>]*/>'.encode(), xml)
        if sheet is None:
            raise CommentPatchError(f"{plan.part} has no content type")
        override = f'<Override PartName="/{plan.comments}" ContentType="{COMMENTS_TYPE}"/>'.encode()
        xml = xml[:sheet.end()] + override + xml[sheet.end():]
    if b'<Default Extension="vml"' not in xml:
        first = xml.find(b"<Override ")
        if first < 0:
            raise CommentPatchError("unexpected content types")
        xml = xml[:first] + f'<Default Extension="vml" ContentType="{VML_TYPE}"/>'.encode() + xml[first:]
    return xml


def _write_new_parts(out: zipfile.ZipFile, plan: _SheetPlan, author: str, names: set[str]) -> None:
    if plan.rels not in names:
        out.writestr(_info(plan.rels), f'<Relationships xmlns="{PACKAGE_REL_NS}">'.encode()
                     + _plan_relationships(plan) + b"</Relationships>")
    _stream(out, plan.comments, _comments_xml(plan.notes, author))
    _stream(out, plan.vml, _vml(plan.notes))


def _stream(out: zipfile.ZipFile, name: str, pieces: Iterator[str]) -> None:
    with out.open(_info(name), "w") as target:
        batch: list[str] = []
        for piece in pieces:
            batch.append(piece)
            if len(batch) >= _BATCH:
                target.write("".join(batch).encode())
                batch.clear()
        target.write("".join(batch).encode())


def _text(value: str) -> str:
    """Element text as lxml's tostring(encoding="utf-8") escapes it: UTF-8 as is.

    Not sheet_xml.xml_text: sheet parts come from et_xmlfile, which writes
    character references for everything outside ASCII; comment parts from lxml.
    """
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attribute(value: str) -> str:
    """An attribute value as lxml escapes it."""
    return (_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;"))


def _comments_xml(notes: list[Note], author: str) -> Iterator[str]:
    """xl/commentsN.xml as openpyxl's CommentSheet serialises it (one author)."""
    yield f'<comments xmlns="{MAIN_NS}"><authors><author>{_text(author)}</author></authors><commentList>'
    for note in notes:
        # openpyxl (NestedText → whitespace()) keeps leading/trailing spaces of a text that has others
        stripped = note.text.strip()
        space = ' xml:space="preserve"' if stripped and stripped != note.text else ""
        yield (f'<comment ref="{note.ref}" authorId="0" shapeId="0"><text><t{space}>{_text(note.text)}</t>'
               f"</text></comment>")
    yield "</commentList></comments>"


_VML_HEAD = (
    '<xml><ns0:shapelayout xmlns:ns0="urn:schemas-microsoft-com:office:office"'
    ' xmlns:ns1="urn:schemas-microsoft-com:vml" ns1:ext="edit"><ns0:idmap ns1:ext="edit" data="1"/></ns0:shapelayout>'
    '<ns2:shapetype xmlns:ns2="urn:schemas-microsoft-com:vml" xmlns:ns3="urn:schemas-microsoft-com:office:office"'
    ' id="_x0000_t202" coordsize="21600,21600" ns3:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<ns2:stroke joinstyle="miter"/><ns2:path gradientshapeok="t" ns3:connecttype="rect"/></ns2:shapetype>'
)
_VML_SHAPE = (
    '<ns0:shape xmlns:ns0="urn:schemas-microsoft-com:vml" xmlns:ns1="urn:schemas-microsoft-com:office:office"'
    ' type="#_x0000_t202" style="position:absolute; margin-left:59.25pt;margin-top:1.5pt;width:{width}px;'
    'height:{height}px;z-index:1;visibility:hidden" fillcolor="#ffffe1" ns1:insetmode="auto" id="_x0000_s{id:04d}">'
    '<ns0:fill color2="#ffffe1"/><ns0:shadow color="black" obscured="t"/><ns0:path ns1:connecttype="none"/>'
    '<ns0:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></ns0:textbox>'
    '<ns2:ClientData xmlns:ns2="urn:schemas-microsoft-com:office:excel" ObjectType="Note"><ns2:MoveWithCells/>'
    "<ns2:SizeWithCells/><ns2:AutoFill>False</ns2:AutoFill><ns2:Row>{row}</ns2:Row><ns2:Column>{column}"
    "</ns2:Column></ns2:ClientData></ns0:shape>"
)


def _vml(notes: list[Note]) -> Iterator[str]:
    """The comments' VML drawing as openpyxl's ShapeWriter serialises it (shape ids from 1026, 0-based cells)."""
    yield _VML_HEAD
    for number, note in enumerate(notes, 1026):
        yield _VML_SHAPE.format(width=note.width, height=note.height, id=number, row=note.row - 1,
                                column=note.column - 1)
    yield "</xml>"
