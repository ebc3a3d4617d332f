"""Engine time to read and validate a 1,000-row 任务分解表 (issue #4 target: under 1 s).

Usage: python benchmarks/validate_speed.py [--rows N] [--runs N]

The table is the shanghai_2021 official table repeated to N rows in its published
layout (merged names, repeated headers); validated with the 上海市 sample directory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from table_builders import build_official_table  # noqa: E402

from addin.markup import mark_workbook  # noqa: E402
from addin.table import read_task_table  # noqa: E402
from addin.units.directory import sample_directory  # noqa: E402
from addin.validate import ValidationOptions, validate_table  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def big_truth(rows: int, folder: Path) -> Path:
    """A truth file with ``rows`` rows cycled from shanghai_2021."""
    truth = json.loads((CORPUS / "truth" / "shanghai_2021.json").read_text(encoding="utf-8"))
    base = truth["rows"]
    truth["rows"] = [dict(base[i % len(base)], seq=i + 1) for i in range(rows)]
    path = folder / "shanghai_2021.json"
    path.write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    options = ValidationOptions(directory=sample_directory("上海市"))
    with tempfile.TemporaryDirectory() as tmp:
        table_file = build_official_table(big_truth(args.rows, Path(tmp)), Path(tmp) / "big.xlsx")
        read_times, rule_times, mark_times, findings = [], [], [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            table = read_task_table(table_file)
            middle = time.perf_counter()
            findings = validate_table(table, options)
            end = time.perf_counter()
            mark_workbook(table_file, table.sheet, findings, out=Path(tmp) / "marked.xlsx")
            read_times.append(middle - start)
            rule_times.append(end - middle)
            mark_times.append(time.perf_counter() - end)
    print(f"rows: {args.rows}, findings: {len(findings)}")
    print("| step | median seconds |")
    print("|---|---|")
    print(f"| read table (openpyxl) | {statistics.median(read_times):.3f} |")
    print(f"| rules | {statistics.median(rule_times):.3f} |")
    print(f"| read + rules (engine) | {statistics.median(read_times) + statistics.median(rule_times):.3f} |")
    print(f"| mark workbook (write) | {statistics.median(mark_times):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
