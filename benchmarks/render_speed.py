"""Engine time to render a 1,000-row 任务分解表 from its template (issue #5 target: under 2 s).

Usage: python benchmarks/render_speed.py [--rows N] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from table_builders import build_official_table  # noqa: E402
from validate_speed import big_truth  # noqa: E402

from addin.render import context_for_rows, render_workbook, save_rendered  # noqa: E402
from addin.table import read_task_table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        source = build_official_table(big_truth(args.rows, Path(tmp)), Path(tmp) / "big.xlsx")
        rows = read_task_table(source).rows
        context = context_for_rows(rows, "2021年上海市政务公开工作要点任务分解表")
        render_times, save_times = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            workbook = render_workbook("任务分解表", context)
            middle = time.perf_counter()
            save_rendered(workbook, Path(tmp) / "out.xlsx")
            render_times.append(middle - start)
            save_times.append(time.perf_counter() - middle)
    print(f"rows: {len(rows)}")
    print("| step | median seconds |")
    print("|---|---|")
    print(f"| render (fill, styles, merges, row heights) | {statistics.median(render_times):.3f} |")
    print(f"| save (atomic) | {statistics.median(save_times):.3f} |")
    print(f"| total engine | {statistics.median(render_times) + statistics.median(save_times):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
