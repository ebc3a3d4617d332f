"""Python time of ribbon actions on a ~100-task plan through the xlwings remote engine (target < 1 s).

Usage: XLWINGS_LICENSE_KEY=noncommercial python benchmarks/ribbon_speed.py

Measures dispatch() end to end in Python — the bulk read of the payload, the
engine work and the bulk write into the actions JSON — for 生成分解表 on the
largest corpus plan (shanghai_2021, ~110 tasks) and for 匹配责任单位, 识别完成时限
and 校验 on its table. Excel's own time to apply the actions is not included.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402

from addin import ribbon  # noqa: E402
from addin.pipeline import DraftOptions, draft_from_plan  # noqa: E402
from addin.units.directory import DIRECTORY_HEADERS, sample_directory  # noqa: E402
from addin.workbook import PLAN_HEADERS, TASK_HEADERS, directory_values, plan_values, task_values  # noqa: E402

PLAN = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "plans" / "shanghai_2021.txt"


def payload(sheets: dict[str, list[list[object]]]) -> dict:
    return {"client": "Microsoft Office Scripts", "version": xw.__version__,
            "book": {"name": "工作簿.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [],
            "sheets": [{"name": n, "values": v, "pictures": [], "tables": []} for n, v in sheets.items()]}


def main() -> int:
    directory = sample_directory("上海市")
    draft = draft_from_plan(PLAN, DraftOptions(directory=directory))
    out = tempfile.mkdtemp()
    sheets = {"设置": [["选项", "值", "说明"], ["上级要点文件", str(PLAN), ""], ["输出文件夹", out, ""]],
              "上级要点": [list(PLAN_HEADERS)] + plan_values(draft.outline),
              "任务分解": [list(TASK_HEADERS)] + [task_values(r) for r in draft.rows],
              "单位名录": [list(DIRECTORY_HEADERS)] + directory_values(directory)}
    print(f"tasks: {len(draft.rows)}")
    print("| button | median seconds (5 runs) |")
    print("|---|---|")
    for button in ("btnDecompose", "btnMatchUnits", "btnDeadlines", "btnValidate"):
        times = []
        for _ in range(5):
            book = xw.Book(json=payload(sheets))
            start = time.perf_counter()
            ribbon.dispatch(button, book)
            times.append(time.perf_counter() - start)
        print(f"| {ribbon.ACTIONS[button][0]} | {statistics.median(times):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
