"""进度汇总: what a 督办 clerk hands upward.

Sheets: 总体情况 (counts by state and light, 完成率, 序时达标率, 反馈率, against the
previous round, two charts coloured by meaning), 分单位 (each unit's 反馈率, states
and lights on its own reports, ranked, silent units last, a bar chart with every
unit labelled), 分板块 (per 一、 section), 逾期预警 (red and yellow tasks only),
未反馈单位, 明细 (every task with each unit's status on its row). Charts are native
Excel charts with explicit colours. Every figure comes from :mod:`.status`, the
same computation `mail remind` and the ribbon's 催办 use.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import DataPoint
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

from ..cells import append_text
from ..layout import row_height
from ..print_layout import page_numbers
from ..safe_io import write_atomically
from .dates import CHINESE_DATE_FORMAT, chinese_date
from .ledger import load_ledger
from .ledger import print_setup as _ledger_print_setup
from .model import Ledger, LedgerTask
from .status import (
    DONE,
    DONE_AFTER_REPORT,
    GREEN,
    LATE_DONE,
    LIGHTS,
    NOT_STARTED,
    ONGOING,
    OVERDUE,
    PARTLY,
    RED,
    SILENT,
    TASK_STATES,
    YELLOW,
    Rules,
    TaskView,
    elapsed_share,
    recipients,
    settled,
    view_task,
    view_unit_part,
)

# Cell fills (soft, printable) and chart colours (strong) by meaning.
LIGHT_FILLS = {RED: "FF8B8B", YELLOW: "FFE07A", GREEN: "A9D08E"}
LIGHT_COLOURS = {RED: "E03C31", YELLOW: "F5B800", GREEN: "3A9A48"}
STATE_COLOURS = {DONE: "3A9A48", PARTLY: "9BCB6B", ONGOING: "4F81BD", NOT_STARTED: "E03C31", SILENT: "A6A6A6"}
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
PERCENT = "0.0%"
DONE_BY_TEXT = {"牵头": "牵头单位报已完成且无责任单位报未完成", "全部": "全部牵头和责任单位报已完成"}
LIGHT_MEANINGS = ((RED, "落后序时超过红灯阈值、逾期或应启动未启动"), (YELLOW, "落后序时、临期或未反馈"),
                  (GREEN, "按序时推进或已完成"))


def round_end(label: str, fallback: date) -> date:
    """The as-of date a round label stands for: 2024年第2季度 → 2024-06-30; else ``fallback``."""
    found = re.search(r"((?:19|20)\d{2})年?第?([一二三四1-4])季度", label)
    if found:
        quarter = "一二三四".find(found.group(2)) + 1 or int(found.group(2))
        return date(int(found.group(1)), 3 * quarter, calendar.monthrange(int(found.group(1)), 3 * quarter)[1])
    found = re.search(r"((?:19|20)\d{2})年?(上半年|下半年|全年|年度)", label)
    if found:
        return date(int(found.group(1)), 6, 30) if found.group(2) == "上半年" else date(int(found.group(1)), 12, 31)
    found = re.search(r"((?:19|20)\d{2})年(\d{1,2})月", label)
    if found:
        year, month = int(found.group(1)), int(found.group(2))
        return date(year, month, calendar.monthrange(year, month)[1])
    return fallback



def print_setup(sheet, title_rows: str = "", landscape: bool = True) -> None:
    """The ledger's page set-up with the GB/T 9704 page numbers of FenJie's other printed outputs."""
    _ledger_print_setup(sheet, title_rows, landscape)
    page_numbers(sheet)


def _shown(value: object) -> object:
    """A cell value as printed: 4.6% not 0.046153846…, 2024年9月30日 not 2024-09-30."""
    if isinstance(value, float):
        return f"{value:.1%}"
    return chinese_date(value) if isinstance(value, date) else value


def _share(part: int, whole: int) -> float:
    """``part`` ÷ ``whole``, 0 for an empty whole (a round with no tasks or no forms)."""
    return part / whole if whole else 0.0

@dataclass
class RoundFigures:
    """The task-level figures of one round."""

    views: dict[str, TaskView]
    states: dict[str, int] = field(default_factory=dict)
    lights: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    late_done: int = 0
    to_check: int = 0
    units_expected: int = 0
    units_replied: int = 0

    @property
    def total(self) -> int:
        return len(self.views)

    @property
    def done_rate(self) -> float:
        return _share(self.states.get(DONE, 0), self.total)

    @property
    def pace_rate(self) -> float:
        """序时达标率: tasks green on the report date ÷ all tasks."""
        return _share(self.lights.get(GREEN, 0), self.total)

    @property
    def reply_rate(self) -> float:
        return _share(self.units_replied, self.units_expected)


def replied_units(ledger: Ledger, round_label: str) -> set[str]:
    """Units with at least one report in ``round_label``."""
    return {r.unit for t in ledger.tasks for r in [*t.history, *t.reports.values()]
            if r.round == round_label or (not round_label and not r.round)}


def round_figures(ledger: Ledger, as_of: date, rules: Rules, round_label: str | None = None) -> RoundFigures:
    """Figures of the current round (``round_label`` None) or of an earlier one."""
    if round_label is None:
        views = {t.id: view_task(t, as_of, ledger.year, rules) for t in ledger.tasks}
        label = ledger.round
    else:
        views = {t.id: view_task(t, as_of, ledger.year, rules, ledger.reports_as_of(t, round_label))
                 for t in ledger.tasks}
        label = round_label
    figures = RoundFigures(views)
    figures.states = {s: sum(v.rollup.state == s for v in views.values()) for s in TASK_STATES}
    figures.lights = {light: sum(v.light == light for v in views.values()) for light in LIGHTS}
    figures.overdue = sum(OVERDUE in v.assessment.flags for v in views.values())
    figures.late_done = sum(LATE_DONE in v.assessment.flags for v in views.values())
    figures.to_check = sum(v.needs_check for v in views.values())
    expected = set(ledger.expected_units) or {u for t in ledger.tasks for u in recipients(t)}
    figures.units_expected = len(expected)
    figures.units_replied = len(expected & replied_units(ledger, label))
    return figures


@dataclass
class UnitFigures:
    """One unit's part, judged by its own reports."""

    unit: str
    issued: int = 0
    as_lead: int = 0
    as_responsible: int = 0
    replied: int = 0
    states: dict[str, int] = field(default_factory=dict)
    lights: dict[str, int] = field(default_factory=dict)

    @property
    def duties(self) -> int:
        return self.as_lead + self.as_responsible

    @property
    def reply_rate(self) -> float:
        return _share(self.replied, self.issued)

    @property
    def done_rate(self) -> float:
        return _share(self.states.get(DONE, 0), self.duties)

    @property
    def pace_rate(self) -> float:
        return _share(self.lights.get(GREEN, 0), self.duties)

    @property
    def silent(self) -> bool:
        return self.replied == 0


