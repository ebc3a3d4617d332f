"""Write validation results into the user's workbook.

A 校验结果 sheet (one row per finding, linked to its cell), each flagged cell
filled by severity with a comment, and optionally the safe fixes applied. The
table sheet is backed up to a hidden sheet first, the file to a timestamped copy,
and the result is written atomically.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from .cells import put_text
from .comment_parts import CommentPatchError, Note, add_comments, streamable
from .findings import Finding, Severity
from .safe_io import save_over, write_atomically
from .undo import backup_sheet
from .workbook import FINDING_HEADERS, FINDING_WIDTHS, SHEET_FINDINGS, _fill_sheet, _link_findings, finding_values

AUTHOR = "FenJie"
FILLS = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C", Severity.HINT: "DDEBF7"}
FIXABLE = {"cell.control", "text.spacing"}
STREAM_COMMENTS = True  # False: openpyxl writes every comment (tests compare the two paths)


def _clear_previous(workbook: Workbook) -> None:
    """Remove the marks of an earlier run (its fills and comments), and its results sheet."""
    if SHEET_FINDINGS not in workbook.sheetnames:
        return
    for sheet_name, cell in list(workbook[SHEET_FINDINGS].iter_rows(min_row=2, min_col=4, max_col=5,
                                                                       values_only=True)):
        if sheet_name in workbook.sheetnames and cell and ":" not in str(cell):
            target = workbook[sheet_name][cell]
            if target.comment is not None and target.comment.author == AUTHOR:
                target.comment = None
                target.fill = PatternFill()
    del workbook[SHEET_FINDINGS]


def _mark(workbook: Workbook, findings: list[Finding]) -> dict[str, list[Note]]:
    """Fill each flagged cell by its worst finding; returns the comments to write, by sheet."""
    anchors = _Anchors(workbook)
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:  # by the cell that shows them: every cell of a merged range is its top-left one
        if finding.cell and ":" not in finding.cell and finding.sheet in workbook.sheetnames:
            shown = anchors.cell(finding.sheet, finding.cell).coordinate
            by_cell.setdefault((finding.sheet, shown), []).append(finding)
    fills = {severity: PatternFill("solid", fgColor=color) for severity, color in FILLS.items()}  # not one per cell
    notes: dict[str, list[Note]] = {}
    for (sheet, ref), cell_findings in by_cell.items():
        cell = anchors.cell(sheet, ref)
        worst = min(cell_findings, key=lambda f: list(Severity).index(f.severity))
        cell.fill = fills[worst.severity]
        text = "\n".join(f"【{f.severity.value}】{f.message}" for f in cell_findings)
        notes.setdefault(sheet, []).append(Note(cell.row, cell.column, text, 320, 40 + 18 * len(cell_findings)))
    return notes


def _attach(workbook: Workbook, notes: dict[str, list[Note]]) -> None:
    """Give the cells their comments as openpyxl objects (the path that writes them in memory)."""
    for sheet, sheet_notes in notes.items():
        for note in sheet_notes:
            workbook[sheet].cell(note.row, note.column).comment = Comment(note.text, AUTHOR, width=note.width,
                                                                          height=note.height)


class _MarkedSaver:
    """Saves the marked workbook, its comments streamed into the package where that reproduces openpyxl.

    Why: at 10,000 rows openpyxl's in-memory comment writer was the peak of the
    whole validate process (+72 MiB, ~2 s of the save; see addin/comment_parts.py).
    Sheets :func:`streamable` refuses, and any package the patch does not
    recognise, take openpyxl's path — the output is the same either way.
    """

    def __init__(self, workbook: Workbook, notes: dict[str, list[Note]]) -> None:
        self.workbook = workbook
        self.streamed = {s: n for s, n in notes.items() if STREAM_COMMENTS and streamable(workbook[s], n)}
        _attach(workbook, {s: n for s, n in notes.items() if s not in self.streamed})

    def __call__(self, target: Path) -> None:
        if self.streamed:
            with tempfile.TemporaryDirectory(prefix="fenjie-") as folder:
                plain = Path(folder) / "plain.xlsx"
                self.workbook.save(plain)
                try:
                    add_comments(plain, target, self.streamed, AUTHOR)
                    return
                except CommentPatchError:
                    _attach(self.workbook, self.streamed)
                    self.streamed = {}
        self.workbook.save(target)


class _Anchors:
    """The cell that holds the value of a reference: the top-left one of its merged range."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.maps: dict[str, dict[tuple[int, int], tuple[int, int]]] = {}

    def cell(self, sheet_name: str, ref: str):
        sheet = self.workbook[sheet_name]
        if sheet_name not in self.maps:
            self.maps[sheet_name] = {
                (row, column): (merged.min_row, merged.min_col)
                for merged in sheet.merged_cells.ranges
                for row in range(merged.min_row, merged.max_row + 1)
                for column in range(merged.min_col, merged.max_col + 1)
            }
        target = sheet[ref]
        anchor = self.maps[sheet_name].get((target.row, target.column))
        return sheet.cell(*anchor) if anchor else target


