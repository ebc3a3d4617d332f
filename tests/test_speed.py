"""Speed without changed output (issue #17): fast forms equal the slow ones, work grows linearly."""

from __future__ import annotations

import io
import sys
import time
import zipfile
from copy import copy
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import CORPUS, REPO
from openpyxl.worksheet.worksheet import Worksheet
from table_builders import build_official_table

from addin.cli import main
from addin.mail.compose import MailSettings, _environment_for, compose_form_mail
from addin.pipeline import draft_from_plan
from addin.progress import fastforms
from addin.progress.fastforms import (
    FormFactory,
    Unsupported,
    cell_xml,
    package_parts,
    slow_form_bytes,
    write_forms,
    zip_package,
)
from addin.progress.ledger import load_ledger
from addin.progress.merge import merge_returns
from addin.progress.model import Ledger, Progress
from addin.progress.split import FORM_TEMPLATE, SHEET_FORM, recipients
from addin.render import find_template
from addin.workbook import build_draft_workbook

sys.path.insert(0, str(REPO / "benchmarks"))
from speed import synthetic_plan  # noqa: E402

ROUND = "2020年第3季度"
GENERATED = "2020-09-01T10:00:00"


@pytest.fixture(scope="module")
def baoshan(corpus, tmp_path_factory):
    """The baoshan_2020 official table as a ledger, with reports that test the text writer."""
    folder = tmp_path_factory.mktemp("baoshan")
    table = build_official_table(corpus / "truth" / "baoshan_2020_table.json", folder / "分解表.xlsx")
    assert main(["ledger", str(table), "-o", str(folder / "台账.xlsx")]) == 0
    ledger = load_ledger(folder / "台账.xlsx")
    texts = ("  前后有空格 ", "a < b & c > d", "第一行\n第二行", "“引号”与'单引号'", "𠀀扩展B区汉字", "12345")
    for n, task in enumerate(ledger.tasks[::3]):
        unit = task.all_units()[0]
        task.reports[unit] = Progress(unit, texts[n % len(texts)], ("已完成", "推进中", "")[n % 3],
                                      date(2020, 6, 1 + n % 28) if n % 2 else None, texts[(n + 1) % len(texts)])
    return ledger


def _differences(fast: bytes, slow: bytes) -> list[str]:
    one, other = package_parts(fast), package_parts(slow)
    return sorted(name for name in one.keys() | other.keys() if one.get(name) != other.get(name))


def test_fast_forms_equal_openpyxl_forms_part_by_part(baoshan):
    by_unit = recipients(baoshan)
    units = sorted(by_unit, key=lambda u: -len(by_unit[u]))
    factory = FormFactory(baoshan, ROUND, units[0], by_unit[units[0]])
    reported = [u for u in by_unit if any(u in t.reports for t in by_unit[u])]
    checked = [*units[:3], *units[-3:], *reported[:6]]  # largest, smallest (one task), with reports
    assert len({len(by_unit[u]) for u in checked}) >= 4
    for unit in checked:
        fast = factory.form_bytes(unit, by_unit[unit], GENERATED)
        slow = slow_form_bytes(baoshan, unit, by_unit[unit], ROUND, GENERATED)
        assert _differences(fast, slow) == [], unit


def test_every_form_of_a_round_takes_the_fast_path(baoshan):
    by_unit = recipients(baoshan)
    written = {}
    fast, slow = write_forms(baoshan, by_unit, ROUND, lambda unit, tasks, data: written.update({unit: data}),
                             GENERATED)
    assert (fast, slow) == (len(by_unit), 0)
    assert list(written) == list(by_unit)


@pytest.mark.parametrize(("value", "expected"), [
    (7, '<c r="A4" s="6" t="n"><v>7</v></c>'),
    ("", '<c r="A4" s="6" t="inlineStr"></c>'),
    (None, '<c r="A4" s="6" t="n"></c>'),
    ("a&b", '<c r="A4" s="6" t="inlineStr"><is><t>a&amp;b</t></is></c>'),
    (" 任务", '<c r="A4" s="6" t="inlineStr"><is><t xml:space="preserve"> &#20219;&#21153;</t></is></c>'),
])
def test_cell_xml_writes_as_openpyxl_does(value, expected):
    assert cell_xml("A4", "6", value) == expected


