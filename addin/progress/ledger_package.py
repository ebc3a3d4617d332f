"""Write a round's progress into the ledger by patching its package, not by reloading it.

Why: openpyxl's normal mode loads every cell of every sheet (a 10,000-task ledger
after a round is ~780,000 cells, ~450 MiB) and serialises them all again, although a
merge changes only the progress columns of 工作台账, regenerates 反馈明细, appends to
合并记录 and touches two small hidden sheets; that reload was 88 % of a merge's time.
No library edits a package in place, so this module does it by hand, streaming the
large sheets row by row:

- 工作台账: each task row's progress cells are replaced (the template's cell formats
  kept) and its height fitted, as :func:`addin.progress.ledger.write_reports` does;
- 反馈明细: the header row kept, every report written again;
- 合并记录: the new entries appended after the last row;
- _台账信息 / _下发清单: the round keys set, the issue list written again;
- _备份_工作台账 / _备份_反馈明细: the sheets as they were (their XML copied, which keeps
  more than openpyxl's copy_worksheet: freeze panes, filters, print setup).

Cells are written as openpyxl writes them (:mod:`addin.sheet_xml`); the openpyxl
path stays the reference and the fallback: a package this module cannot patch
exactly (an older ledger's header row, the 1904 date system, shared formulas in
工作台账, XML no writer here produces) raises :class:`~addin.sheet_xml.Unsupported`
before anything is replaced. Comments and drawings of 工作台账 stay where they are.
"""

from __future__ import annotations

import codecs
import html
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

from ..cells import clean_text
from ..safe_io import write_atomically
from ..sheet_xml import (
    ROW_NUMBER,
    StyleBook,
    Unsupported,
    column_index,
    column_letter,
    literal_cell_xml,
    replace_cells,
    row_cells,
    set_row_height,
    xml_text,
)
from ..sheets import part_name, rels_part, workbook_relationships, workbook_sheet_parts
from ..undo import backup_name
from .ledger import (
    DEFAULT_COLUMN_WIDTH,
    DETAIL_HEADERS,
    HISTORY_HEADERS,
    SHEET_DETAIL,
    SHEET_HISTORY,
    SHEET_INFO,
    SHEET_ISSUED,
    SHEET_LEDGER,
    detail_rows,
    fitted_height,
    info_values,
    progress_values,
)
from .model import Ledger

_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CHUNK = 1 << 20
_DETAIL_DATE_COLUMN = DETAIL_HEADERS.index("完成日期") + 1