def _duties(ledger: Ledger) -> list[tuple[str, LedgerTask, str]]:
    """(unit, task, role) for every unit's part in a task: as sent when split, else as named."""
    if ledger.issued:
        by_id = ledger.by_id()
        return [(unit, by_id[i], by_id[i].role_of(unit)) for unit, ids in ledger.issued.items() for i in ids
                if i in by_id]
    return [(unit, task, role) for task in ledger.tasks for unit, role in recipients(task).items()]


def unit_figures(ledger: Ledger, as_of: date, rules: Rules) -> list[UnitFigures]:
    """Per unit, ranked: by 序时达标率, then 完成率, then fewest red; silent units last."""
    figures: dict[str, UnitFigures] = {}
    for unit, task, role in _duties(ledger):
        entry = figures.setdefault(unit, UnitFigures(unit, states=dict.fromkeys(TASK_STATES, 0),
                                                     lights=dict.fromkeys(LIGHTS, 0)))
        entry.issued += 1
        report = task.reports.get(unit)
        entry.replied += bool(report and (report.round == ledger.round or not ledger.round))
        if role not in ("牵头", "责任"):
            continue
        entry.as_lead += role == "牵头"
        entry.as_responsible += role == "责任"
        own = view_unit_part(task, unit, as_of, ledger.year, rules, report)
        entry.states[own.state if own.state in TASK_STATES else ONGOING] += 1
        entry.lights[own.light] += 1
    return sorted(figures.values(), key=lambda f: (f.silent, -f.pace_rate, -f.done_rate, f.lights[RED], f.unit))


# ---------------------------------------------------------------- sheet helpers


def _title(sheet, text: str, width: int) -> None:
    sheet.append([text])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(name="方正小标宋简体", size=18)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[1].height = 36


