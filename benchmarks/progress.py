"""Speed of the progress cycle (issue #6): split, merge, summary.

Usage: python benchmarks/progress.py

- split: a 300-task ledger to 60 units;
- merge: 200 returned workbooks of 20 rows into a 300-task ledger (also timed:
  merely reading the 200 returns with python-calamine and with openpyxl read-only);
- summary: a 5,000-task ledger with reports.
Targets on the 2-core machine: split < 2 s, merge < 1.5 s, summary < 3 s.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

from addin.progress.ledger import build_ledger_workbook, load_ledger
from addin.progress.merge import merge_returns, read_return
from addin.progress.model import Ledger, LedgerTask, Progress
from addin.progress.split import SHEET_FORM, split_ledger
from addin.progress.summary import build_summary

ROUND = "2024年第3季度"


def synthetic_ledger(tasks: int, units: int, per_unit: int, seed: int = 7) -> Ledger:
    """``tasks`` tasks; each of ``units`` units responsible for ``per_unit`` of them."""
    rng = random.Random(seed)
    names = [f"区单位{i:03d}" for i in range(units)]
    items = [LedgerTask(f"T{i:05d}", i + 1, f"{'一二三四五'[i % 5]}、板块", f"任务{i}",
                        f"第{i}项任务的具体内容，做好公开工作。", [], [], [], "6月底前" if i % 3 else "全年")
             for i in range(tasks)]
    for name in names:
        for task in rng.sample(items, per_unit):
            (task.lead if not task.lead else task.units).append(name)
    return Ledger("BENCH", "2024年某区政务公开工作要点工作台账", 2024, items)


def write_ledger(ledger: Ledger, path: Path) -> Path:
    build_ledger_workbook(ledger).save(path)
    return path


def timed(label: str, action) -> float:
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    print(f"| {label} | {seconds:.2f} |")
    return seconds


def fill(forms: list[Path]) -> None:
    for n, form in enumerate(forms):
        workbook = openpyxl.load_workbook(form)
        sheet = workbook[SHEET_FORM]
        for row in range(4, sheet.max_row + 1):
            sheet[f"G{row}"], sheet[f"H{row}"] = f"进展{n}-{row}", ("已完成", "推进中", "未启动")[row % 3]
        workbook.save(form)


def main() -> int:
    print("| step | seconds |")
    print("|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ledger_path = write_ledger(synthetic_ledger(300, 60, 15), folder / "split.xlsx")
        timed("split 300 tasks to 60 units", lambda: split_ledger(ledger_path, folder / "out60", ROUND))

        ledger_path = write_ledger(synthetic_ledger(300, 200, 20), folder / "merge.xlsx")
        forms = [r.path for r in split_ledger(ledger_path, folder / "out200", ROUND)]
        fill(forms)
        timed("read 200 returns (python-calamine)", lambda: [read_return(p) for p in forms])
        timed("read 200 returns (openpyxl read-only)",
              lambda: [list(openpyxl.load_workbook(p, read_only=True)[SHEET_FORM].values) for p in forms])
        timed("merge 200 returns of 20 rows", lambda: merge_returns(ledger_path, folder / "out200"))

        big = synthetic_ledger(5000, 100, 60)
        for task in big.tasks[::2]:
            for unit in task.all_units():
                task.reports[unit] = Progress(unit, "进展", "推进中")
        big_path = write_ledger(big, folder / "big.xlsx")
        from datetime import date

        loaded = load_ledger(big_path)
        timed("summary of 5,000 tasks (build + save)",
              lambda: build_summary(loaded, date(2024, 9, 30)).save(folder / "summary.xlsx"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
