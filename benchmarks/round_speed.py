"""Whole-process speed and memory of the round, each figure beside a peer measured in the same run.

Usage: python benchmarks/round_speed.py [--sizes 100 1000 4000 10000] [--runs 5] [--round-only]

Every figure is the median of ``--runs`` runs of a whole process (``fenjie …`` or
``benchmarks/peers.py …``), with min and max, and the peak RSS of the process
(``os.wait4``). Peers: XlsxWriter and openpyxl write-only writing the same feedback
forms, python-calamine reading the same returns and tables, XlsxWriter writing the
same task rows. Sizes are tasks; a ledger of N tasks has max(10, N/10) units with 20
tasks each. The 300-task / 200-unit round (split + merge + summary) is compared with
XlsxWriter writing the same forms plus calamine reading them. FenJie's modules are
compiled beforehand, as pip leaves them on an installed PC (``--source-only`` times it
compiling them each run, as figures before 2026-12 were taken).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "tests"))

from progress import synthetic_ledger, write_ledger  # noqa: E402
from speed import synthetic_plan  # noqa: E402
from table_builders import build_official_table  # noqa: E402
from validate_speed import big_truth  # noqa: E402

from addin.progress.model import Progress  # noqa: E402
from addin.progress.split import split_ledger  # noqa: E402

ROUND = "2024年第3季度"
FENJIE = [sys.executable, "-m", "addin.cli"]
PEERS = [sys.executable, str(BENCH / "peers.py")]
ENV: dict[str, str] | None = None  # the environment commands are timed in (None: this process's own)


def installed_env(cache: Path) -> dict[str, str]:
    """The environment of a process that finds FenJie's modules compiled, as an installed FenJie has them.

    pip compiles every module when it installs the wheel (the offline bundle too); this
    machine sets PYTHONDONTWRITEBYTECODE, so the work tree has none and every command
    would compile ~60 modules from source (about 0.1 s per process). As in ribbon_speed.py,
    the compiled files go to a temporary cache, filled before anything is timed.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def compile_modules(env: dict[str, str]) -> None:
    """Compile FenJie's modules (and the peers' script) into the cache of ``env`` before timing."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "addin", "workbook_templates", str(BENCH / "peers.py")],
                   cwd=BENCH.parent, env=env, check=True, stdout=subprocess.DEVNULL)


@dataclass
class Figure:
    """Seconds and peak RSS (MiB) of the runs of one command."""

    seconds: list[float]
    rss: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def cell(self) -> str:
        return f"{self.median:.2f} ({min(self.seconds):.2f}–{max(self.seconds):.2f})"

    def memory(self) -> str:
        return f"{max(self.rss):.0f}"


def measure(command: list[str], runs: int, before=None, ok=(0,)) -> Figure:
    """Run ``command`` ``runs`` times as a whole process; ``before()`` (untimed) resets its input.

    Peak RSS comes from GNU time (``%M``): the rusage of a child forked from this
    process starts at this process's own size, so it cannot be read with os.wait4.
    """
    seconds, rss = [], []
    timer = ["/usr/bin/time", "-f", "peak-kib %M"] if Path("/usr/bin/time").exists() else []
    for _ in range(runs):
        if before:
            before()
        with tempfile.TemporaryFile() as errors:
            start = time.perf_counter()
            code = subprocess.call([*timer, *command], stdout=subprocess.DEVNULL, stderr=errors, cwd=BENCH.parent,
                                   env=ENV)
            seconds.append(time.perf_counter() - start)
            errors.seek(0)
            text = errors.read().decode(errors="replace")
            if code not in ok:
                raise RuntimeError(f"{' '.join(command)} failed: {text[-2000:]}")
        peak = [line.split()[1] for line in text.splitlines() if line.startswith("peak-kib ")]
        rss.append(int(peak[-1]) / 1024 if peak else float("nan"))
    return Figure(seconds, rss)


def prepare_round(folder: Path, tasks: int, units: int) -> dict[str, Path]:
    """A ledger issued for ROUND, and a folder of returns that report on every task."""
    folder.mkdir(parents=True, exist_ok=True)
    ledger = write_ledger(synthetic_ledger(tasks, units, 20), folder / "台账.xlsx")
    split_ledger(ledger, folder / "issued", ROUND)
    reported = synthetic_ledger(tasks, units, 20)
    for n, task in enumerate(reported.tasks):
        for unit in task.all_units():
            status = ("已完成", "推进中", "未启动")[n % 3]
            task.reports[unit] = Progress(unit, f"第{n}项已按计划推进，完成阶段目标。", status)
    source = write_ledger(reported, folder / "报送.xlsx")
    split_ledger(source, folder / "returns", ROUND)
    return {"ledger": ledger, "returns": folder / "returns", "merged": folder / "merged.xlsx"}


def round_figures(folder: Path, tasks: int, units: int, runs: int) -> dict[str, Figure]:
    """split, merge, summary and their peers on one ledger."""
    files = prepare_round(folder, tasks, units)
    merged = files["merged"]
    figures = {
        "split": measure([*FENJIE, "split", str(files["ledger"]), "-o", str(folder / "out"), "--round", ROUND], runs,
                         lambda: shutil.rmtree(folder / "out", ignore_errors=True)),
        "xlsxwriter forms": measure([*PEERS, "xlsxwriter-forms", str(files["ledger"]), str(folder / "xw"), ROUND],
                                    runs, lambda: shutil.rmtree(folder / "xw", ignore_errors=True)),
        "openpyxl write-only forms": measure([*PEERS, "openpyxl-forms", str(files["ledger"]), str(folder / "ow"),
                                              ROUND], runs, lambda: shutil.rmtree(folder / "ow", ignore_errors=True)),
        "merge": measure([*FENJIE, "merge", str(merged), str(files["returns"])], runs,
                         lambda: shutil.copy(files["ledger"], merged)),
        "calamine read returns": measure([*PEERS, "calamine-read", str(files["returns"])], runs),
        "calamine read forms": measure([*PEERS, "calamine-read", str(folder / "xw")], runs),
    }
    figures["summary"] = measure([*FENJIE, "summary", str(merged), "-o", str(folder / "汇总.xlsx"), "--as-of",
                                  date(2024, 9, 30).isoformat()], runs)
    return figures


def plan_figures(folder: Path, items: int, runs: int, validate: bool = True) -> dict[str, Figure]:
    """decompose and validate (marking the file) of ``items`` tasks, with their peers."""
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    plan = synthetic_plan(folder / "plan.txt", items)
    draft = folder / "任务分解.xlsx"
    figures = {"decompose": measure([*FENJIE, "decompose", str(plan), "-o", str(draft)], runs),
               "xlsxwriter table": measure([*PEERS, "xlsxwriter-table", str(draft), str(folder / "xw.xlsx")], runs)}
    if not validate:
        return figures
    table = build_official_table(big_truth(items, folder), folder / "tables" / "big.xlsx")
    marked = folder / "marked.xlsx"
    figures["validate (mark)"] = measure([*FENJIE, "validate", str(table), "-o", str(marked)], runs, ok=(0, 1))
    figures["calamine read table"] = measure([*PEERS, "calamine-read", str(folder / "tables")], runs)
    return figures


PAIRS = (("decompose", "xlsxwriter table"), ("validate (mark)", "calamine read table"),
         ("split", "xlsxwriter forms"), ("split", "openpyxl write-only forms"), ("merge", "calamine read returns"),
         ("summary", None))


def print_size(size: int, figures: dict[str, Figure]) -> None:
    for step, peer in PAIRS:
        if step not in figures:
            continue
        mine = figures[step]
        other = figures.get(peer) if peer else None
        ratio = f"{mine.median / other.median:.1f}×" if other else "—"
        print(f"| {size:,} | {step} | {mine.cell()} | {mine.memory()} | {peer or '—'} | "
              f"{other.cell() if other else '—'} | {ratio} |")


def print_round(r: dict[str, Figure]) -> None:
    fenjie = r["split"].median + r["merge"].median + r["summary"].median
    peer = r["xlsxwriter forms"].median + r["calamine read forms"].median
    print("\n300 tasks / 200 units: | split | merge | summary | XlsxWriter forms | calamine read |")
    print(f"| {r['split'].cell()} | {r['merge'].cell()} | {r['summary'].cell()} | {r['xlsxwriter forms'].cell()}"
          f" | {r['calamine read forms'].cell()} |")
    print(f"round {fenjie:.2f} s vs XlsxWriter + calamine {peer:.2f} s: {fenjie / peer:.2f}× (target ≤ 2.5×)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 4000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--round-only", action="store_true")
    parser.add_argument("--decompose-only", action="store_true", help="only decompose and its peer at each size")
    parser.add_argument("--source-only", action="store_true",
                        help="time FenJie as this machine runs it from source, compiling every module each time "
                             "(the figures recorded before 2026-12)")
    args = parser.parse_args(argv)
    print(f"{date.today().isoformat()}, {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}; "
          f"median (min–max) of {args.runs} whole-process runs, "
          + ("modules compiled from source each run" if args.source_only else "compiled modules present"))
    global ENV
    with tempfile.TemporaryDirectory() as tmp:
        if not args.source_only:
            ENV = installed_env(Path(tmp) / "pycache")
            compile_modules(ENV)
        if not args.decompose_only:
            print_round(round_figures(Path(tmp) / "round", 300, 200, args.runs))
        if args.round_only:
            return 0
        print("\n| tasks | step | FenJie s | peak MiB | peer | peer s | ratio |")
        print("|---|---|---|---|---|---|---|")
        by_size = {}
        for size in args.sizes:
            folder = Path(tmp) / str(size)
            figures = plan_figures(folder, size, args.runs, validate=not args.decompose_only)
            if not args.decompose_only:
                figures.update(round_figures(folder, size, max(10, size // 10), args.runs))
            by_size[size] = figures
            print_size(size, figures)
            sys.stdout.flush()
        for step in ("decompose", "merge", "split", "validate (mark)"):
            base = by_size.get(1000, {}).get(step)
            if base:
                growth = ", ".join(f"{s:,}: {by_size[s][step].median / base.median:.1f}×" for s in by_size
                                   if s > 1000 and step in by_size[s])
                print(f"growth of {step} over 1,000 tasks: {growth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