class LedgerPackage:
    """A ledger .xlsx read far enough to patch it: sheet parts, shared strings, cell formats.

    Raises:
        Unsupported: the package is not one this module can patch exactly.
    """

    def __init__(self, path: Path):
        self.path = path
        with zipfile.ZipFile(path) as archive:
            self.names = archive.namelist()
            self.book = archive.read("xl/workbook.xml").decode("utf-8")
            self.rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
            self.types = archive.read("[Content_Types].xml").decode("utf-8")
            targets = self._targets()
            self.styles_part = targets.get("styles")
            if self.styles_part is None:
                raise Unsupported("没有 styles.xml")
            self.styles = StyleBook(archive.read(self.styles_part).decode("utf-8"))
            shared = targets.get("sharedStrings")
            self.shared = _shared_strings(archive.read(shared).decode("utf-8")) if shared else []
            self.calc_chain = targets.get("calcChain")
        if re.search(r'<workbookPr\b[^>]*\bdate1904="(?:1|true)"', self.book):
            raise Unsupported("1904 日期系统")  # serial days count from 1904: openpyxl's path converts them
        self.sheets = workbook_sheet_parts(self.book, self.rels)  # sheet name → part
        for name in (SHEET_LEDGER, SHEET_DETAIL, SHEET_HISTORY, SHEET_INFO, SHEET_ISSUED):
            if name not in self.sheets:
                raise Unsupported(f"缺少“{name}”")

    def _targets(self) -> dict[str, str]:
        """Relationship type's last word (styles, sharedStrings, …) → part name, for the workbook's own parts."""
        found = {}
        for rel in workbook_relationships(self.rels):
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            if kind != "worksheet":
                found.setdefault(kind, part_name(rel.get("Target", "")))
        return found

    # -- writing ---------------------------------------------------------------------------------------------

    def write(self, temp: Path, ledger: Ledger, history: list[list[object]]) -> None:
        """Write the patched package to ``temp``.

        Raises:
            Unsupported: a sheet turned out to differ from what this module patches.
        """
        try:
            self._write(temp, ledger, history)
        except (AttributeError, IndexError, KeyError, ValueError) as exc:
            # legal XML no writer here produces (a <row> without r=, an ISO date cell, …): openpyxl's path reads it
            raise Unsupported(f"{type(exc).__name__}: {exc}") from None

    def _write(self, temp: Path, ledger: Ledger, history: list[list[object]]) -> None:
        new_backups = self._plan_backups()
        sheets = self.sheets
        writers = {sheets[SHEET_LEDGER]: lambda src: self._ledger_sheet(src, ledger),
                   sheets[SHEET_DETAIL]: lambda src: self._detail_sheet(src, ledger),
                   sheets[SHEET_HISTORY]: lambda src: self._history_sheet(src, history),
                   sheets[SHEET_INFO]: lambda src: self._info_sheet(src, ledger),
                   sheets[SHEET_ISSUED]: lambda src: self._issued_sheet(src, ledger)}
        for source_name in (SHEET_LEDGER, SHEET_DETAIL):
            backup = self.backup_parts[source_name]
            writers[backup] = self._copier(sheets[source_name])
            if rels_part(backup) in self.names:  # an older backup's comments must not show on the new copy
                writers[rels_part(backup)] = lambda _source: iter([_NO_RELATIONSHIPS])
        # openpyxl numbers a cell format when it writes the first cell that uses it: the sheets are written in
        # the package's order so that formats added on the way get the ids openpyxl's path gives them
        last = (self.styles_part, "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml")
        with zipfile.ZipFile(self.path) as source, \
                zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=1) as target:
            # zlib's fastest level: a third of the time of openpyxl's default (6) for a package ~15 % larger; the
            # ledger is a working file on the office's disk, not an attachment
            for name in [*self.names, *new_backups]:
                if name in writers:
                    self._write_part(target, name, writers[name](source))
                elif name not in last and name != self.calc_chain:
                    # calcChain is dropped: Excel rebuilds it, and left in place it would name cells that hold no
                    # formula now
                    with source.open(name) as part, target.open(name, "w") as out:
                        _copy(part, out)
            target.writestr(self.styles_part, self.styles.to_xml().encode("utf-8"))
            for name, xml in self._book_parts(new_backups).items():
                target.writestr(name, xml.encode("utf-8"))

    @staticmethod
    def _write_part(target: zipfile.ZipFile, name: str, pieces: Iterable[str]) -> None:
        with target.open(name, "w") as out:
            batch: list[str] = []
            size = 0
            for piece in pieces:  # rows gathered into ~1 MB writes: one compressor call per row costs more
                batch.append(piece)
                size += len(piece)
                if size >= _CHUNK:
                    out.write("".join(batch).encode("utf-8"))
                    batch, size = [], 0
            out.write("".join(batch).encode("utf-8"))

    def _plan_backups(self) -> list[str]:
        """Name each backup sheet's part; returns the parts that are new to the package."""
        self.backup_parts, new = {}, []
        taken = set(self.names)
        for name in (SHEET_LEDGER, SHEET_DETAIL):
            held = self.sheets.get(backup_name(name))
            if held is not None:  # its own relationships, if any, are left unused by the copy
                self.backup_parts[name] = held
                continue
            number = 1
            while f"xl/worksheets/sheet{number}.xml" in taken:
                number += 1
            part = f"xl/worksheets/sheet{number}.xml"
            taken.add(part)
            self.backup_parts[name] = part
            new.append(part)
        return new

    def _book_parts(self, new_backups: list[str]) -> dict[str, str]:
        """workbook.xml, its relationships and the content types, with the new backup sheets and no calcChain."""
        book, rels, types = self.book, self.rels, self.types
        if self.calc_chain:
            rels = re.sub(r'<Relationship\b[^>]*?Type="[^"]*/calcChain"[^>]*/>', "", rels)
            types = re.sub(rf'<Override\b[^>]*?PartName="/{re.escape(self.calc_chain)}"[^>]*/>', "", types)
        sheet_ids = [int(n) for n in re.findall(r'<sheet\b[^>]*?\bsheetId="(\d+)"', book)]
        rel_ids = [int(n) for n in re.findall(r'\bId="rId(\d+)"', rels)]
        for source_name in (SHEET_LEDGER, SHEET_DETAIL):
            part = self.backup_parts[source_name]
            if part not in new_backups:
                continue
            sheet_id, rel_id = max(sheet_ids, default=0) + 1, max(rel_ids, default=0) + 1
            sheet_ids.append(sheet_id)
            rel_ids.append(rel_id)
            book = book.replace("</sheets>", f'<sheet xmlns:r="{_RELATIONSHIPS}" name="'
                                f'{html.escape(backup_name(source_name))}" sheetId="{sheet_id}" state="hidden" '
                                f'r:id="rId{rel_id}"/></sheets>', 1)
            rels = rels.replace("</Relationships>", f'<Relationship Type="{_RELATIONSHIPS}/worksheet" '
                                f'Target="/{part}" Id="rId{rel_id}"/></Relationships>', 1)
            types = types.replace("</Types>", f'<Override PartName="/{part}" ContentType="{_WORKSHEET_TYPE}"/>'
                                  "</Types>", 1)
        return {"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types}

    def _copier(self, part: str):
        def copy(source: zipfile.ZipFile) -> Iterator[str]:
            pieces = _stream_sheet(source, part)
            kind, head = next(pieces)
            yield _unrelated(re.sub(r'\stabSelected="(?:1|true)"', "", head))  # a hidden copy must not be selected
            yield "<sheetData>"
            for kind, piece in pieces:
                yield piece if kind == "row" else "</sheetData>" + _unrelated(piece)
        return copy

    # -- the sheets ------------------------------------------------------------------------------------------

    def _ledger_sheet(self, source: zipfile.ZipFile, ledger: Ledger) -> Iterator[str]:
        pieces = _stream_sheet(source, self.sheets[SHEET_LEDGER])
        kind, head = next(pieces)
        yield head + "<sheetData>"
        widths, hidden = _column_layout(head)
        by_id, as_of = ledger.by_id(), date.today()
        columns: dict[str, int] | None = None
        for kind, piece in pieces:
            if kind == "tail":
                if columns is None:
                    raise Unsupported("工作台账中没有“任务ID”列")
                yield "</sheetData>" + piece
                break
            number = int(ROW_NUMBER.match(piece).group(1))
            if _GROUP_FORMULA.search(piece):
                raise Unsupported("共享公式或数组公式")  # a replaced cell may be the master others refer to
            values = self.row_values(piece)
            if columns is None:
                if "任务ID" in values.values() and number < 10:
                    columns = {str(v): c for c, v in values.items() if v not in (None, "")}
                yield piece
                continue
            task = by_id.get(str(values.get(columns["任务ID"]) or ""))
            yield piece if task is None else self._task_row(piece, number, values, columns,
                                                             progress_values(task, ledger, as_of), widths, hidden)

    def row_values(self, row_xml: str) -> dict[int, object]:
        """A row's values by column (1 = A), as openpyxl would read them from this package."""
        return {cell.column: cell.value(self.shared, self.styles) for cell in row_cells(row_xml)}

    def _task_row(self, row_xml: str, number: int, values: dict[int, object], columns: dict[str, int],
                  progress: dict[str, object], widths: dict[int, float], hidden: dict[int, bool]) -> str:
        styles = {cell.column: cell.style for cell in row_cells(row_xml)}
        new = {}
        for name, value in progress.items():
            if name in columns:
                column = columns[name]
                new[column] = literal_cell_xml(f"{column_letter(column)}{number}", styles.get(column, ""), value,
                                               self.styles)
                values[column] = clean_text(value)  # as the cell holds it (Word's line break is a new line)
        last = max(values, default=1)
        height = fitted_height([values.get(c) for c in range(1, last + 1)],
                               [widths.get(c, DEFAULT_COLUMN_WIDTH) for c in range(1, last + 1)],
                               [hidden.get(c, False) for c in range(1, last + 1)])
        return set_row_height(replace_cells(row_xml, new), height)

    def _detail_sheet(self, source: zipfile.ZipFile, ledger: Ledger) -> Iterator[str]:
        head, header, tail = self._header_only(source, SHEET_DETAIL, DETAIL_HEADERS)
        rows = list(detail_rows(ledger))
        yield _dimension(head, f"A1:{column_letter(len(DETAIL_HEADERS))}{len(rows) + 1}") + "<sheetData>" + header
        for number, values in enumerate(rows, start=2):
            yield _plain_row(number, values, self.styles, {_DETAIL_DATE_COLUMN: self._detail_date_style})
        yield "</sheetData>" + tail

    def _detail_date_style(self) -> str:
        # asked for at each cell, not once before: openpyxl numbers a format at the first cell written with it
        return self.styles.variant("", number_format="yyyy-mm-dd")

    def _header_only(self, source: zipfile.ZipFile, name: str, headers: tuple[str, ...]) -> tuple[str, str, str]:
        """A sheet's head, header row and tail (its other rows skipped); the header must be the current one."""
        pieces = _stream_sheet(source, self.sheets[name])
        kind, head = next(pieces)
        header, tail = "", ""
        for kind, piece in pieces:
            if kind == "tail":
                tail = piece
            elif not header:
                header = piece
        self._check_header(name, header, headers)
        return head, header, tail

    def _check_header(self, name: str, header: str, headers: tuple[str, ...]) -> None:
        values = self.row_values(header) if header else {}
        if not header or int(ROW_NUMBER.match(header).group(1)) != 1 or \
                tuple(values.get(c) for c in range(1, len(headers) + 1)) != headers:
            raise Unsupported(f"“{name}”的表头不是当前版本的")  # openpyxl's path brings it up to date

    def _history_sheet(self, source: zipfile.ZipFile, history: list[list[object]]) -> Iterator[str]:
        part = self.sheets[SHEET_HISTORY]
        last, last_tag = _last_row(source, part)
        if last_tag > last:
            raise Unsupported("合并记录末尾有格式化的空行")  # new entries would land among them: openpyxl's path
        pieces = _stream_sheet(source, part)
        kind, head = next(pieces)
        yield _dimension(head, f"A1:{column_letter(len(HISTORY_HEADERS))}{last + len(history)}",
                         keep_columns=True) + "<sheetData>"
        checked = False
        for kind, piece in pieces:
            if not checked:
                self._check_header(SHEET_HISTORY, piece if kind == "row" else "", HISTORY_HEADERS)
                checked = True
            if kind == "row":
                yield piece
            else:
                for number, values in enumerate(history, start=last + 1):
                    yield _plain_row(number, values, self.styles)
                yield "</sheetData>" + piece

    def _info_sheet(self, source: zipfile.ZipFile, ledger: Ledger) -> Iterator[str]:
        head, rows, tail = _whole_sheet(source, self.sheets[SHEET_INFO])
        wanted = info_values(ledger)
        patched = []
        for row_xml in rows:
            number = int(ROW_NUMBER.match(row_xml).group(1))
            key = self.row_values(row_xml).get(1)
            if key in wanted:
                style = next((c.style for c in row_cells(row_xml) if c.column == 2), "")
                cell = literal_cell_xml(f"B{number}", style, wanted.pop(key), self.styles)
                row_xml = replace_cells(row_xml, {2: cell})
            patched.append(row_xml)
        last = max((int(ROW_NUMBER.match(r).group(1)) for r in rows), default=0)
        patched += [_plain_row(n, [key, value], self.styles) for n, (key, value) in enumerate(wanted.items(),
                                                                                             start=last + 1)]
        head = _dimension(head, f"A1:B{last + len(wanted)}", keep_columns=True) if wanted else head
        yield head + "<sheetData>" + "".join(patched) + "</sheetData>" + tail

    def _issued_sheet(self, source: zipfile.ZipFile, ledger: Ledger) -> Iterator[str]:
        head, _, tail = _whole_sheet(source, self.sheets[SHEET_ISSUED])
        by_id = ledger.by_id()
        rows = [[unit, "、".join(ids), "、".join(by_id[i].role_of(unit) for i in ids)]
                for unit, ids in ledger.issued.items()]
        head = _dimension(head, f"A1:C{len(rows)}" if rows else "A1:A1")
        yield head + "<sheetData>" + "".join(_plain_row(n, values, self.styles) for n, values in
                                             enumerate(rows, start=1)) + "</sheetData>" + tail


# -- helpers ---------------------------------------------------------------------------------------------------

_NO_RELATIONSHIPS = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'


_RELATED_ELEMENT = re.compile(r"<(?:\w+:)?(?:drawing|legacyDrawing|legacyDrawingHF|drawingHF|picture)\b[^>]*/>"
                              r"|<((?:\w+:)?(?:tableParts|oleObjects|controls|hyperlinks|extLst)|mc:AlternateContent)"
                              r"\b.*?</\1>", re.S)
# r:id links to the sheet's parts; codeName and xr:uid must stay unique to the sheet copied
_RELATED_ATTRIBUTE = re.compile(r'\s(?:\w+:id|codeName|xr:uid)="[^"]*"')


def _unrelated(xml: str) -> str:
    """Sheet XML without what points at the sheet's own parts (comments, drawings, tables, links, printer
    settings): a backup copy has no parts of its own, like openpyxl's copy_worksheet, which copies cells only.
    The timestamped backup file keeps everything."""
    return _RELATED_ATTRIBUTE.sub("", _RELATED_ELEMENT.sub("", xml))


def _shared_strings(xml: str) -> list[str]:
    """The shared string table's texts (rich text runs joined; phonetic runs left out)."""
    xml = re.sub(r"<rPh\b.*?</rPh>", "", xml, flags=re.S)
    return ["".join(html.unescape(t) for t in re.findall(r"<t\b[^>]*>(.*?)</t>", item, re.S))
            for item in re.findall(r"<si>(.*?)</si>|<si/>", xml, re.S)]


def _column_layout(head: str) -> tuple[dict[int, float], dict[int, bool]]:
    """Each column's width and hidden flag from <cols> (a <col> may cover a range)."""
    widths, hidden = {}, {}
    for attrs in re.findall(r"<col\b([^>]*?)/?>", head):
        values = dict(re.findall(r'(\w+)="([^"]*)"', attrs))
        low, high = int(values.get("min", 1)), int(values.get("max", values.get("min", 1)))
        for column in range(low, min(high, 16384) + 1):
            widths[column] = float(values.get("width") or DEFAULT_COLUMN_WIDTH) or DEFAULT_COLUMN_WIDTH
            hidden[column] = values.get("hidden") in ("1", "true")
        if high - low > 1000:
            break  # a <col> to XFD (16384) formats the rest of the sheet; no cell of the ledger lies there
    return widths, hidden


def _dimension(head: str, ref: str, keep_columns: bool = False) -> str:
    """``head`` with its <dimension> set to ``ref`` (with ``keep_columns``, a wider old range keeps its width)."""
    def replace(match: re.Match) -> str:
        new = ref
        old_letters = re.match(r"[A-Z]*", match.group(1).split(":")[-1]).group(0)
        start, end = ref.split(":")
        letters, row = re.match(r"([A-Z]*)(\d*)", end).groups()
        if keep_columns and old_letters and column_index(old_letters) > column_index(letters):
            new = f"{start}:{old_letters}{row}"
        return f'<dimension ref="{new}"/>'
    return re.sub(r'<dimension ref="([^"]*)"\s*/>', replace, head, count=1)


def _plain_row(number: int, values: list[object], styles: StyleBook,
               column_styles: dict[int, Callable[[], str]] | None = None) -> str:
    """A row as ``append_text`` writes it: unformatted cells (but ``column_styles``), text kept as text."""
    column_styles = column_styles or {}
    cells = "".join(literal_cell_xml(f"{column_letter(c)}{number}", column_styles[c]() if c in column_styles else "",
                                     value, styles) for c, value in enumerate(values, start=1))
    return f'<row r="{number}">{cells}</row>'


def _copy(source, target) -> None:
    while True:
        data = source.read(_CHUNK)
        if not data:
            return
        target.write(data)


def _whole_sheet(source: zipfile.ZipFile, part: str) -> tuple[str, list[str], str]:
    """A small sheet's head, rows and tail."""
    head, rows, tail = "", [], ""
    for kind, piece in _stream_sheet(source, part):
        if kind == "head":
            head = piece
        elif kind == "row":
            rows.append(piece)
        else:
            tail = piece
    return head, rows, tail


def _last_row(source: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """The numbers of a sheet's last row that holds a cell and of its last <row> at all."""
    last = last_tag = 0
    for kind, piece in _stream_sheet(source, part):
        if kind == "row":
            last_tag = max(last_tag, int(ROW_NUMBER.match(piece).group(1)))
            if "<c" in piece:
                last = last_tag
    return last, last_tag


_GROUP_FORMULA = re.compile(r'<(?:\w+:)?f\b[^>]*\bt="(?:shared|array)"')
_SHEET_DATA = re.compile(r"<sheetData\b[^>]*?(/?)>")
_NEXT = re.compile(r"\s*(<row\b|</sheetData>)")
_ROW_OPEN_END = re.compile(r"/?>")


def _stream_sheet(source: zipfile.ZipFile, part: str) -> Iterator[tuple[str, str]]:
    """A sheet part, read in chunks, as ("head", XML before <sheetData>), ("row", one <row>)…, ("tail", XML after
    </sheetData>): a sheet of 10,000 rows is never held whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with source.open(part) as stream:
        def more() -> str | None:
            data = stream.read(_CHUNK)
            text = decoder.decode(data, final=not data)
            return text if data or text else None

        buffer = ""
        while (found := _SHEET_DATA.search(buffer)) is None:
            chunk = more()
            if chunk is None:
                raise Unsupported(f"{part} 中没有 sheetData")
            buffer += chunk
        yield "head", buffer[: found.start()]
        if found.group(1):  # <sheetData/>
            yield "tail", buffer[found.end():] + "".join(iter(more, None))
            return
        buffer, position = buffer[found.end():], 0
        while True:
            step = _NEXT.match(buffer, position)
            if step and step.group(1) == "</sheetData>":
                yield "tail", buffer[step.end():] + "".join(iter(more, None))
                return
            end = _row_end(buffer, step.start(1)) if step else -1
            if end < 0:
                chunk = more()
                if chunk is None:
                    raise Unsupported(f"{part} 的 sheetData 不完整")
                buffer, position = buffer[position:] + chunk, 0
                continue
            yield "row", buffer[step.start(1): end]
            position = end


def _row_end(buffer: str, start: int) -> int:
    """Where the <row> starting at ``start`` ends in ``buffer``, or -1 when it is not all there yet."""
    opened = _ROW_OPEN_END.search(buffer, start)
    if opened is None:
        return -1
    if opened.group(0) == "/>":
        return opened.end()
    close = buffer.find("</row>", opened.end())
    return close + len("</row>") if close >= 0 else -1


def marked_history_rows(path: str | Path, marks: tuple[str, ...]) -> list[list[object]]:
    """The rows of 合并记录 holding one of ``marks`` (as a cell's whole text), columns A… as values.

    Only rows whose XML can hold a mark are parsed: a 合并记录 grows by a row per
    change every round, and the conflicts looked for are few.

    Raises:
        Unsupported: the package cannot be read this way (read it with python-calamine).
    """
    try:
        package = LedgerPackage(Path(path))
        part = package.sheets[SHEET_HISTORY]
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise Unsupported(type(exc).__name__) from None
    needles = {xml_text(m) for m in marks} | set(marks)
    needles |= {f"<v>{i}</v>" for i, text in enumerate(package.shared) if text in marks}
    found = []
    with zipfile.ZipFile(package.path) as source:
        for kind, piece in _stream_sheet(source, part):
            if kind == "row" and any(needle in piece for needle in needles):
                try:
                    values = package.row_values(piece)
                except (IndexError, ValueError) as exc:
                    raise Unsupported(f"{type(exc).__name__}: {exc}") from None
                if set(values.values()) & set(marks):
                    found.append([values.get(c) for c in range(1, max(values) + 1)])
    return found


def save_ledger_package(path: str | Path, ledger: Ledger, history: list[list[object]]) -> Path | None:
    """Write merged reports and history into the ledger by patching its package.

    Returns:
        The backup of the ledger as it was.

    Raises:
        Unsupported: the ledger must be written the openpyxl way (nothing was written).
    """
    path = Path(path)
    try:
        package = LedgerPackage(path)
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise Unsupported(type(exc).__name__) from None
    return write_atomically(path, lambda temp: package.write(temp, ledger, history))


__all__ = ["LedgerPackage", "Unsupported", "marked_history_rows", "save_ledger_package"]
