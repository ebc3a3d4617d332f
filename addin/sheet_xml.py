"""Sheet XML as openpyxl 3.1 writes it, read and written without loading a workbook.

Two writers patch packages instead of rebuilding them: the feedback forms
(:mod:`addin.progress.fastforms`) and the ledger (:mod:`addin.progress.ledger_package`).
Both must produce what openpyxl would, so the cell format lives here once. No
library does this: XlsxWriter and openpyxl's write-only mode rebuild every part
(styles included) from Python objects, and openpyxl's normal mode holds every
cell of the workbook in memory. Imports no openpyxl, so a merge that takes this
path does not pay for it.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .cells import ERROR_CODES, EXCEL_CELL_LIMIT, FORMULA_STARTS, ILLEGAL_CHARACTERS_RE, MAY_NEED_CLEANING, clean_text

ROW = re.compile(r"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
ROW_NUMBER = re.compile(r'<row\b[^>]*?\br="(\d+)"')
CELL = re.compile(r'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
CELL_REF = re.compile(r'\br="([A-Z]+)(\d+)"')
STYLE = re.compile(r'\bs="(\d+)"')
TYPE = re.compile(r'\bt="(\w+)"')
VALUE = re.compile(r"<v>(.*?)</v>", re.S)
FORMULA = re.compile(r"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
TEXT = re.compile(r"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_EPOCH = date(1899, 12, 30)  # Excel's day 0 in the 1900 date system, past its 1900-02-29 bug
_DATE_FORMATS = {False: "yyyy-mm-dd", True: "yyyy-mm-dd h:mm:ss"}  # openpyxl's for a date, a datetime


class Unsupported(Exception):
    """A package or value the patching writers cannot reproduce exactly: the openpyxl path writes it."""


_MARKUP = re.compile(r"[&<>\r]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


def xml_text(text: str) -> str:
    """Text escaped as openpyxl's xmlfile writes it (ASCII, character references)."""
    return _short_xml_text(text) if len(text) <= 512 else _escaped(text)


@functools.lru_cache(maxsize=8192)  # a task's texts are written into every form that lists the task
def _short_xml_text(text: str) -> str:
    return _escaped(text)  # only short texts are kept: a service process must not hold every long report


def _escaped(text: str) -> str:
    if _MARKUP.search(text):
        text = _MARKUP.sub(lambda m: _ESCAPES[m.group(0)], text)
    return text if text.isascii() else text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def xml_attribute(text: str) -> str:
    """Text for an attribute value in double quotes."""
    return xml_text(text).replace('"', "&quot;")


def number_text(value: float) -> str:
    """A number as openpyxl writes it (``compat.safe_string``)."""
    return f"{value:.16g}"


def column_index(letters: str) -> int:
    """A → 1, AB → 28."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


def column_letter(index: int) -> str:
    """1 → A, 28 → AB."""
    if index < len(_LETTERS):
        return _LETTERS[index]
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_LETTERS = ["", *(chr(65 + i) for i in range(26))]


def excel_serial(moment: date) -> float:
    """A date (or date and time) as Excel's serial day number (1900 date system)."""
    if isinstance(moment, datetime):
        delta = moment - datetime.combine(_EPOCH, datetime.min.time())
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    return (moment - _EPOCH).days


def cell_xml(ref: str, style: str, value: object) -> str:
    """One ``<c>`` element as openpyxl 3.1 writes a cell holding ``value``.

    Raises:
        Unsupported: a value openpyxl would store as a formula, an error, a boolean or a date.
    """
    styled = f' s="{style}"' if style else ""
    if value is None:  # an empty cell that carries a style
        return f'<c r="{ref}"{styled} t="n"></c>'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<c r="{ref}"{styled} t="n"><v>{number_text(value)}</v></c>'
    if not isinstance(value, str) or value.startswith("=") and len(value) > 1 or value in ERROR_CODES \
            or ILLEGAL_CHARACTERS_RE.search(value):
        raise Unsupported(ref)
    return text_cell_xml(ref, style, value)


def text_cell_xml(ref: str, style: str, value: str) -> str:
    """A string cell, whatever the string looks like (a formula-like one is the caller's to style)."""
    styled = f' s="{style}"' if style else ""
    if value == "":
        return f'<c r="{ref}"{styled} t="inlineStr"></c>'
    stripped = value.strip()
    space = ' xml:space="preserve"' if stripped and value != stripped else ""  # openpyxl's ``whitespace``
    return f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{xml_text(value)}</t></is></c>'


