"""The ledger written by patching its package equals the ledger openpyxl writes (issue #17).

The reference is :func:`addin.progress.ledger.save_ledger_workbook` (load, rewrite,
save with openpyxl). The fast path (:mod:`addin.progress.ledger_package`) must give
the same parts for every sheet it rewrites, on a real ledger (baoshan's published
table) with the values people type (formula-like text, error codes, Word's line
breaks, dates, long reports), on a ledger saved again by another program (shared
strings, other XML), and must step aside where it cannot patch exactly.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from table_builders import build_official_table

from addin.cli import main
from addin.progress import ledger as ledger_module
from addin.progress.ledger import (
    DETAIL_HEADERS,
    SHEET_DETAIL,
    SHEET_HISTORY,
    SHEET_INFO,
    SHEET_ISSUED,
    SHEET_LEDGER,
    load_ledger,
    save_ledger_progress,
    save_ledger_workbook,
)
from addin.progress.ledger_package import save_ledger_package
from addin.progress.model import Ledger, Progress
from addin.sheet_xml import StyleBook, Unsupported, is_date_format
from addin.undo import backup_name

ROUND = "2020年第3季度"
TYPED = ["-已完成部署", "=HYPERLINK(\"http://x\")", "正常推进\x0b第二行", " 前后有空格 ", "#N/A", "+1", "@所有人",
         "含<尖括号>&符号", "表情😀和生僻字䶮", "x" * 40000, ""]
REWRITTEN = (SHEET_LEDGER, SHEET_DETAIL, SHEET_HISTORY, SHEET_INFO, SHEET_ISSUED)


@pytest.fixture(scope="module")
def issued_ledger(corpus, tmp_path_factory) -> Path:
    """baoshan's published table as a ledger, issued for a round (the fast path wrote the round's record)."""
    folder = tmp_path_factory.mktemp("ledger")
    table = build_official_table(corpus / "truth" / "baoshan_2020_table.json", folder / "分解表.xlsx")
    ledger = folder / "台账.xlsx"
    assert main(["ledger", str(table), "-o", str(ledger)]) == 0
    assert main(["split", str(ledger), "-o", str(folder / "下发"), "--round", ROUND]) == 0
    return ledger


def _report(ledger: Ledger, tag: str) -> list[list[object]]:
    """Every unit reports on every task with the values people type; returns 合并记录 lines."""
    for n, task in enumerate(ledger.tasks):
        for k, unit in enumerate(task.all_units()):
            task.reports[unit] = Progress(
                unit, TYPED[(n + k) % len(TYPED)] + tag, ("已完成", "推进中", "未启动", "已完成 ")[(n + k) % 4],
                date(2020, 8, 1 + n % 28) if n % 3 == 0 else None, TYPED[(n + 2 * k) % len(TYPED)],
                "2020-09-30T10:00:00", (n * 7) % 101 / 3 if n % 2 else None, ledger.round,
                reporter="张三" if k else "", phone="021-12345678" if n % 5 else "=1+1")
    return [["2020-09-30T10:00:00", "某单位.xlsx", unit, task.id, "进展情况", "", TYPED[n % len(TYPED)], "更新"]
            for n, task in enumerate(ledger.tasks[:40]) for unit in task.all_units()[:1]]


def _both_ways(source: Path, folder: Path, tag: str = "") -> dict[str, Path]:
    written = {}
    for kind, save in (("openpyxl", save_ledger_workbook), ("package", save_ledger_package)):
        path = folder / f"{kind}.xlsx"
        shutil.copy(source, path)
        ledger = load_ledger(path)
        history = _report(ledger, tag)
        save(path, ledger, history)
        written[kind] = path
    return written


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name → part name."""
    with zipfile.ZipFile(path) as archive:
        book = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    targets = {i: t.lstrip("/") for t, i in re.findall(r'Target="([^"]*)" Id="([^"]*)"', rels)}
    return {name: targets[rel] for name, rel in re.findall(r'<sheet\b[^>]*name="([^"]*)"[^>]*r:id="([^"]*)"', book)}