def _line(sheet, text: str, width: int) -> None:
    sheet.append([text])
    row = sheet.max_row
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    sheet.cell(row, 1).font = Font(name="仿宋_GB2312", size=11)
    sheet.cell(row, 1).alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    sheet.row_dimensions[row].height = 20


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


def _table(sheet, headers: list[str], rows: list[list[object]], widths: list[float],
           percent_columns: tuple[int, ...] = ()) -> tuple[int, int]:
    """Write a boxed table; returns its header row and last row."""
    _register_styles(sheet.parent)
    start = sheet.max_row + 1
    sheet.append(headers)
    for row in rows:
        append_text(sheet, row)  # task texts and unit names are text, never formulas
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(start, column).column_letter].width = width
    column_styles = ["汇总居中" if width < 20 else "汇总左对齐" for width in widths]
    for cell in sheet[start][: len(headers)]:
        cell.style = "汇总表头"
    sheet.row_dimensions[start].height = row_height(headers, widths, 11)
    for r, values in enumerate(rows, start=start + 1):
        for c, style in enumerate(column_styles, start=1):
            cell = sheet.cell(r, c)
            cell.style = style
            if c in percent_columns and isinstance(cell.value, float):
                cell.number_format = PERCENT
            elif isinstance(cell.value, date):
                cell.number_format = CHINESE_DATE_FORMAT
        sheet.row_dimensions[r].height = row_height([_shown(v) for v in values], widths, 11)
    return start, sheet.max_row


def _paint(sheet, column: int, first: int, last: int) -> None:
    """Fill each light cell (红/黄/绿) with its colour: printed pages show the light."""
    for row in range(first, last + 1):
        cell = sheet.cell(row, column)
        if cell.value in LIGHT_FILLS:
            cell.fill = PatternFill("solid", fgColor=LIGHT_FILLS[cell.value])


def _axis_text(size: int = 900) -> RichText:
    """Axis labels of a readable size (hundredths of a point)."""
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=CharacterProperties(sz=size)), endParaRPr=None)])


def _show_axes(chart) -> None:
    # openpyxl 3.1 writes <c:delete val="1"/> unless told otherwise: the axes (and
    # every unit's name on them) would not be drawn.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.txPr = _axis_text()
    chart.y_axis.txPr = _axis_text()


def _colour_series(chart, colours: list[str]) -> None:
    for series, colour in zip(chart.series, colours, strict=False):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour


def _colour_points(series, colours: list[str]) -> None:
    for index, colour in enumerate(colours):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = colour
        point.graphicalProperties.line.solidFill = "FFFFFF"
        series.dPt.append(point)


def _labels(percent: bool = False) -> DataLabelList:
    labels = DataLabelList()
    labels.showVal, labels.showPercent = not percent, percent
    labels.showCatName = labels.showSerName = labels.showLegendKey = False
    return labels


def _fraction(value: float | None) -> float | str:
    return round(value / 100, 4) if value is not None else ""


# ---------------------------------------------------------------- the workbook


def build_summary(ledger: Ledger, as_of: date, warn_days: int = 15, rules: Rules | None = None) -> Workbook:
    """The 进度汇总 workbook for ``ledger`` on ``as_of``."""
    rules = settled(rules or Rules(warn_days=warn_days), ledger)
    current = round_figures(ledger, as_of, rules)
    previous_label = ledger.previous_round
    previous = round_figures(ledger, round_end(previous_label, as_of), rules, previous_label) \
        if previous_label and previous_label != ledger.round else None
    units = unit_figures(ledger, as_of, rules)  # judged once for 分单位 and 未反馈单位
    workbook = Workbook()
    _overview(workbook.active, ledger, current, previous, previous_label, as_of, rules)
    _by_unit(workbook.create_sheet("分单位"), units)
    _by_section(workbook.create_sheet("分板块"), ledger, current, previous)
    _warnings(workbook.create_sheet("逾期预警"), ledger, current, rules)
    _silent(workbook.create_sheet("未反馈单位"), ledger, units)
    _details(workbook.create_sheet("明细"), ledger, current)
    return workbook