def literal_cell_xml(ref: str, style: str, value: object, styles: StyleBook) -> str:
    """A cell as :func:`addin.cells.put_text` leaves it: text stays text, a date gets a date format."""
    if value.__class__ is str:  # most cells: the checks of clean_text / looks_like_formula inlined, for speed
        if not value:
            return f'<c r="{ref}" s="{style}" t="inlineStr"></c>' if style else f'<c r="{ref}" t="inlineStr"></c>'
        if MAY_NEED_CLEANING.search(value):
            value = clean_text(value)
        value = value[:EXCEL_CELL_LIMIT]  # as openpyxl cuts it: a cell holds no more
        if value.startswith(FORMULA_STARTS):
            style = styles.variant(style, quote_prefix=True)
        return text_cell_xml(ref, style, value)
    if isinstance(value, str):
        return literal_cell_xml(ref, style, str(value), styles)  # a str subclass
    if value is None and not style:
        return ""  # openpyxl writes no element for an empty cell without a format
    if isinstance(value, datetime | date):
        if not styles.is_date(style):  # openpyxl gives a date cell a date format unless it has one
            style = styles.variant(style, number_format=_DATE_FORMATS[type(value) is datetime])
        return f'<c r="{ref}" s="{style}" t="n"><v>{number_text(excel_serial(value))}</v></c>'
    if value is None or isinstance(value, int | float) and not isinstance(value, bool):
        return cell_xml(ref, style, value)
    raise Unsupported(ref)


@dataclass
class CellXml:
    """One cell of a row as found in the sheet XML."""

    column: int
    attributes: str
    inner: str

    @property
    def style(self) -> str:
        found = STYLE.search(self.attributes)
        return found.group(1) if found else ""

    def value(self, shared: list[str], styles: StyleBook) -> object:
        """The cell's value as openpyxl reads it (text, number, date, formula text, bool)."""
        kind = (TYPE.search(self.attributes) or [None, "n"])[1]
        formula = FORMULA.search(self.inner)
        if formula:
            return "=" + html.unescape(formula.group(1) or "")
        if kind == "inlineStr":
            return "".join(html.unescape(t or "") for t in TEXT.findall(self.inner)) or None
        raw = VALUE.search(self.inner)
        text = html.unescape(raw.group(1)) if raw else None
        if text is None:
            return None
        if kind == "s":
            return shared[int(text)]
        if kind in ("str", "e"):
            return text
        if kind == "b":
            return text == "1"
        return _number(text, bool(self.style) and styles.is_date(self.style))


def _number(text: str, is_date: bool) -> object:
    number = float(text) if any(c in text for c in ".eE") else int(text)
    if is_date:
        return datetime(1899, 12, 30) + timedelta(days=float(number))  # the 1904 system is refused earlier
    return number


def row_cells(row_xml: str) -> list[CellXml]:
    """The cells of one ``<row>`` element, in document order."""
    cells = []
    for match in CELL.finditer(row_xml):
        ref = CELL_REF.search(match.group(1))
        if ref is None:
            raise Unsupported("单元格没有地址")  # legal OOXML (position implied) that no writer here produces
        cells.append(CellXml(column_index(ref.group(1)), match.group(1), match.group(2) or ""))
    return cells


def replace_cells(row_xml: str, new: dict[int, str]) -> str:
    """``row_xml`` with the cells of ``new`` (column → ``<c>`` XML) put in place, in column order."""
    if row_xml.endswith("/>"):
        row_xml = row_xml[:-2] + "></row>"
    open_tag = row_xml[: row_xml.index(">") + 1]
    body = row_xml[len(open_tag): -len("</row>")]
    kept = [(c.column, m.group(0)) for c, m in zip(row_cells(body), CELL.finditer(body), strict=True)
            if c.column not in new]
    merged = sorted([*kept, *new.items()], key=lambda item: item[0])
    return open_tag + "".join(xml for _, xml in merged) + "</row>"


def set_row_height(row_xml: str, height: float) -> str:
    """The row's opening tag with ``ht`` and ``customHeight`` set as openpyxl writes a row height."""
    end = row_xml.index(">")
    tag = row_xml[:end]
    closing = "/" if tag.endswith("/") else ""
    # spans (a hint of the columns used) is dropped: a cell added past it would make it wrong
    tag = re.sub(r'\s(?:ht|customHeight|spans)="[^"]*"', "", tag.rstrip("/"))
    return f'{tag} ht="{number_text(height)}" customHeight="1"{closing}{row_xml[end:]}'


# -- styles --------------------------------------------------------------------------------------------

