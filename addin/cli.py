"""The ``fenjie`` command line: each command parses, calls the engine, reports.

Engine errors (:class:`addin.errors.FenJieError`) become a one-line Chinese
message on stderr and exit status 1; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from . import __version__
from .decompose import Granularity, decompose
from .errors import FenJieError
from .outline import parse_outline
from .plan import read_plan
from .workbook import build_draft_workbook, save_workbook

SAMPLE_PLAN = "sample_plan_putuo_2024.txt"
DEMO_DIR = "fenjie-demo"


def decompose_plan(plan: Path, out: Path, granularity: Granularity) -> tuple[int, Path | None]:
    """Read, decompose and write one plan; returns (row count, backup path)."""
    outline = parse_outline(read_plan(plan))
    rows = decompose(outline, granularity)
    return len(rows), save_workbook(build_draft_workbook(outline, rows), out)


def _cmd_decompose(args: argparse.Namespace) -> int:
    plan = Path(args.plan)
    out = Path(args.output) if args.output else plan.with_name(plan.stem + "_任务分解.xlsx")
    count, backup = decompose_plan(plan, out, Granularity(args.granularity))
    print(f"已分解 {count} 项任务，写入：{out}")
    if backup:
        print(f"原文件已备份为：{backup}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = out_dir / SAMPLE_PLAN
    plan.write_bytes(resources.files("addin.samples").joinpath(SAMPLE_PLAN).read_bytes())
    out = out_dir / "示例_任务分解表.xlsx"
    count, _ = decompose_plan(plan, out, Granularity.REQUIREMENT)
    print(f"示例上级要点：{plan.resolve()}")
    print(f"任务分解表（{count} 项任务）：{out.resolve()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``fenjie`` command."""
    parser = argparse.ArgumentParser(
        prog="fenjie", description="FenJie 任务分解助手：把上级工作要点分解为任务分解表。")
    parser.add_argument("--version", action="version", version=f"fenjie {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="命令")
    commands.required = True

    sub = commands.add_parser("decompose", help="把上级要点文件分解为任务分解表（.xlsx）",
                              description="读取上级要点（.docx/.pdf/.txt/.doc/.wps），生成任务分解表。")
    sub.add_argument("plan", help="上级要点文件")
    sub.add_argument("-o", "--output", help="输出的 .xlsx 文件（默认与要点同名同目录）")
    sub.add_argument("--granularity", choices=[g.value for g in Granularity],
                     default=Granularity.REQUIREMENT.value,
                     help="分解粒度：requirement 按具体要求拆分（默认），item 每个编号条目一行")
    sub.set_defaults(handler=_cmd_decompose)

    sub = commands.add_parser("demo", help="用内置示例要点演示完整流程，并打印输出文件位置",
                              description="用内置的示例上级要点生成任务分解表。")
    sub.add_argument("-o", "--output-dir", default=DEMO_DIR, help=f"输出目录（默认 {DEMO_DIR}）")
    sub.set_defaults(handler=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except FenJieError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
