"""How soon a ribbon click answers, cold and warm, measured in one run.

Usage: XLWINGS_LICENSE_KEY=noncommercial python benchmarks/ribbon_speed.py

Budgets (issue 13), checked at the end (exit 1 when one is missed):
- cold click: a fresh Python (the first click, which starts xlwings' UDF server) imports
  xlwings and addin.ribbon before the action starts; those imports cost at most 1.5×
  ``import xlwings`` alone. Each button's own imports (what its action needs, imported
  lazily) are listed beside it.
- warm click: with the UDF server resident, a click's Python until the action starts
  (the status bar message) is at most 0.05 s, and so is the whole Python of a button
  that reads and writes only the open workbook (设置, 单位名录, 撤销, 自检, 帮助).

Every timing is the median of RUNS fresh processes or calls. The engine buttons run on the
shanghai_2021 plan (~110 tasks) through the xlwings remote engine; Excel's own time to
apply the writes is not included.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402

from addin import ribbon  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT.parent / "shared" / "corpus" / "plans" / "shanghai_2021.txt"
RUNS = 5
COLD_RATIO_BUDGET = 1.5
WARM_BUDGET = 0.05
LIGHT_BUTTONS = ("btnSettings", "btnUnits", "btnUndo", "btnSelfCheck", "btnHelp")

# Run in a fresh interpreter: time the imports given on the command line, print seconds.
_TIME_IMPORTS = """
import importlib, sys, time
start = time.perf_counter()
for name in sys.argv[1:]:
    importlib.import_module(name)
print(time.perf_counter() - start)
"""


def _fresh_env() -> dict[str, str]:
    """The environment of a fresh Python that finds compiled modules, as an installed FenJie has them.

    pip compiles every module when it installs a wheel, and the add-in runs Python with -B
    (no writing); this machine sets PYTHONDONTWRITEBYTECODE, so FenJie's source tree has none.
    The compiled files go to a temporary cache instead of the work tree.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = _PYCACHE
    return env


_PYCACHE = tempfile.mkdtemp(prefix="fenjie-pycache-")


def _import_seconds(modules: list[str]) -> float:
    out = subprocess.run([sys.executable, "-c", _TIME_IMPORTS, *modules], capture_output=True, text=True,
                         check=True, cwd=ROOT, env=_fresh_env())
    return float(out.stdout)


def cold_imports(modules: list[str]) -> tuple[float, float]:
    """Median seconds a fresh Python takes to import ``modules``, and median ratio to ``import xlwings`` alone.

    The two are timed in alternation, so a load from other processes weighs on both alike.
    """
    _import_seconds(modules)  # compiles what has no compiled file yet
    pairs = [(_import_seconds(modules), _import_seconds(["xlwings"])) for _ in range(RUNS)]
    return statistics.median(t for t, _ in pairs), statistics.median(t / x for t, x in pairs)


def payload(sheets: dict[str, list[list[object]]]) -> dict:
    return {"client": "Microsoft Office Scripts", "version": xw.__version__,
            "book": {"name": "工作簿.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [],
            "sheets": [{"name": n, "values": v or [[]], "pictures": [], "tables": []} for n, v in sheets.items()]}


def workbook_sheets() -> dict[str, list[list[object]]]:
    from addin.pipeline import DraftOptions, draft_from_plan
    from addin.units.directory import DIRECTORY_HEADERS, sample_directory
    from addin.workbook import PLAN_HEADERS, TASK_HEADERS, directory_values, plan_values, task_values

    directory = sample_directory("上海市")
    draft = draft_from_plan(PLAN, DraftOptions(directory=directory))
    out = Path(tempfile.mkdtemp(prefix="fenjie-bench-"))
    (out / "回收").mkdir()
    return {"设置": [["选项", "值", "说明"], ["上级要点文件", str(PLAN), ""], ["输出文件夹", str(out), ""],
                   ["回收文件夹", str(out / "回收"), ""]],
            "上级要点": [list(PLAN_HEADERS)] + plan_values(draft.outline),
            "任务分解": [list(TASK_HEADERS)] + [task_values(r) for r in draft.rows],
            "单位名录": [list(DIRECTORY_HEADERS)] + directory_values(directory),
            "_备份_任务分解": [list(TASK_HEADERS)]}


# Run in a fresh interpreter: the modules one click of a button imports beyond xlwings and
# addin.ribbon, in import order (xlwings' own modules excluded: the remote engine's are not
# those Excel uses).
_BUTTON_IMPORTS = """
import json, os, sys
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
import xlwings as xw
import addin.ribbon as ribbon
book = xw.Book(json=json.loads(sys.stdin.read()))
before = list(sys.modules)
ribbon.dispatch(sys.argv[1], book)
seen = set(before)
print(json.dumps([m for m in sys.modules if m not in seen and not m.startswith("xlwings")]))
"""


def button_imports(button: str, sheets: dict) -> list[str]:
    out = subprocess.run([sys.executable, "-c", _BUTTON_IMPORTS, button], input=json.dumps(payload(sheets)),
                         capture_output=True, text=True, check=True, cwd=ROOT, env=_fresh_env())
    return json.loads(out.stdout.strip().splitlines()[-1])


def warm_click(button: str, sheets: dict, runs: int) -> tuple[float, float]:
    """Median (seconds until the status bar message, seconds of the whole click) in this warm process."""
    to_status, total = [], []
    original = ribbon._status
    for _ in range(runs):
        book = xw.Book(json=payload(sheets))
        marks: list[float] = []

        def status(book, text, marks=marks):
            marks.append(time.perf_counter())
            original(book, text)

        ribbon._status = status
        start = time.perf_counter()
        exec(f"import addin.ribbon; addin.ribbon.dispatch({button!r}, book)", {"book": book})  # as VBA sends it
        total.append(time.perf_counter() - start)
        to_status.append(marks[0] - start)
    ribbon._status = original
    return statistics.median(to_status), statistics.median(total)


def main() -> int:
    sheets = workbook_sheets()
    xlwings_alone, _ = cold_imports(["xlwings"])
    click_path, ratio = cold_imports(["xlwings", "addin.ribbon"])
    print(f"cold: import xlwings alone {xlwings_alone:.3f} s; xlwings + addin.ribbon {click_path:.3f} s "
          f"= {ratio:.2f}× (budget ≤ {COLD_RATIO_BUDGET}×)")
    print()
    print("| button | cold: with its own imports, s (× xlwings alone) | warm: until status, s | warm: whole click, s |")
    print("|---|---|---|---|")
    missed = [] if ratio <= COLD_RATIO_BUDGET else ["cold click path"]
    for button, (label, _) in ribbon.ACTIONS.items():
        cold, cold_ratio = cold_imports(["xlwings", "addin.ribbon", *button_imports(button, sheets)])
        to_status, total = warm_click(button, sheets, RUNS if button in LIGHT_BUTTONS else 3)
        print(f"| {label} | {cold:.3f} ({cold_ratio:.2f}×) | {to_status:.4f} | {total:.3f} |")
        if to_status > WARM_BUDGET or (button in LIGHT_BUTTONS and total > WARM_BUDGET):
            missed.append(label)
    print()
    print("budgets met" if not missed else f"budgets missed: {'、'.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