_BUILTIN_DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}
_FORMAT_NOISE = re.compile(r'\[[^\]]*\]|"[^"]*"|\\.|_.|\*.')


def is_date_format(code: str) -> bool:
    """A number format that shows a date or time (as openpyxl's ``is_date_format`` decides)."""
    return re.search(r"[dmyhs]", _FORMAT_NOISE.sub("", code.split(";")[0]), re.I) is not None


class StyleBook:
    """The package's styles.xml: which cell formats show dates, and variants added on demand.

    A variant is the cell format ``s`` with a number format or Excel's quote prefix
    (the apostrophe that keeps "-已完成" text), as openpyxl adds one when a cell's
    number_format or quotePrefix is set: an identical existing format is reused.
    """

    def __init__(self, xml: str):
        self.xml = xml
        self.changed = False
        self.formats = {}
        for attrs in re.findall(r"<(?:\w+:)?numFmt\b([^>]*)>", xml):  # attributes in any order
            found = dict(re.findall(r'(\w+)="([^"]*)"', attrs))
            if "numFmtId" in found and "formatCode" in found:
                self.formats[int(found["numFmtId"])] = html.unescape(found["formatCode"])
        xfs = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", xml, re.S)
        if xfs is None:
            raise Unsupported("styles.xml 中没有 cellXfs")
        self.xfs = re.findall(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", xfs.group(1), re.S)
        self._dates: list[bool] = []
        self._variants: dict[tuple[str, str | None, bool], str] = {}

    def is_date(self, style: str) -> bool:
        """Whether cell format ``style`` ("" is format 0) shows a date; False for an id the book lacks."""
        for xf in self.xfs[len(self._dates):]:  # formats are only ever added: each is looked at once
            number = int((re.search(r'numFmtId="(\d+)"', xf) or [None, "0"])[1])
            self._dates.append(number in _BUILTIN_DATE_FORMATS or
                               (number in self.formats and is_date_format(self.formats[number])))
        index = int(style or 0)
        return index < len(self._dates) and self._dates[index]

    def variant(self, style: str, number_format: str | None = None, quote_prefix: bool = False) -> str:
        """The id of format ``style`` changed as asked (added to the book when no format is equal)."""
        key = (style, number_format, quote_prefix)
        if key not in self._variants:
            self._variants[key] = self._variant(style, number_format, quote_prefix)
        return self._variants[key]

    def _variant(self, style: str, number_format: str | None, quote_prefix: bool) -> str:
        xf = self.xfs[int(style or 0)]
        if number_format is not None:
            xf = _set_attribute(xf, "numFmtId", str(self._number_format_id(number_format)))
        if quote_prefix:
            xf = _set_attribute(xf, "quotePrefix", "1")
        if xf in self.xfs:
            return str(self.xfs.index(xf))
        self.xfs.append(xf)
        self.changed = True
        return str(len(self.xfs) - 1)

    def _number_format_id(self, code: str) -> int:
        for number, known in self.formats.items():
            if known == code:
                return number
        number = max([163, *self.formats]) + 1  # custom formats start at 164
        self.formats[number] = code
        self.changed = True
        return number

    def to_xml(self) -> str:
        """styles.xml with the variants added."""
        formats = "".join(f'<numFmt numFmtId="{n}" formatCode="{xml_attribute(c)}"/>' for n, c in
                          sorted(self.formats.items()))
        xml = self.xml
        if re.search(r"<numFmts\b", xml):
            xml = re.sub(r"<numFmts\b[^>]*?(?:/>|>.*?</numFmts>)", f'<numFmts count="{len(self.formats)}">'
                         f"{formats}</numFmts>", xml, count=1, flags=re.S)
        elif self.formats:
            xml = re.sub(r"(<styleSheet\b[^>]*>)", rf'\1<numFmts count="{len(self.formats)}">{formats}</numFmts>',
                         xml, count=1)
        return re.sub(r"<cellXfs\b[^>]*>.*?</cellXfs>", lambda _: f'<cellXfs count="{len(self.xfs)}">'
                      f'{"".join(self.xfs)}</cellXfs>', xml, count=1, flags=re.S)


def _set_attribute(element: str, name: str, value: str) -> str:
    """``element``'s opening tag with attribute ``name`` set to ``value``."""
    end = element.index(">")
    tag = element[:end].rstrip("/")
    if re.search(rf'\s{name}="', tag):
        tag = re.sub(rf'(\s{name}=")[^"]*(")', rf"\g<1>{value}\2", tag, count=1)
    else:
        tag += f' {name}="{value}"'
    return tag + ("/" if element[:end].endswith("/") else "") + element[end:]