def apply_fixes(workbook: Workbook, findings: list[Finding]) -> int:
    """Write the safe fixes (spacing, punctuation width, control characters); returns how many."""
    fixed = 0
    anchors = _Anchors(workbook)
    for finding in findings:
        if finding.rule in FIXABLE and finding.fix and finding.sheet in workbook.sheetnames:
            put_text(anchors.cell(finding.sheet, finding.cell), finding.fix)
            fixed += 1
    return fixed


@dataclass
class MarkResult:
    """What :func:`mark_workbook` wrote.

    Attributes:
        fixed: Safe fixes applied.
        written: The workbook written: the input, or a copy beside it when
            rewriting the input would have lost content (``lost``).
        backup: Backup of the overwritten file, or None.
        lost: What rewriting the input in place would have dropped (["图表", …]).
    """

    fixed: int
    written: Path
    backup: Path | None = None
    lost: list[str] = field(default_factory=list)


def mark_workbook(path: str | Path, sheet: str, findings: list[Finding], fix: bool = False,
                  out: str | Path | None = None) -> MarkResult:
    """Write the findings (and, with ``fix``, the safe fixes) into the workbook.

    openpyxl rebuilds the file it saves; when the workbook holds charts, shapes or
    controls it would drop, the marked workbook goes to a copy beside it
    ("表_已校验.xlsx") and the user's file is left as it was.

    Args:
        path: The validated .xlsx/.xlsm.
        sheet: The table's sheet, backed up to a hidden sheet before it is changed.
        findings: From :func:`addin.validate.validate_table`.
        fix: Apply the safe fixes; those findings are then not marked.
        out: Write here instead of over ``path`` (required for .xls/.et input).
    """
    path = Path(path)
    workbook = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    _clear_previous(workbook)
    backup_sheet(workbook, sheet)
    fixed = apply_fixes(workbook, findings) if fix else 0
    remaining = [f for f in findings if not (fix and f.rule in FIXABLE and f.fix)]
    save = _MarkedSaver(workbook, _mark(workbook, remaining))
    results = workbook.create_sheet(SHEET_FINDINGS)
    _fill_sheet(results, FINDING_HEADERS, FINDING_WIDTHS, finding_values(remaining))
    _link_findings(results, remaining)
    write_summary_cell(results, remaining)
    if out:
        return MarkResult(fixed, Path(out), write_atomically(out, save))
    written, backup, lost = save_over(workbook, path, "_已校验", save)
    return MarkResult(fixed, written, backup, lost)


def write_summary_cell(sheet, findings: list[Finding]) -> None:
    """"校验汇总：N 错误，M 警告，K 提示" beside the table, where the eye lands first."""
    from .validate import summary_line

    cell = sheet.cell(1, len(FINDING_HEADERS) + 2, f"校验汇总：{summary_line(findings)}")
    cell.font = Font(bold=True, color="C00000" if any(f.severity is Severity.ERROR for f in findings) else "000000")
    sheet.column_dimensions[cell.column_letter].width = 36


def write_findings_workbook(out: str | Path, findings: list[Finding]) -> Path | None:
    """A workbook holding only the 校验结果 sheet (for .xls/.et tables FenJie cannot mark)."""
    workbook = Workbook()
    results = workbook.active
    results.title = SHEET_FINDINGS
    _fill_sheet(results, FINDING_HEADERS, FINDING_WIDTHS, finding_values(findings))
    write_summary_cell(results, findings)
    return write_atomically(out, lambda temp: workbook.save(temp))
