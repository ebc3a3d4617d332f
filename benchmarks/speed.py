"""Speed of the plan → rows step on the largest corpus plan, per input format.

Usage: python benchmarks/speed.py [--corpus DIR] [--runs N]

Prints the median wall time of read_plan + parse_outline + decompose (engine only,
in-process, after one warm-up run) for .txt, .docx (auto-numbered) and .pdf, and of the
whole draft (rows, units, deadlines) of a synthetic 1,000-item plan with notes.
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


def median_seconds(work, runs: int) -> float:
    """Median wall time of ``work()`` over ``runs`` runs, after one warm-up run."""
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_decomposition(path: Path, runs: int) -> tuple[float, int]:
    """Median seconds of one full decomposition of ``path``, and its row count."""
    rows = decompose(parse_outline(read_plan(path)))
    return median_seconds(lambda: decompose(parse_outline(read_plan(path))), runs), len(rows)


def synthetic_plan(path: Path, items: int = 1000) -> Path:
    """A plan of ``items`` items (a multiple of 100): chapters with heading notes, sections of 20 noted items.

    1,000 items: 10 chapters × 5 sections; 10,000: 50 chapters × 10 sections.
    """
    digits = "一二三四五六七八九"

    def chinese(n: int) -> str:
        tens, ones = divmod(n, 10)
        return (("" if tens == 1 else digits[tens - 1]) + "十" if tens else "") + (digits[ones - 1] if ones else "")

    chapters = max(1, min(items // 100, 50))  # numbered 一 … 五十; larger plans get more sections per chapter
    lines = ["2024年某区工作要点"]
    for c in range(1, chapters + 1):
        lines.append(f"{chinese(c)}、第{c}章工作（牵头单位：区政府办公室）")
        for s in range(1, max(5, items // (20 * chapters)) + 1):
            lines.append(f"（{chinese(s)}）小节{c}-{s}")
            lines += [f"{i}.推进第{c}-{s}-{i}项工作，各部门要抓好落实，6月底前完成。"
                      "（区发展改革委牵头，各街镇配合）" for i in range(1, 21)]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def time_draft(path: Path, runs: int) -> tuple[float, int]:
    """Median seconds of draft_from_plan (read, rows, units, deadlines), and its row count."""
    from addin.pipeline import draft_from_plan

    return median_seconds(lambda: draft_from_plan(path), runs), len(draft_from_plan(path).rows)


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
        seconds, rows = time_draft(synthetic_plan(Path(tmp) / "synthetic.txt"), max(3, args.runs // 4))
        print(f"| synthetic txt, whole draft | {rows} | {seconds:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