def _overview(sheet, ledger: Ledger, now: RoundFigures, before: RoundFigures | None, before_label: str,
              as_of: date, rules: Rules) -> None:
    sheet.title = "总体情况"
    _title(sheet, f"{ledger.title.removesuffix('工作台账')}进度汇总", 6)
    year_share = elapsed_share(LedgerTask("", 0, "", "", "", [], [], [], "", [date(ledger.year or as_of.year, 12, 31)]),
                               as_of, ledger.year)[1]
    _line(sheet, f"统计截至：{chinese_date(as_of)}    轮次：{ledger.round or '—'}    "
                 f"全年序时进度：{year_share:.1f}%    上轮：{before_label if before else '—'}", 6)
    done_by_text = DONE_BY_TEXT[rules.done_by or "牵头"]
    _line(sheet, f"亮灯规则：按序时进度，落后不足 {rules.yellow_gap:g} 个百分点为绿灯，落后 {rules.yellow_gap:g}–"
                 f"{rules.red_gap:g} 个百分点为黄灯，落后超过 {rules.red_gap:g} 个百分点、逾期未完成或应启动未启动为"
                 f"红灯；{rules.warn_days} 天内到期未完成至少黄灯。办结认定：{done_by_text}。", 6)
    sheet.row_dimensions[3].height = 34
    notes = {DONE: "按办结认定规则已完成", PARTLY: "部分单位已完成，其他单位未完成", ONGOING: "已启动、尚未完成",
             NOT_STARTED: "反馈的单位均报未启动", SILENT: "牵头、责任单位均未反馈（不计为未启动）"}

    def row(name: str, key, note: str, share: bool = True) -> list[object]:
        value = key(now)
        old = key(before) if before else ""
        ratio = value / now.total if share and now.total and isinstance(value, int) else ""
        change = (value - old) if before else ""
        return [name, value, ratio, old, change, note]

    rows = [row("任务总数", lambda f: f.total, f"截至{chinese_date(as_of)}", share=False)]
    rows += [row(state, lambda f, s=state: f.states[s], notes[state]) for state in TASK_STATES]
    rows += [row(f"{light}灯", lambda f, x=light: f.lights[x], meaning) for light, meaning in LIGHT_MEANINGS]
    rows += [row("逾期未完成", lambda f: f.overdue, "已过完成时限仍未完成"),
             row("逾期完成", lambda f: f.late_done, "完成日期晚于完成时限"),
             row("需核实", lambda f: f.to_check, "状态不在下拉选项中、疑似笔误或完成日期晚于统计日期"),
             row("完成率", lambda f: f.done_rate, "已完成 ÷ 任务总数", share=False),
             row("序时达标率", lambda f: f.pace_rate, "绿灯任务 ÷ 任务总数", share=False),
             row("单位反馈率", lambda f: f.reply_rate, f"本轮已反馈单位 ÷ 下发单位（{now.units_replied}/"
                 f"{now.units_expected}）", share=False)]
    start, end = _table(sheet, ["指标", "本轮", "占比", "上轮", "变化", "说明"], rows, [14, 10, 9, 10, 9, 40],
                        percent_columns=(2, 3, 4, 5))
    for r in range(end - 2, end + 1):
        for c in (2, 4, 5):
            sheet.cell(r, c).number_format = PERCENT
    light_rows = {sheet.cell(r, 1).value[:1]: r for r in range(start + 1, end + 1)
                  if str(sheet.cell(r, 1).value).endswith("灯")}
    for light, r in light_rows.items():
        sheet.cell(r, 1).fill = PatternFill("solid", fgColor=LIGHT_FILLS[light])
    first_state = start + 2
    bar = BarChart()
    bar.type, bar.title, bar.legend = "col", "任务状态", None
    bar.add_data(Reference(sheet, min_col=2, min_row=first_state, max_row=first_state + len(TASK_STATES) - 1))
    bar.set_categories(Reference(sheet, min_col=1, min_row=first_state, max_row=first_state + len(TASK_STATES) - 1))
    _colour_points(bar.series[0], [STATE_COLOURS[s] for s in TASK_STATES])
    bar.dataLabels = _labels()
    _show_axes(bar)
    bar.height, bar.width = 7.5, 13
    sheet.add_chart(bar, "H2")
    pie = PieChart()
    pie.title = "序时进度亮灯"
    first_light = light_rows[RED]
    pie.add_data(Reference(sheet, min_col=2, min_row=first_light, max_row=first_light + 2))
    pie.set_categories(Reference(sheet, min_col=1, min_row=first_light, max_row=first_light + 2))
    _colour_points(pie.series[0], [LIGHT_COLOURS[light] for light in LIGHTS])
    pie.dataLabels = _labels()
    pie.dataLabels.showCatName = True
    pie.height, pie.width = 7.5, 13
    sheet.add_chart(pie, "H17")
    print_setup(sheet)


