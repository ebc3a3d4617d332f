"""进度汇总: what a leader reads at a glance.

Sheets: 总体情况 (counts, completion rate, as-of date, status pie), 分单位 (as lead
and as responsible, with rank and a bar chart), 分板块 (per 一、 section), 逾期预警
(red: overdue and not done; yellow: due within N days; green otherwise — shown by
conditional formatting), 未反馈单位, 明细. Charts are native Excel charts.

Judging a task on the as-of date: done when its status says so; continuous tasks
(全年, 实时, 长期) are 持续推进 until the year ends; recurring ones are judged by their
current milestone (the next one due); a fixed one past its date and not done is 逾期;
not started with its date within N days is 滞后.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

from ..deadlines import DeadlineKind
from ..layout import row_height
from ..safe_io import write_atomically
from .ledger import load_ledger
from .model import Ledger, LedgerTask

RED, YELLOW, GREEN = "红", "黄", "绿"
LIGHT_FILLS = {RED: "FF9999", YELLOW: "FFE699", GREEN: "A9D08E"}
STATE_ORDER = ("已完成", "推进中", "未启动", "持续推进", "逾期")
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass(frozen=True)
class Judgement:
    """A task's state on the as-of date."""

    state: str  # 已完成 / 推进中 / 未启动 / 持续推进 / 逾期
    light: str  # 红 / 黄 / 绿
    due: date | None
    lagging: bool = False  # 滞后: not started and due soon


def current_due(task: LedgerTask, as_of: date) -> date | None:
    """The milestone a task is judged by: the next one due, else the last one."""
    if not task.due:
        return None
    upcoming = [d for d in task.due if d >= as_of]
    return upcoming[0] if upcoming else task.due[-1]


def judge(status: str, task: LedgerTask, as_of: date, warn_days: int, year: int) -> Judgement:
    """The state and traffic light of ``task`` with reported ``status`` on ``as_of``."""
    due = current_due(task, as_of)
    if status == "已完成":
        return Judgement("已完成", GREEN, due)
    if task.kind == DeadlineKind.CONTINUOUS.value and as_of <= date(year, 12, 31):
        return Judgement("持续推进", GREEN, due)
    if due and due < as_of:
        return Judgement("逾期", RED, due)
    soon = due is not None and (due - as_of).days <= warn_days
    lagging = soon and status != "推进中"
    return Judgement(status if status in ("推进中", "未启动") else "未启动", YELLOW if soon else GREEN, due, lagging)


@dataclass
class UnitFigures:
    unit: str
    as_lead: int = 0
    as_responsible: int = 0
    done: int = 0
    ongoing: int = 0
    not_started: int = 0
    overdue: int = 0
    continuous: int = 0

    @property
    def total(self) -> int:
        return self.as_lead + self.as_responsible

    @property
    def rate(self) -> float:
        return self.done / self.total if self.total else 0.0


def _duties(ledger: Ledger) -> list[tuple[str, LedgerTask, str]]:
    """(unit, task, role) for every unit's part in a task: as sent when split, else as named."""
    if ledger.issued:
        by_id = ledger.by_id()
        return [(unit, by_id[i], by_id[i].role_of(unit)) for unit, ids in ledger.issued.items() for i in ids
                if i in by_id]
    return [(unit, task, task.role_of(unit)) for task in ledger.tasks for unit in task.all_units()]


def unit_figures(ledger: Ledger, as_of: date, warn_days: int) -> list[UnitFigures]:
    """Per unit, over the tasks it leads or is responsible for, judged by its own report."""
    figures: dict[str, UnitFigures] = {}
    for unit, task, role in _duties(ledger):
        if role not in ("牵头", "责任"):
            continue
        entry = figures.setdefault(unit, UnitFigures(unit))
        entry.as_lead += role == "牵头"
        entry.as_responsible += role == "责任"
        report = task.reports.get(unit)
        state = judge(report.status if report else "", task, as_of, warn_days, ledger.year).state
        attribute = {"已完成": "done", "推进中": "ongoing", "未启动": "not_started", "逾期": "overdue",
                     "持续推进": "continuous"}[state]
        setattr(entry, attribute, getattr(entry, attribute) + 1)
    return sorted(figures.values(), key=lambda f: (-f.rate, f.overdue, f.unit))


def _title(sheet, text: str, width: int) -> None:
    sheet.append([text])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(name="方正小标宋简体", size=18)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 36


