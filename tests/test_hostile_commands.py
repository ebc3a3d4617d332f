"""Every command over every hostile input: one Chinese line or a result, never a traceback (issue 15).

The CLI's safety net (:func:`addin.errors.explain`) turns an unexpected exception
into a Chinese line too, so "no traceback" alone would prove little: these tests
also require that the net's generic "出现意外问题" message never appears — every
failure a hostile file causes is one the engine anticipated and explained.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from addin.cli import main

HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(p.name for p in HOSTILE.iterdir() if p.suffix not in (".py", ".json"))
GOOD = HOSTILE / "01_good.xlsx"


def _commands(file: Path, work: Path, ledger: Path, forms: Path) -> dict[str, list[str]]:
    """Each command with ``file`` in the place a user could put it."""
    returns = work / "回收"
    returns.mkdir()
    shutil.copy(file, returns / (file.stem + ".xlsx"))
    copy = work / file.name
    shutil.copy(file, copy)
    merged = work / "台账-合并.xlsx"
    shutil.copy(ledger, merged)
    return {
        "decompose": ["decompose", str(file), "-o", str(work / "分解.xlsx")],
        "validate": ["validate", str(copy), "--fix"],
        "validate -o": ["validate", str(file), "-o", str(work / "已有.xlsx")],
        "render": ["render", str(file), "-o", str(work / "正式.xlsx")],
        "ledger": ["ledger", str(file), "-o", str(work / "台账.xlsx")],
        "units check": ["units", "check", str(file), "--sample-units", "普陀区"],
        "split (as ledger)": ["split", str(copy), "-o", str(work / "下发"), "--round", "2024年第2季度"],
        "merge (as ledger)": ["merge", str(copy), str(returns)],
        "merge (as a return)": ["merge", str(merged), str(returns)],
        "summary (as ledger)": ["summary", str(file), "-o", str(work / "汇总.xlsx"), "--as-of", "2024-07-01"],
        "mail preview (as ledger)": ["mail", "preview", str(file), "--forms", str(forms)],
        "mail send (as ledger)": ["mail", "send", str(copy), "--forms", str(forms), "--out", str(work / "邮件")],
        "undo": ["undo", str(copy)],
    }


@pytest.fixture(scope="module")
def good_ledger(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("good")
    ledger = folder / "台账.xlsx"
    assert main(["ledger", str(GOOD), "-o", str(ledger)]) == 0
    assert main(["split", str(ledger), "-o", str(folder / "下发"), "--round", "2024年第2季度"]) == 0
    return ledger, folder / "下发"


@pytest.mark.parametrize("name", CASES)
def test_no_command_fails_unexplained(name, good_ledger, tmp_path, capsys):
    ledger, forms = good_ledger
    problems = []
    for label, argv in _commands(HOSTILE / name, tmp_path, ledger, forms).items():
        code = main(argv)
        out, err = capsys.readouterr()
        lines = err.strip().splitlines()
        if code not in (0, 1) or "Traceback" in out + err or "出现意外问题" in err:
            problems.append(f"{label}: exit {code}: {err.strip()[:300]}")
        elif code == 1 and not (out.strip() or (len(lines) == 1 and lines[0].startswith("错误："))):
            problems.append(f"{label}: exit 1 without one Chinese line: {err!r}")
    assert problems == []


def _no_formula_cells(path: Path) -> list[str]:
    workbook = openpyxl.load_workbook(path)
    return [f"{path.name}!{ws.title}!{cell.coordinate}" for ws in workbook.worksheets for row in ws.iter_rows()
            for cell in row if cell.data_type == "f"]


INJECTED = "=HYPERLINK(\"http://evil.test\",\"点击查看\")"
DDE = "=cmd|' /C calc'!A0"


def test_text_stays_text_through_the_whole_cycle(tmp_path, capsys):
    table = tmp_path / "表.xlsx"
    workbook = openpyxl.load_workbook(GOOD)
    sheet = workbook.active
    sheet["C3"].value, sheet["C3"].data_type = INJECTED, "s"  # typed as text upstream
    sheet["C4"].value = "@SUM(A1:A2) 做好政策解读。"
    workbook.save(table)
    ledger, forms = tmp_path / "台账.xlsx", tmp_path / "下发"
    assert main(["validate", str(table)]) == 0
    assert main(["render", str(table), "-o", str(tmp_path / "正式.xlsx")]) == 0
    assert main(["ledger", str(table), "-o", str(ledger)]) == 0
    assert main(["split", str(ledger), "-o", str(forms), "--round", "2024年第2季度"]) == 0
    returns = tmp_path / "回收"
    returns.mkdir()
    typed = {}
    for n, form in enumerate(sorted(forms.glob("*.xlsx"))):
        book = openpyxl.load_workbook(form)
        sheet = book["任务进展反馈"]
        header = {c.value: c.column for c in sheet[3] if c.value}
        cell = sheet.cell(4, header["进展情况"])
        if n == 0:
            cell.value = DDE  # a live formula without a cached value, as some tools save it
        else:
            cell.value, cell.data_type = f"-已完成第{n}阶段", "s"
        typed[json.dumps(n)] = cell.value
        book.save(returns / form.name)
    capsys.readouterr()
    assert main(["merge", str(ledger), str(returns)]) == 0
    assert "已合并" in capsys.readouterr().out
    assert main(["summary", str(ledger), "-o", str(tmp_path / "汇总.xlsx"), "--as-of", "2024-07-01"]) == 0
    assert main(["split", str(ledger), "-o", str(tmp_path / "再下发"), "--round", "2024年第3季度"]) == 0
    rows = list(openpyxl.load_workbook(ledger)["反馈明细"].values)
    detail = [r[rows[0].index("进展情况")] for r in rows[1:]]
    assert DDE in detail, "a formula saved without a value is read as its text, not as an empty report"
    assert any(str(v).startswith("-已完成") for v in detail)
    written = [table, tmp_path / "正式.xlsx", ledger, tmp_path / "汇总.xlsx", *(tmp_path / "再下发").glob("*.xlsx")]
    assert [c for path in written for c in _no_formula_cells(path)] == []
    # the task text reached the ledger as text (its punctuation may be tidied by the table reader)
    assert any(str(c.value).startswith("=HYPERLINK") for c in openpyxl.load_workbook(ledger)["工作台账"]["E"])