def _by_unit(sheet, figures: list[UnitFigures]) -> None:
    headers = ["排名", "单位", "下发任务", "牵头", "责任", "已反馈", "反馈率", *TASK_STATES, "红灯", "黄灯", "绿灯",
               "完成率", "序时达标率"]
    _title(sheet, "分单位完成情况（按各单位本单位反馈评价；牵头、责任任务计入，配合任务只计反馈）", len(headers))
    rank, rows = 0, []
    for f in figures:
        rank += not f.silent
        rows.append([SILENT if f.silent else rank, f.unit, f.issued, f.as_lead, f.as_responsible, f.replied,
                     f.reply_rate, *(f.states[s] for s in TASK_STATES), *(f.lights[x] for x in LIGHTS),
                     f.done_rate if f.duties else "", f.pace_rate if f.duties else ""])
    widths = [6, 22, 7, 6, 6, 7, 8, 7, 8, 7, 7, 7, 6, 6, 6, 8, 9]
    start, end = _table(sheet, headers, rows, widths, percent_columns=(7, 16, 17))
    for column, light in zip(range(13, 16), LIGHTS, strict=True):
        sheet.cell(start, column).fill = PatternFill("solid", fgColor=LIGHT_FILLS[light])
    if end > start:
        _unit_chart(sheet.parent.create_sheet("分单位图"), sheet, start, end)
    sheet.freeze_panes = f"C{start + 1}"
    print_setup(sheet, f"{start}:{start}")


def _unit_chart(sheet, data, start: int, end: int) -> None:
    """The units' lights on a portrait page of their own: tall enough for every unit's name."""
    _title(sheet, "各单位牵头、责任任务亮灯情况", 8)
    for column in "ABCDEFGH":
        sheet.column_dimensions[column].width = 11
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
    chart.add_data(Reference(data, min_col=13, max_col=15, min_row=start, max_row=end), titles_from_data=True)
    chart.set_categories(Reference(data, min_col=2, min_row=start + 1, max_row=end))
    _colour_series(chart, [LIGHT_COLOURS[light] for light in LIGHTS])
    _show_axes(chart)
    chart.x_axis.txPr = _axis_text(800)
    chart.x_axis.tickLblSkip, chart.x_axis.scaling.orientation = 1, "maxMin"  # ranked order, top down
    chart.legend.position = "t"
    chart.height, chart.width = min(24.0, max(9.0, 0.55 * (end - start) + 3)), 17
    sheet.add_chart(chart, "A2")
    last = 2 + int(chart.height / 0.53) + 1  # rows of 15 pt under the chart, so the print area holds it
    sheet.cell(last, 8).value = " "
    print_setup(sheet, landscape=False)


def _by_section(sheet, ledger: Ledger, now: RoundFigures, before: RoundFigures | None) -> None:
    headers = ["板块", "任务数", *TASK_STATES, "红灯", "黄灯", "绿灯", "完成率", "序时达标率", "上轮序时达标率"]
    _title(sheet, "分板块完成情况", len(headers))
    sections: dict[str, list[TaskView]] = {}
    for task in ledger.tasks:
        sections.setdefault(task.chapter or "（未分板块）", []).append(now.views[task.id])
    rows = []
    for name, views in sections.items():
        states = [sum(v.rollup.state == s for v in views) for s in TASK_STATES]
        lights = [sum(v.light == x for v in views) for x in LIGHTS]
        earlier = sum(before.views[v.task.id].light == GREEN for v in views) / len(views) if before else "—"
        rows.append([name, len(views), *states, *lights, states[0] / len(views), lights[2] / len(views), earlier])
    start, end = _table(sheet, headers, rows, [40, 7, 7, 8, 7, 7, 7, 6, 6, 6, 8, 9, 9], percent_columns=(11, 12, 13))
    for column, light in zip(range(8, 11), LIGHTS, strict=True):
        sheet.cell(start, column).fill = PatternFill("solid", fgColor=LIGHT_FILLS[light])
    if end > start:
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
        chart.title = "各板块任务亮灯情况"
        chart.add_data(Reference(sheet, min_col=8, max_col=10, min_row=start, max_row=end), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=start + 1, max_row=end))
        _colour_series(chart, [LIGHT_COLOURS[light] for light in LIGHTS])
        _show_axes(chart)
        chart.x_axis.tickLblSkip, chart.x_axis.scaling.orientation = 1, "maxMin"
        chart.legend.position = "b"
        chart.height, chart.width = min(8.0, max(6.0, 0.9 * (end - start) + 3)), 20  # fits under the table
        sheet.add_chart(chart, f"A{end + 3}")
    print_setup(sheet, f"{start}:{start}")


