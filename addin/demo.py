"""``fenjie demo``: the whole cycle on the bundled sample plan, every step's file kept.

decompose → validate → render → ledger → split → example returns → merge →
summary → mail preview (.eml drafts). The example returns are filled the way a
unit fills its form (progress, status, date in the four open columns), so the
summary has something to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from importlib import resources
from pathlib import Path

from openpyxl import load_workbook

from .findings import Severity
from .mail.compose import MailSettings
from .mail.send import plan_form_mails, send_all
from .mail.transports import EmlTransport
from .markup import mark_workbook
from .pipeline import DraftOptions, draft_from_plan
from .progress.ledger import create_ledger
from .progress.merge import merge_returns
from .progress.split import SHEET_FORM, split_ledger
from .progress.summary import write_summary
from .render import context_for_rows, render_workbook, save_rendered
from .table import read_task_table
from .units.directory import UnitDirectory, sample_directory
from .validate import ValidationOptions, summary_line, validate_table
from .workbook import build_draft_workbook, save_workbook

SAMPLE_PLAN = "sample_plan_putuo_2024.txt"
SAMPLE_UNITS = "普陀区"
ROUND = "2024年第3季度"
AS_OF = date(2024, 9, 30)
EXAMPLE_STATUSES = ("已完成", "推进中", "推进中", "未启动")


def _example_returns(forms: list[Path], folder: Path, count: int = 3) -> list[Path]:
    """Fill the first ``count`` units' forms as a unit would; the others have not answered yet."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in forms[:count]:
        workbook = load_workbook(path)
        sheet = workbook[SHEET_FORM]
        headers = {str(c.value): c.column_letter for c in sheet[3] if c.value}
        for k, row in enumerate(range(4, sheet.max_row + 1)):
            if not sheet[f"{headers['任务ID']}{row}"].value:
                continue
            status = EXAMPLE_STATUSES[k % len(EXAMPLE_STATUSES)]
            sheet[f"{headers['进展情况']}{row}"] = f"已按计划推进（示例第{k + 1}项）。" if status != "未启动" else None
            sheet[f"{headers['完成状态']}{row}"] = status
            if status == "已完成":
                sheet[f"{headers['完成日期']}{row}"] = date(2024, 9, 1 + k % 20)
        workbook.save(folder / path.name)
        written.append(folder / path.name)
    return written


def _demo_directory() -> UnitDirectory:
    """The sample directory with example addresses and contacts (the real one has none)."""
    sample = sample_directory(SAMPLE_UNITS)
    units = [replace(u, email=u.email or f"unit{i:02d}@example.gov.cn", contact=u.contact or "")
             for i, u in enumerate(sample.units, start=1)]
    return UnitDirectory(units, sample.source)


def run_demo(out_dir: str | Path, report: Callable[[str, Path], None]) -> None:
    """Run every step into ``out_dir``; ``report(label, path)`` is told of each file written.

    Raises:
        FenJieError: any step failed (the message says which file).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plan = out / SAMPLE_PLAN
    plan.write_bytes(resources.files("addin.samples").joinpath(SAMPLE_PLAN).read_bytes())
    report("示例上级要点", plan)
    directory = _demo_directory()
    draft = draft_from_plan(plan, DraftOptions(directory=directory))
    working = out / "1_任务分解（工作底稿）.xlsx"
    save_workbook(build_draft_workbook(draft.outline, draft.rows, draft.findings, directory), working)
    report(f"1 分解：工作底稿（{len(draft.rows)} 项任务）", working)
    table = read_task_table(working)
    findings = validate_table(table, ValidationOptions(directory=directory))
    marked = mark_workbook(working, table.sheet, findings).written
    errors = sum(f.severity is Severity.ERROR for f in findings)
    report(f"2 校验：{summary_line(findings)}" + ("（请先改正错误）" if errors else ""), marked)
    official = out / "3_任务分解表（正式版式）.xlsx"
    context = context_for_rows(read_task_table(working).rows, table.title)
    save_rendered(render_workbook("任务分解表", context, font_fallback=True), official)
    report("3 正式版式任务分解表", official)
    ledger_path = out / "4_工作台账.xlsx"
    ledger, _ = create_ledger(working, ledger_path)
    report(f"4 工作台账（{len(ledger.tasks)} 项任务）", ledger_path)
    forms = split_ledger(ledger_path, out / "5_下发反馈表", ROUND, directory)
    report(f"5 下发：{len(forms)} 个单位的反馈表", out / "5_下发反馈表")
    returns = _example_returns([f.path for f in forms], out / "6_回收反馈表")
    report(f"6 示例回收：{len(returns)} 个单位已填报", out / "6_回收反馈表")
    merged = merge_returns(ledger_path, out / "6_回收反馈表")
    report(f"7 合并：{sum(1 for n in merged.merged.values() if n)} 个单位有更新", ledger_path)
    summary = out / "8_进度汇总.xlsx"
    write_summary(ledger_path, summary, AS_OF)
    report(f"8 进度汇总（截至 {AS_OF.year}年{AS_OF.month}月{AS_OF.day}日）", summary)
    settings = MailSettings("gongkai@example.gov.cn", "区政务公开办", feedback_deadline="2024-10-10")
    outgoing = plan_form_mails(ledger_path, out / "5_下发反馈表", directory, settings)
    mails = out / "9_待发邮件"
    send_all(ledger_path, outgoing, EmlTransport(mails), settings)
    ready = sum(1 for o in outgoing if o.ready)
    report(f"9 邮件预览：{ready} 封 .eml 草稿（{len(outgoing) - ready} 封缺邮箱等信息）", mails)