@pytest.mark.parametrize("value", ["=SUM(A1:A3)", "#N/A", "控制\x01字符", True, date(2020, 1, 1)])
def test_cell_xml_leaves_what_openpyxl_changes_to_the_slow_path(value):
    with pytest.raises(Unsupported):
        cell_xml("A4", "6", value)


def test_forms_are_zipped_byte_for_byte_as_zipfile_zips_them(baoshan):
    """The parts compressed once per round are packed exactly as zipfile.writestr packs a package."""
    by_unit = recipients(baoshan)
    unit = max(by_unit, key=lambda u: len(by_unit[u]))
    parts = package_parts(slow_form_bytes(baoshan, unit, by_unit[unit], ROUND, GENERATED))
    stamp = (2020, 9, 1, 10, 0, 59)
    expected = io.BytesIO()
    with zipfile.ZipFile(expected, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    packed = zip_package([(name, fastforms._deflated(data)) for name, data in parts.items()], stamp)
    assert packed == expected.getvalue()
    assert zipfile.ZipFile(io.BytesIO(packed)).testzip() is None


def test_a_form_with_a_formula_like_text_is_rendered_the_slow_way(baoshan):
    by_unit = recipients(baoshan)
    unit = next(u for u in by_unit if len(by_unit[u]) >= 2)
    task = by_unit[unit][0]
    task.reports[unit] = Progress(unit, "=1+1 不是公式", "推进中")
    try:
        written = {}
        fast, slow = write_forms(baoshan, by_unit, ROUND, lambda u, t, data: written.update({u: data}), GENERATED)
        assert slow >= 1 and fast + slow == len(by_unit)
        assert _differences(written[unit], slow_form_bytes(baoshan, unit, by_unit[unit], ROUND, GENERATED)) == []
    finally:
        del task.reports[unit]


# -- growth ------------------------------------------------------------------------------------------


def _best_seconds(work, repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs: the least disturbed by other work on a shared machine."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


class _CountingCells(dict):
    """A sheet's cell store that counts the cells visited by a scan of the whole sheet."""

    visited = 0

    def __iter__(self):
        for key in super().__iter__():
            _CountingCells.visited += 1
            yield key


def test_draft_workbook_grows_linearly(tmp_path, monkeypatch):
    """Eight times the rows visit about eight times the cells (the old per-append scan: ~64×)."""
    original = Worksheet.__init__

    def counting(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self._cells = _CountingCells()

    monkeypatch.setattr(Worksheet, "__init__", counting)
    visited = {}
    for n in (200, 1600):
        draft = draft_from_plan(synthetic_plan(tmp_path / f"plan{n}.txt", n))
        _CountingCells.visited = 0
        build_draft_workbook(draft.outline, draft.rows, draft.findings)
        visited[n] = _CountingCells.visited
    assert visited[200] > 0 and visited[1600] / visited[200] < 10, visited


def test_decompose_grows_linearly(tmp_path):
    plans = {n: synthetic_plan(tmp_path / f"plan{n}.txt", n) for n in (200, 1600)}
    seconds = {n: _best_seconds(lambda p=p: draft_from_plan(p), repeat=2) for n, p in plans.items()}
    assert seconds[1600] / seconds[200] < 16, seconds


def test_merge_builds_its_task_lookup_once(baoshan, tmp_path, monkeypatch):
    """One Ledger.by_id per command, not one per returned row (which made a merge quadratic)."""
    ledger_file = tmp_path / "台账.xlsx"
    assert main(["ledger", str(build_official_table(CORPUS / "truth" / "baoshan_2020_table.json",
                                                     tmp_path / "表.xlsx")), "-o", str(ledger_file)]) == 0
    assert main(["split", str(ledger_file), "-o", str(tmp_path / "forms"), "--round", ROUND]) == 0
    calls = []
    original = Ledger.by_id
    monkeypatch.setattr(Ledger, "by_id", lambda self: calls.append(1) or original(self))
    report = merge_returns(ledger_file, tmp_path / "forms")
    rows = sum(report.unchanged.values()) + sum(report.merged.values())
    assert rows > 100 and len(calls) <= 3, (rows, len(calls))


def test_mail_builds_one_template_environment(tmp_path):
    settings = MailSettings("office@example.gov.cn", "区政府办公室", "12345678", "2024年9月30日")
    attachment = tmp_path / "表.xlsx"
    attachment.write_bytes(b"x")
    before = _environment_for.cache_info()
    for n in range(20):
        compose_form_mail(settings, None, f"单位{n}", attachment, 3, "工作要点", ROUND)
    after = _environment_for.cache_info()
    assert after.misses - before.misses <= 1 and after.hits - before.hits >= 39


# -- the fast path follows what the template and the renderer produce ------------------------------------


def _changed_template(folder: Path) -> Path:
    """The bundled form with one more column and a 填报人 block below the task row, printed to an area."""
    workbook = openpyxl.load_workbook(find_template(FORM_TEMPLATE))
    sheet = workbook[SHEET_FORM]
    sheet["K3"], sheet["K4"] = "完成进度(%)", "{{ task.status }}"
    sheet["K3"]._style, sheet["K4"]._style = copy(sheet["J3"]._style), copy(sheet["J4"]._style)
    sheet["L3"], sheet["L4"]._style = "备注", copy(sheet["J4"]._style)  # a styled task cell left empty
    sheet["A6"], sheet["E6"], sheet["H6"] = "填报人：", "联系电话：", "审核人："
    sheet.merge_cells("A6:C6")
    sheet.print_area = "A1:K6"
    folder.mkdir()
    workbook.save(folder / f"{FORM_TEMPLATE}.xlsx")
    return folder


def _round_differences(ledger) -> tuple[tuple[int, int], dict[str, list[str]]]:
    by_unit = recipients(ledger)
    written = {}
    counts = write_forms(ledger, by_unit, ROUND, lambda u, t, data: written.update({u: data}), GENERATED)
    sizes = sorted(by_unit, key=lambda u: len(by_unit[u]))
    checked = [*sizes[:2], *sizes[len(sizes) // 2:len(sizes) // 2 + 2], *sizes[-2:]]
    return counts, {u: _differences(written[u], slow_form_bytes(ledger, u, by_unit[u], ROUND, GENERATED))
                    for u in checked}


def test_a_changed_template_keeps_the_fast_path(baoshan, tmp_path, monkeypatch):
    monkeypatch.setenv("FENJIE_TEMPLATES", str(_changed_template(tmp_path / "templates")))
    (fast, slow), differences = _round_differences(baoshan)
    assert slow == 0 and fast == len(recipients(baoshan))
    assert all(d == [] for d in differences.values()), differences


def test_rows_added_after_rendering_keep_the_fast_path(baoshan, monkeypatch):
    original = fastforms.build_feedback_workbook

    def with_signature_block(*args, **kwargs):
        workbook = original(*args, **kwargs)
        sheet = workbook[SHEET_FORM]
        last = sheet.max_row
        sheet.cell(last + 2, 1, "填报人：")
        sheet.cell(last + 2, 5, "联系电话：")
        sheet.merge_cells(start_row=last + 2, start_column=1, end_row=last + 2, end_column=3)
        sheet.print_area = f"A1:J{last + 2}"
        return workbook

    monkeypatch.setattr(fastforms, "build_feedback_workbook", with_signature_block)
    (fast, slow), differences = _round_differences(baoshan)
    assert slow == 0 and fast == len(recipients(baoshan))
    assert all(d == [] for d in differences.values()), differences


def test_the_benchmark_round_takes_the_fast_path():
    """300 tasks to 200 units (benchmarks/progress.py): short task texts, where the template's own row heights show."""
    from progress import synthetic_ledger

    ledger = synthetic_ledger(300, 200, 20)
    (fast, slow), differences = _round_differences(ledger)
    assert (fast, slow) == (200, 0)
    assert all(d == [] for d in differences.values()), differences