def _task_row(view: TaskView, full: bool = True) -> list[object]:
    task, assessment = view.task, view.assessment
    return [view.light, task.seq, task.name, task.content, "、".join(task.lead), "、".join(task.units), task.deadline,
            assessment.due or "", view.rollup.state,
            _fraction(view.rollup.percent), _fraction(assessment.elapsed), assessment.pace,
            view.unit_statuses(full), view.remarks()]


TASK_HEADERS = ["预警", "序号", "任务名称", "任务内容", "牵头单位", "责任单位", "完成时限", "到期日期", "状态",
                "完成进度", "序时进度", "序时", "各单位状态", "提示"]
DATE_WIDTH = 15  # "2024年12月31日" on one line at 11 pt
TASK_WIDTHS = [6, 6, 14, 36, 12, 14, 9, DATE_WIDTH, 9, 8, 8, 8, 40, 22]


def _warnings(sheet, ledger: Ledger, now: RoundFigures, rules: Rules) -> None:
    title = f"逾期预警（红灯 {now.lights[RED]} 项、黄灯 {now.lights[YELLOW]} 项；绿灯任务不列）"
    _title(sheet, title, len(TASK_HEADERS))
    order = {RED: 0, YELLOW: 1}
    views = sorted((v for v in now.views.values() if v.light in order),
                   key=lambda v: (order[v.light], v.assessment.due or date.max, v.task.seq))
    start, end = _table(sheet, TASK_HEADERS, [_task_row(v, full=False) for v in views], TASK_WIDTHS,
                        percent_columns=(10, 11))
    _paint(sheet, 1, start + 1, end)
    sheet.freeze_panes = f"A{start + 1}"
    if end > start:
        sheet.auto_filter.ref = f"A{start}:{sheet.cell(start, len(TASK_HEADERS)).column_letter}{end}"
    print_setup(sheet, f"{start}:{start}")


def _silent(sheet, ledger: Ledger, units: list[UnitFigures]) -> None:
    _title(sheet, f"未反馈单位（{ledger.round or '本轮'}）", 5)
    figures = {f.unit: f for f in units}
    previous = replied_units(ledger, ledger.previous_round) if ledger.previous_round != ledger.round else set()
    silent = [f for f in figures.values() if f.silent]
    rows = [[i, f.unit, f.issued, f.duties, "是" if f.unit in previous else ("否" if ledger.previous_round else "—")]
            for i, f in enumerate(silent, start=1)]
    _table(sheet, ["序号", "单位", "下发任务数", "其中牵头、责任", "上轮是否反馈"], rows, [6, 28, 11, 14, 13])
    print_setup(sheet, "2:2")


def _details(sheet, ledger: Ledger, now: RoundFigures) -> None:
    headers = [*TASK_HEADERS, "完成日期"]
    _title(sheet, "任务明细（各单位状态逐一列出）", len(headers))
    rows = []
    for task in ledger.tasks:
        view = now.views[task.id]
        dates = [r.done_date for r in task.reports.values() if r.done_date]
        rows.append([*_task_row(view), max(dates) if dates and view.rollup.state == DONE else ""])
    start, end = _table(sheet, headers, rows, [*TASK_WIDTHS, DATE_WIDTH], percent_columns=(10, 11))
    _paint(sheet, 1, start + 1, end)
    sheet.freeze_panes = f"C{start + 1}"
    sheet.auto_filter.ref = f"A{start}:{sheet.cell(start, len(headers)).column_letter}{end}"
    print_setup(sheet, f"{start}:{start}")


def write_summary(ledger_path: str | Path, out: str | Path, as_of: date, warn_days: int = 15,
                  rules: Rules | None = None) -> Path | None:
    """Read the ledger and write its 进度汇总; returns the backup of an overwritten file."""
    workbook = build_summary(load_ledger(ledger_path), as_of, warn_days, rules)
    return write_atomically(out, lambda temp: workbook.save(temp))


__all__ = ["DONE_AFTER_REPORT", "GREEN", "RED", "YELLOW", "build_summary", "round_figures", "unit_figures",
           "write_summary"]