_STYLES = {
    "汇总表头": (Font(name="黑体", size=11), Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "汇总居中": (Font(name="仿宋_GB2312", size=11), Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "汇总左对齐": (Font(name="仿宋_GB2312", size=11), Alignment(horizontal="left", vertical="center", wrap_text=True)),
}


def _register_styles(workbook: Workbook) -> None:
    # Named styles are registered once; assigning a new Font/Alignment per cell is what
    # makes a 5,000-row sheet slow in openpyxl.
    for name, (font, alignment) in _STYLES.items():
        if name not in workbook.named_styles:
            workbook.add_named_style(NamedStyle(name=name, font=font, alignment=alignment, border=BOX))


def _table(sheet, headers: list[str], rows: list[list[object]], widths: list[float]) -> tuple[int, int]:
    """Write a boxed table; returns its first and last row."""
    _register_styles(sheet.parent)
    start = sheet.max_row + 1
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(start, column).column_letter].width = width
    column_styles = ["汇总居中" if width < 20 else "汇总左对齐" for width in widths]
    for cell in sheet[start][: len(headers)]:
        cell.style = "汇总表头"
    for r, values in enumerate(rows, start=start + 1):
        for c, style in enumerate(column_styles, start=1):
            sheet.cell(r, c).style = style
        sheet.row_dimensions[r].height = row_height(values, widths, 11)
    return start, sheet.max_row


def _print(sheet, title_rows: str, landscape: bool = True) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    sheet.print_options.horizontalCentered = True


def build_summary(ledger: Ledger, as_of: date, warn_days: int = 15) -> Workbook:
    """The 进度汇总 workbook for ``ledger`` on ``as_of``."""
    judgements = {t.id: judge(t.status if t.reports else "", t, as_of, warn_days, ledger.year) for t in ledger.tasks}
    workbook = Workbook()
    _overview(workbook.active, ledger, judgements, as_of, warn_days)
    _by_unit(workbook.create_sheet("分单位"), ledger, as_of, warn_days)
    _by_section(workbook.create_sheet("分板块"), ledger, judgements)
    _warnings(workbook.create_sheet("逾期预警"), ledger, judgements, warn_days)
    _silent(workbook.create_sheet("未反馈单位"), ledger)
    _details(workbook.create_sheet("明细"), ledger, judgements)
    return workbook


def state_counts(judgements: dict[str, Judgement]) -> dict[str, int]:
    counts = dict.fromkeys(STATE_ORDER, 0)
    for judgement in judgements.values():
        counts[judgement.state] += 1
    return counts


def _overview(sheet, ledger: Ledger, judgements, as_of: date, warn_days: int) -> None:
    sheet.title = "总体情况"
    _title(sheet, f"{ledger.title.removesuffix('工作台账')}进度汇总", 4)
    counts = state_counts(judgements)
    total = len(ledger.tasks)
    sheet.append([f"统计截至：{as_of.isoformat()}    轮次：{ledger.round or '—'}"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=4)
    notes = {"已完成": "各责任单位报告已完成", "推进中": "已启动、尚未完成", "未启动": "尚未启动或未反馈",
             "持续推进": "全年、实时等持续性任务，年底前不计逾期", "逾期": "已过完成时限仍未完成"}
    rows = [["任务总数", total, "", f"截至 {as_of.isoformat()}"]]
    rows += [[state, n, f"{n / total:.1%}" if total else "—", notes[state]] for state, n in counts.items()]
    rows.append(["完成率", f"{counts['已完成'] / total:.1%}" if total else "—", "", "已完成 ÷ 任务总数"])
    lights = [j.light for j in judgements.values()]
    light_notes = {RED: "逾期未完成", YELLOW: f"{warn_days}天内到期且未完成", GREEN: "其他"}
    rows += [[f"{light}灯", lights.count(light), "", light_notes[light]] for light in (RED, YELLOW, GREEN)]
    start, _ = _table(sheet, ["项目", "数量", "占比", "说明"], rows, [16, 12, 12, 30])
    pie = PieChart()
    pie.title = "任务状态分布"
    pie.add_data(Reference(sheet, min_col=2, min_row=start + 2, max_row=start + 1 + len(STATE_ORDER)))
    pie.set_categories(Reference(sheet, min_col=1, min_row=start + 2, max_row=start + 1 + len(STATE_ORDER)))
    pie.dataLabels = DataLabelList()
    pie.dataLabels.showPercent, pie.dataLabels.showCatName = True, True
    pie.dataLabels.showVal = pie.dataLabels.showSerName = pie.dataLabels.showLegendKey = False
    pie.height, pie.width = 8, 14
    sheet.add_chart(pie, "F3")
    _print(sheet, "")


def _by_unit(sheet, ledger: Ledger, as_of: date, warn_days: int) -> None:
    _title(sheet, "分单位完成情况", 10)
    figures = unit_figures(ledger, as_of, warn_days)
    rows = [[f.unit, f.as_lead, f.as_responsible, f.done, f.ongoing, f.not_started, f.continuous, f.overdue,
             f"{f.rate:.1%}", rank] for rank, f in enumerate(figures, start=1)]
    start, end = _table(sheet, ["单位", "牵头任务", "责任任务", "已完成", "推进中", "未启动", "持续推进", "逾期",
                                "完成率", "排名"], rows, [22, 9, 9, 8, 8, 8, 9, 8, 9, 7])
    if end > start:
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
        chart.title = "各单位任务状态"
        data = Reference(sheet, min_col=4, max_col=8, min_row=start, max_row=end)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=start + 1, max_row=end))
        chart.height, chart.width = max(8, 0.5 * (end - start)), 16
        sheet.add_chart(chart, "L2")
    sheet.freeze_panes = f"A{start + 1}"
    _print(sheet, f"{start}:{start}")


