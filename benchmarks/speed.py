"""Speed of the plan → rows step on the largest corpus plan, per input format.

Usage: python benchmarks/speed.py [--corpus DIR] [--runs N]

Prints the median wall time of read_plan + parse_outline + decompose (engine only,
in-process, after one warm-up run) for .txt, .docx (auto-numbered) and .pdf.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from builders import build_docx, build_pdf  # noqa: E402

from addin.decompose import decompose  # noqa: E402
from addin.outline import parse_outline  # noqa: E402
from addin.plan import read_plan  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def time_decomposition(path: Path, runs: int) -> tuple[float, int]:
    """Median seconds of one full decomposition of ``path``, and its row count."""
    rows = decompose(parse_outline(read_plan(path)))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        decompose(parse_outline(read_plan(path)))
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    largest = max((args.corpus / "plans").glob("*.txt"), key=lambda p: p.stat().st_size)
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "txt": largest,
            "docx": build_docx(largest, Path(tmp) / "plan.docx"),
            "pdf": build_pdf(largest, Path(tmp) / "plan.pdf"),
        }
        print(f"plan: {largest.name} ({largest.stat().st_size // 1024} KB)")
        print("| format | rows | median seconds |")
        print("|---|---|---|")
        for kind, path in files.items():
            seconds, rows = time_decomposition(path, args.runs)
            print(f"| {kind} | {rows} | {seconds:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