# openpyxl drops an empty-text cell it reads back (value None, no format): the patched package keeps it as it was
_EMPTY_CELL = re.compile(rb'<c r="[A-Z]+\d+" t="inlineStr"></c>')


def test_first_round_parts_equal_openpyxl(issued_ledger, tmp_path):
    """The first merge: every sheet written equals openpyxl's; the backups are the sheets as they were."""
    written = _both_ways(issued_ledger, tmp_path)
    slow, fast = _parts(written["openpyxl"]), _parts(written["package"])
    names = _sheet_parts(written["package"])
    assert names == _sheet_parts(written["openpyxl"])
    for sheet in REWRITTEN:
        assert fast[names[sheet]] == slow[names[sheet]], sheet
    assert fast["xl/styles.xml"] == slow["xl/styles.xml"]
    before = _parts(issued_ledger)
    for sheet in (SHEET_LEDGER, SHEET_DETAIL):
        assert fast[names[backup_name(sheet)]] == before[_sheet_parts(issued_ledger)[sheet]]


def test_later_rounds_parts_equal_openpyxl(issued_ledger, tmp_path):
    """A ledger merged before (backups present, reports in 反馈明细): equal part by part again."""
    (tmp_path / "一").mkdir()
    first = _both_ways(issued_ledger, tmp_path / "一")
    written = _both_ways(first["openpyxl"], tmp_path, tag="（续）")
    slow, fast = _parts(written["openpyxl"]), _parts(written["package"])
    names = _sheet_parts(written["package"])
    assert set(fast) == set(slow)
    for sheet in REWRITTEN:
        assert _EMPTY_CELL.sub(b"", fast[names[sheet]]) == _EMPTY_CELL.sub(b"", slow[names[sheet]]), sheet
    for part in ("xl/styles.xml", "xl/workbook.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
        assert fast[part] == slow[part], part


def test_reads_back_as_written(issued_ledger, tmp_path):
    """What the package path wrote, load_ledger reads back: every report, every value typed, every round."""
    path = tmp_path / "台账.xlsx"
    shutil.copy(issued_ledger, path)
    ledger = load_ledger(path)
    _report(ledger, "")
    save_ledger_package(path, ledger, [])
    again = load_ledger(path)
    assert again.rounds == ledger.rounds and again.issued == ledger.issued
    for task, read in zip(ledger.tasks, again.tasks, strict=True):
        for unit, report in task.reports.items():
            back = read.reports[unit]
            expected = report.progress.replace("\x0b", "\n")[:32767]  # Excel's cell limit, as openpyxl cuts
            assert back.progress == expected
            assert (back.status, back.done_date, back.reporter, back.phone) == (
                report.status, report.done_date, report.reporter, report.phone)


def _libreoffice_copy(source: Path, folder: Path) -> Path:
    """``source`` opened and saved again by LibreOffice Calc (shared strings, its own XML)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice 未安装")
    folder.mkdir()
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(folder), str(source)], check=True,
                   capture_output=True, timeout=180)
    return folder / source.name


def _cells(path: Path, sheet: str) -> dict[str, tuple]:
    worksheet = openpyxl.load_workbook(path)[sheet]
    return {c.coordinate: (c.value, c.number_format, bool(c.quotePrefix), c.font.name, bool(c.alignment.wrap_text))
            for row in worksheet.iter_rows() for c in row if c.value not in (None, "")}


def _heights(path: Path) -> dict[int, float]:
    worksheet = openpyxl.load_workbook(path)[SHEET_LEDGER]
    return {r: d.height for r, d in worksheet.row_dimensions.items() if d.height}


def test_ledger_saved_by_another_program(issued_ledger, tmp_path):
    """A ledger saved again by LibreOffice (shared strings, ranged <col>s): same cells and heights both ways."""
    copy = _libreoffice_copy(issued_ledger, tmp_path / "lo")
    assert b"sharedStrings" in zipfile.ZipFile(copy).read("[Content_Types].xml")
    written = _both_ways(copy, tmp_path)
    for sheet in REWRITTEN:
        assert _cells(written["package"], sheet) == _cells(written["openpyxl"], sheet), sheet
    assert _heights(written["package"]) == _heights(written["openpyxl"])
    assert _cells(written["package"], backup_name(SHEET_LEDGER)) == _cells(copy, SHEET_LEDGER)


def test_calc_chain_dropped(issued_ledger, tmp_path):
    """An Excel-made calcChain would name cells that hold no formula after the merge: it goes, as openpyxl does."""
    path = tmp_path / "台账.xlsx"
    with zipfile.ZipFile(issued_ledger) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>')
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/calcChain" Target="calcChain.xml" '
                                    b'Id="rId99"/></Relationships>')
            target.writestr(item, data)
        target.writestr("xl/calcChain.xml", b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                                            b'2006/main"><c r="K4" i="1"/></calcChain>')
    ledger = load_ledger(path)
    save_ledger_package(path, ledger, _report(ledger, ""))
    parts = _parts(path)
    assert "xl/calcChain.xml" not in parts
    assert b"calcChain" not in parts["[Content_Types].xml"] + parts["xl/_rels/workbook.xml.rels"]
    assert openpyxl.load_workbook(path)[SHEET_LEDGER].max_row > 3


def _older_detail_header(source: Path, target: Path) -> None:
    """``source`` as an older FenJie wrote it: 反馈明细 without its last columns."""
    workbook = openpyxl.load_workbook(source)
    workbook[SHEET_DETAIL].delete_cols(len(DETAIL_HEADERS) - 3, 4)
    workbook.save(target)


def test_comments_stay_and_backup_has_none(issued_ledger, tmp_path):
    """A 科长's comment in 工作台账 stays where it was; the backup copy, which has no parts of its own, leaves it."""
    path = tmp_path / "台账.xlsx"
    workbook = openpyxl.load_workbook(issued_ledger)
    workbook[SHEET_LEDGER]["E4"].comment = openpyxl.comments.Comment("请核实", "科长")
    workbook.save(path)
    ledger = load_ledger(path)
    save_ledger_package(path, ledger, _report(ledger, ""))
    workbook = openpyxl.load_workbook(path)
    assert workbook[SHEET_LEDGER]["E4"].comment.text == "请核实"
    assert workbook[backup_name(SHEET_LEDGER)]["E4"].comment is None
    assert workbook[SHEET_LEDGER]["K4"].value  # the progress columns were written


def test_older_ledger_goes_the_openpyxl_way(issued_ledger, tmp_path):
    """An older FenJie's 反馈明细 header: the package path refuses, the openpyxl path brings it up to date."""
    path = tmp_path / "台账.xlsx"
    _older_detail_header(issued_ledger, path)
    ledger = load_ledger(path)
    with pytest.raises(Unsupported):
        save_ledger_package(path, ledger, [])
    assert not list(tmp_path.glob("台账.备份-*"))  # nothing was replaced, so nothing was backed up
    save_ledger_progress(path, ledger, _report(ledger, ""))
    workbook = openpyxl.load_workbook(path)
    assert [c.value for c in workbook[SHEET_DETAIL][1]][: len(DETAIL_HEADERS)] == list(DETAIL_HEADERS)


def test_merge_takes_the_package_path(issued_ledger, tmp_path, monkeypatch):
    """The CLI's merge of a FenJie ledger never loads it into openpyxl (the point of the package path)."""
    path = tmp_path / "台账.xlsx"
    shutil.copy(issued_ledger, path)

    def refuse(*_args, **_kwargs):
        raise AssertionError("openpyxl path taken")

    monkeypatch.setattr(ledger_module, "save_ledger_workbook", refuse)
    returns = tmp_path / "反馈"
    shutil.copytree(issued_ledger.parent / "下发", returns)
    assert main(["merge", str(path), str(returns)]) == 0


@pytest.mark.parametrize("code, is_date", [
    ("yyyy-mm-dd", True), ("yyyy/m/d h:mm", True), ("[$-804]yyyy\"年\"m\"月\"d\"日\"", True), ("mm:ss", True),
    ("0.00", False), ("0%", False), ("General", False), ("\"d\"0", False), ("#,##0_);[Red](#,##0)", False),
    ("@", False)])
def test_date_formats_as_openpyxl_decides(code, is_date):
    from openpyxl.styles.numbers import is_date_format as openpyxl_is_date

    assert is_date_format(code) is is_date is openpyxl_is_date(code)


def test_style_variants_reuse_equal_formats():
    book = StyleBook('<styleSheet><cellXfs count="2"><xf numFmtId="0" fontId="0" quotePrefix="0"/>'
                     '<xf numFmtId="0" fontId="0" quotePrefix="1"/></cellXfs></styleSheet>')
    assert book.variant("", quote_prefix=True) == "1"
    dated = book.variant("1", number_format="yyyy-mm-dd")
    assert dated == "2" and book.is_date(dated) and not book.is_date("1")
    assert '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>' in book.to_xml()
    assert '<cellXfs count="3">' in book.to_xml()


def test_marked_history_rows_as_calamine_reads_them(issued_ledger, tmp_path):
    """The conflicts merge looks up in 合并记录, found by their rows' XML: the same as reading every row, in a
    FenJie-written ledger (inline text) and in one saved again by LibreOffice (shared strings)."""
    from addin.progress.ledger import _rows
    from addin.progress.ledger_package import marked_history_rows
    from addin.progress.merge import ADDED_ROW, KEEP_LONGER

    path = tmp_path / "台账.xlsx"
    shutil.copy(issued_ledger, path)
    ledger = load_ledger(path)
    history = _report(ledger, "")
    history[3][7], history[9][7], history[9][6] = KEEP_LONGER, ADDED_ROW, "=本单位新增"
    save_ledger_package(path, ledger, history)
    for source in (path, _libreoffice_copy(path, tmp_path / "lo")):
        expected = [r[:8] for r in list(_rows(source, SHEET_HISTORY))[1:] if r[7] in (KEEP_LONGER, ADDED_ROW)]
        found = [[v if v is not None else "" for v in r] for r in marked_history_rows(source, (KEEP_LONGER,
                                                                                                 ADDED_ROW))]
        assert found == expected and len(found) == 2


# -- what a review found: packages Excel or a colleague leaves that the package path must not damage --------------

def _patched(source: Path, target: Path, sheet: str | None, edit) -> Path:
    """``source`` with one sheet's XML (or, when ``sheet`` is None, workbook.xml) changed by ``edit``."""
    part = _sheet_parts(source)[sheet] if sheet else "xl/workbook.xml"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            new.writestr(item, edit(data.decode()).encode() if item.filename == part else data)
    return target


def _row_numbers(path: Path, sheet: str) -> list[int]:
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(_sheet_parts(path)[sheet]).decode()
    return [int(n) for n in re.findall(r'<row\b[^>]*?\br="(\d+)"', xml)]


def _formatted_empty_history_rows(xml: str) -> str:
    rows = "".join(f'<row r="{n}" s="0" customFormat="1" ht="20" customHeight="1"/>' for n in range(2, 7))
    return xml.replace("</sheetData>", rows + "</sheetData>")


def _date1904(xml: str) -> str:
    return re.sub(r"<workbookPr\b[^>]*?/?>", '<workbookPr date1904="1"/>', xml, count=1)


def _shared_formula(xml: str) -> str:
    """核实情况 (column S) of the first task rows filled down as one shared formula, the way Excel stores it."""
    def row(match: re.Match) -> str:
        number = int(match.group(1))
        if not 4 <= number <= 8:
            return match.group(0)
        formula = '<f t="shared" ref="S4:S8" si="0">"备注"&amp;A4</f>' if number == 4 else '<f t="shared" si="0"/>'
        body = re.sub(rf'<c r="S{number}"[^>]*?(?:/>|>.*?</c>)', "", match.group(0))
        return body.replace("</row>", f'<c r="S{number}" t="str">{formula}<v>x</v></c></row>')
    return re.sub(r'<row r="(\d+)"[^>]*>.*?</row>', row, xml, flags=re.S)


def _rows_without_numbers(xml: str) -> str:
    return re.sub(r'(<row) r="\d+"', r"\1", xml)


@pytest.mark.parametrize("sheet, edit", [
    (SHEET_HISTORY, _formatted_empty_history_rows), (None, _date1904), (SHEET_LEDGER, _shared_formula),
    (SHEET_INFO, _rows_without_numbers)], ids=["formatted-empty-history-rows", "date1904", "shared-formula",
                                                 "rows-without-numbers"])
def test_packages_it_cannot_patch_go_the_openpyxl_way(issued_ledger, tmp_path, sheet, edit):
    """Each of these once came out damaged or wrong (rows out of order, dates 4 years off, orphaned formulas,
    a traceback): now the package path steps aside and the openpyxl path writes a sound ledger."""
    path = _patched(issued_ledger, tmp_path / "台账.xlsx", sheet, edit)
    ledger = load_ledger(path)
    history = _report(ledger, "")
    with pytest.raises(Unsupported):
        save_ledger_package(path, ledger, history)
    save_ledger_progress(path, ledger, history)
    for name in REWRITTEN:
        numbers = _row_numbers(path, name)
        assert numbers == sorted(set(numbers)), name
    again = load_ledger(path)
    dated = [(t.id, u, r.done_date) for t in ledger.tasks for u, r in t.reports.items() if r.done_date]
    assert dated and all(again.by_id()[i].reports[u].done_date == d for i, u, d in dated)


def test_done_by_can_go_back_to_the_default(issued_ledger, tmp_path):
    """全部 chosen, then 牵头 again: the ledger remembers 牵头 (once chosen, the choice is always written)."""
    path = tmp_path / "台账.xlsx"
    shutil.copy(issued_ledger, path)
    assert load_ledger(path).done_by == ""  # never chosen
    for rule in ("全部", "牵头"):
        ledger = load_ledger(path)
        ledger.done_by = rule
        save_ledger_progress(path, ledger, [])
        assert load_ledger(path).done_by == rule


def test_an_older_backup_keeps_no_comments(issued_ledger, tmp_path):
    """A backup sheet written by openpyxl's path (with a 科长's comment) and then replaced by the package path:
    the new copy shows no comment the sheet no longer has."""
    path = tmp_path / "台账.xlsx"
    workbook = openpyxl.load_workbook(issued_ledger)
    workbook[SHEET_LEDGER]["E4"].comment = openpyxl.comments.Comment("请核实", "科长")
    workbook.save(path)
    ledger = load_ledger(path)
    save_ledger_workbook(path, ledger, [])  # the backup copies the comment
    workbook = openpyxl.load_workbook(path)
    workbook[SHEET_LEDGER]["E4"].comment = None
    workbook.save(path)
    save_ledger_package(path, load_ledger(path), [])
    workbook = openpyxl.load_workbook(path)
    assert workbook[backup_name(SHEET_LEDGER)]["E4"].comment is None


def test_rows_read_one_at_a_time_start_at_column_a(tmp_path):
    """python-calamine's iter_rows starts at the first used column; the ledger readers count from column A."""
    from python_calamine import CalamineWorkbook

    from addin.sheets import iter_sheet_rows, sheet_grid

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B1"], sheet["C1"], sheet["B2"], sheet["C2"] = "任务ID", "进展", "T1", '=B2&"x"'
    workbook.save(tmp_path / "b.xlsx")
    calamine = CalamineWorkbook.from_path(str(tmp_path / "b.xlsx"))
    rows = list(iter_sheet_rows(calamine, tmp_path / "b.xlsx", "Sheet"))
    assert rows == sheet_grid(calamine, tmp_path / "b.xlsx", "Sheet") == [["", "任务ID", "进展"], ["", "T1", '=B2&"x"']]