def _by_section(sheet, ledger: Ledger, judgements) -> None:
    _title(sheet, "分板块完成情况", 7)
    sections: dict[str, list[Judgement]] = {}
    for task in ledger.tasks:
        sections.setdefault(task.chapter or "（未分板块）", []).append(judgements[task.id])
    rows = []
    for name, items in sections.items():
        counts = {s: sum(1 for j in items if j.state == s) for s in STATE_ORDER}
        rows.append([name, len(items), *counts.values(), f"{counts['已完成'] / len(items):.1%}"])
    _table(sheet, ["板块", "任务数", *STATE_ORDER, "完成率"], rows, [36, 8, 8, 8, 8, 9, 8, 9])
    _print(sheet, "2:2")


def _warnings(sheet, ledger: Ledger, judgements, warn_days: int) -> None:
    _title(sheet, f"逾期预警（红：逾期未完成；黄：{warn_days}天内到期；绿：其他）", 9)
    order = {RED: 0, YELLOW: 1, GREEN: 2}
    tasks = sorted(ledger.tasks, key=lambda t: (order[judgements[t.id].light], t.seq))
    rows = [[judgements[t.id].light, t.seq, t.name, t.content, "、".join(t.lead), "、".join(t.units), t.deadline,
             judgements[t.id].due.isoformat() if judgements[t.id].due else "",
             judgements[t.id].state + ("（滞后）" if judgements[t.id].lagging else "")] for t in tasks]
    start, end = _table(sheet, ["预警", "序号", "任务名称", "任务内容", "牵头单位", "责任单位", "完成时限", "到期日期",
                                "状态"], rows, [6, 6, 16, 50, 14, 16, 10, 11, 10])
    for light, color in LIGHT_FILLS.items():
        sheet.conditional_formatting.add(
            f"A{start + 1}:A{max(end, start + 1)}",
            FormulaRule(formula=[f'$A{start + 1}="{light}"'], fill=PatternFill("solid", bgColor=color)))
    sheet.freeze_panes = f"A{start + 1}"
    sheet.auto_filter.ref = f"A{start}:I{end}"
    _print(sheet, f"{start}:{start}")


def _silent(sheet, ledger: Ledger) -> None:
    _title(sheet, "未反馈单位", 3)
    reporting = {u for t in ledger.tasks for u in t.reports}  # once, not a scan of every task per unit
    silent = [u for u in ledger.expected_units if u not in reporting]
    rows = [[i, unit, len(ledger.issued.get(unit, []))] for i, unit in enumerate(silent, start=1)]
    _table(sheet, ["序号", "单位", "下发任务数"], rows, [6, 28, 12])
    _print(sheet, "2:2", landscape=False)


def _details(sheet, ledger: Ledger, judgements) -> None:
    _title(sheet, "任务明细", 9)
    rows = []
    for task in ledger.tasks:
        progress = "\n".join(f"【{u}】{r.status} {r.progress}".strip() for u, r in task.reports.items())
        rows.append([task.seq, task.name, task.content, "、".join(task.lead + task.units), task.deadline,
                     judgements[task.id].state, judgements[task.id].light, progress,
                     task.done_date.isoformat() if task.done_date else ""])
    start, _ = _table(sheet, ["序号", "任务名称", "任务内容", "牵头/责任单位", "完成时限", "状态", "预警", "各单位进展",
                              "完成日期"], rows, [6, 16, 44, 18, 10, 9, 6, 40, 11])
    sheet.freeze_panes = f"A{start + 1}"
    _print(sheet, f"{start}:{start}")


def write_summary(ledger_path: str | Path, out: str | Path, as_of: date, warn_days: int = 15) -> Path | None:
    """Read the ledger and write its 进度汇总; returns the backup of an overwritten file."""
    workbook = build_summary(load_ledger(ledger_path), as_of, warn_days)
    return write_atomically(out, lambda temp: workbook.save(temp))
