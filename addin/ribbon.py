"""The Excel front door: every ribbon button of the 任务分解 tab, through xlwings.

VBA passes the button's id to :func:`dispatch`; each action reads the sheets it
needs in one bulk read, calls the engine, writes whole ranges back, and answers
in a Chinese message box. A sheet is copied to a hidden ``_备份_`` sheet before
it is rewritten, since Excel empties its undo stack when a macro runs; 撤销上一步
copies it back. Any failure becomes a friendly message plus a log entry, never a
traceback dialog. Paths and options live on the 设置 sheet.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import errors
from .errors import FenJieError
from .lock import writer_lock
from .undo import BACKUP_PREFIX, SHEET_UNDO_INFO, begin_operation, end_operation  # light: openpyxl only for type hints

if TYPE_CHECKING:
    from .decompose import TaskRow
    from .units.directory import UnitDirectory

# Imports are local to the action that needs them: a click starts a Python (or reaches the
# resident UDF server) and pays only for what its own action uses; `import addin.ribbon`
# itself costs a few milliseconds (benchmarks/ribbon_speed.py keeps that measured).

SHEET_SETTINGS = "设置"


def settings_table() -> tuple[tuple[str, str, str], ...]:
    """Every option of the 设置 sheet: key, default value, explanation."""
    from .deadlines import DEFAULT_DEADLINE, DEFAULT_YEAR_END

    return (
        ("上级要点文件", "", "要分解的上级要点（.docx/.pdf/.txt）的完整路径"),
        ("标题", "", "各输出文件和邮件的标题（方案名称）；默认取“上级要点”工作表的“标题”行"),
        ("计划年度", "", "默认取文件标题中的年份"),
        ("默认完成时限", DEFAULT_DEADLINE, "原文未写时限时使用"),
        ("年内完成时限", DEFAULT_YEAR_END, "原文只写“年内/年底前”时使用（如按惯例提前，可填 11月底前）"),
        ("输出文件夹", "", "正式分解表、工作台账、反馈表、邮件等的存放位置；默认为本工作簿所在文件夹"),
        ("轮次", "", "如 2024年第3季度；默认为当前季度"),
        ("回收文件夹", "", "各单位交回的反馈表所在文件夹"),
        ("统计日期", "", "进度汇总和催办的截止日期；默认今天"),
        ("黄灯阈值", "10", "落后序时进度多少个百分点亮黄灯"),
        ("红灯阈值", "30", "落后序时进度超过多少个百分点亮红灯（逾期未完成、应启动未启动也亮红灯）"),
        ("办结认定", "牵头单位",
         "牵头单位（牵头报已完成且无责任单位报未完成）/ 全部责任单位（牵头、责任单位都报已完成）"),
        ("临期预警天数", "15", "距完成时限不足该天数且未完成的任务至少亮黄灯"),
        ("发送方式", "eml", "eml（生成邮件文件，用邮件客户端发送）/ smtp（直接发送）/ outlook（存为 Outlook 草稿）"),
        ("SMTP服务器", "", "发送方式为 smtp 时填写，如 smtp.example.gov.cn"),
        ("SMTP端口", "465", "默认 465"),
        ("SMTP加密", "ssl", "ssl / starttls / none"),
        ("SMTP用户名", "", "密码请用环境变量 FENJIE_SMTP_PASSWORD 或系统钥匙串保存，不要写在工作簿里"),
        ("允许明文密码", "否", "SMTP加密为 none 且需要登录时，填“是”才会以明文发送密码（仅限可信内网）"),
        ("发件人邮箱", "", "写入邮件的发件人"),
        ("发件单位", "", "写入邮件落款"),
        ("联系电话", "", "写入邮件正文"),
        ("反馈截止日期", "", "写入邮件正文"),
    )


# Names this module imported at its top before its imports became lazy: other front doors
# (the WPS add-in) may still reach them as ribbon.<name>; each loads on first use.
_LAZY_NAMES = {
    **dict.fromkeys(("SHEET_PLAN", "SHEET_TASKS", "SHEET_UNITS", "SHEET_FINDINGS", "SHEET_LEDGER", "TASK_HEADERS",
                     "PLAN_HEADERS", "FINDING_HEADERS", "UNIT_SEPARATOR", "task_values", "plan_values",
                     "finding_values"), ".workbook"),
    **dict.fromkeys(("DEFAULT_DEADLINE", "DEFAULT_YEAR_END", "deadline_for", "parse_deadline"), ".deadlines"),
    **dict.fromkeys(("DraftOptions", "draft_from_plan", "read_source"), ".pipeline"),
    **dict.fromkeys(("DIRECTORY_HEADERS", "UnitDirectory", "units_from_rows"), ".units.directory"),
    "TaskRow": ".decompose", "assign_units": ".units.infer", "__version__": ".",
}


def __getattr__(name: str):
    """``ribbon.SETTINGS`` and the engine names above for callers outside this module, loaded on use (PEP 562)."""
    if name == "SETTINGS":
        return settings_table()
    if name in _LAZY_NAMES:
        from importlib import import_module

        return getattr(import_module(_LAZY_NAMES[name], __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


LOG_NAME = "fenjie.ribbon"


# ---------------------------------------------------------------- bulk sheet access


def _sheet(book, name: str):
    return next((s for s in book.sheets if s.name == name), None)


def read_sheet(book, name: str) -> list[list[object]]:
    """All values of a sheet in one read ([] when it is missing or empty)."""
    sheet = _sheet(book, name)
    if sheet is None:
        return []
    values = sheet.used_range.value
    if values is None:
        return []
    if not isinstance(values, list):
        return [[values]]
    return [row if isinstance(row, list) else [row] for row in values] if isinstance(values[0], list) else [values]


def write_sheet(book, name: str, rows: list[list[object]], backup: bool = True) -> None:
    """Replace a sheet's contents with ``rows`` in one write, backing the old contents up first."""
    from .cells import excel_literal
    sheet = _sheet(book, name)
    if sheet is None:
        sheet = book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])
    else:
        if backup:
            _backup(book, name, read_sheet(book, name))
            _touched.append(name)
        sheet.clear_contents()
    if rows:
        width = max(len(r) for r in rows)
        sheet["A1"].value = [[excel_literal(v) for v in r] + [None] * (width - len(r)) for r in rows]


_touched: list[str] = []  # sheets the running action backed up: what 撤销上一步 restores
_SHEET_LIST_SEPARATOR = "、"  # joins those sheet names in _撤销信息 (as the unit lists; no engine import for it)


def _record_action(book, label: str) -> None:
    """Name the action whose backups 撤销上一步 restores (older actions' backups are left alone)."""
    if _touched:
        stamp = datetime.now().isoformat(sep=" ", timespec="seconds")
        sheets = _SHEET_LIST_SEPARATOR.join(dict.fromkeys(_touched))
        write_sheet(book, SHEET_UNDO_INFO, [[label, stamp, sheets]], backup=False)
        _sheet(book, SHEET_UNDO_INFO).visible = False


def _backup(book, name: str, rows: list[list[object]]) -> None:
    backup_name = (BACKUP_PREFIX + name)[:31]
    write_sheet(book, backup_name, rows, backup=False)
    _sheet(book, backup_name).visible = False


def settings(book) -> dict[str, str]:
    """The 设置 sheet as key -> value."""
    return {str(r[0]).strip(): "" if len(r) < 2 or r[1] is None else str(r[1]).strip()
            for r in read_sheet(book, SHEET_SETTINGS)[1:] if r and r[0]}


def _setting_path(book, key: str, must_exist: bool = True) -> Path:
    value = settings(book).get(key, "")
    if not value:
        raise FenJieError(f"请先在“{SHEET_SETTINGS}”工作表中填写“{key}”。")
    path = Path(value)
    if must_exist and not path.exists():
        raise FenJieError(f"“{SHEET_SETTINGS}”中的{key}“{value}”不存在。")
    return path


def output_folder(book) -> Path:
    value = settings(book).get("输出文件夹", "")
    folder = Path(value) if value else Path(getattr(book, "fullname", "") or ".").resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def directory_of(book) -> UnitDirectory | None:
    from .units.directory import units_from_rows
    from .workbook import SHEET_UNITS

    rows = read_sheet(book, SHEET_UNITS)
    return units_from_rows(rows, f"工作表“{SHEET_UNITS}”") if len(rows) > 1 else None


def _year(book) -> int | None:
    """The plan year: 设置's 计划年度, else the year in the title on the 上级要点 sheet."""
    from .workbook import SHEET_PLAN

    text = settings(book).get("计划年度", "")
    if text:
        return int(float(text))
    plan = read_sheet(book, SHEET_PLAN)
    found = re.search(r"(?:19|20)\d{2}", str(plan[1][3])) if len(plan) > 1 and len(plan[1]) > 3 else None
    return int(found.group(0)) if found else None


def _addressees(book) -> str:
    """The 通知's 主送 line kept on the 上级要点 sheet."""
    from .workbook import SHEET_PLAN

    return next((str(r[3]) for r in read_sheet(book, SHEET_PLAN)[1:4] if r and r[0] == "主送" and len(r) > 3), "")


# ---------------------------------------------------------------- the 任务分解 sheet as rows


def task_rows(book) -> list[TaskRow]:
    """The 任务分解 sheet as task rows (FenJie's own headers)."""
    from .decompose import TaskRow
    from .workbook import SHEET_TASKS, UNIT_SEPARATOR

    rows = read_sheet(book, SHEET_TASKS)
    if len(rows) < 2:
        raise FenJieError(f"“{SHEET_TASKS}”工作表中还没有任务：请先点“生成分解表”。")
    index = {str(h): i for i, h in enumerate(rows[0]) if h}

    def get(row, header):
        value = row[index[header]] if header in index and index[header] < len(row) else None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if value is None else str(value)

    def names(row, header):
        return [n for n in get(row, header).split(UNIT_SEPARATOR) if n]

    tasks = []
    for number, row in enumerate(rows[1:], start=1):
        if not any(v not in (None, "") for v in row):
            continue
        seq = get(row, "序号")
        tasks.append(TaskRow(int(seq) if seq.isdigit() else number, get(row, "章节"), get(row, "小节"),
                             get(row, "任务名称"), get(row, "任务内容"), names(row, "牵头单位"), names(row, "责任单位"),
                             names(row, "配合单位"), get(row, "完成时限"), get(row, "来源"), f"第{number + 1}行",
                             due=get(row, "到期日期")))
    return tasks


def _write_tasks(book, rows: list[TaskRow]) -> None:
    from .workbook import SHEET_TASKS, TASK_HEADERS, task_values

    write_sheet(book, SHEET_TASKS, [list(TASK_HEADERS)] + [task_values(r) for r in rows])
    _format_tasks(_sheet(book, SHEET_TASKS), len(rows))


def _format_tasks(sheet, count: int) -> None:
    """The look of the CLI's working sheet: 仿宋 11 pt, its column widths, wrapped text, rows fitted."""
    from .workbook import BODY_FONT, TASK_HEADERS, TASK_WIDTHS, column_letter

    if not hasattr(sheet, "range"):  # the WPS front door's recording sheet carries values only
        return
    cells = sheet.range(f"A1:{column_letter(len(TASK_HEADERS) - 1)}{count + 1}")
    cells.font.name, cells.font.size = BODY_FONT
    cells.wrap_text = True
    for index, width in enumerate(TASK_WIDTHS):
        sheet.range(f"{column_letter(index)}1").column_width = width
    cells.rows.autofit()


def _table_file(book, rows: list[TaskRow]) -> Path:
    """The 任务分解 rows saved to a temporary .xlsx, for the engine steps that read files."""
    from openpyxl import Workbook

    from .cells import append_text
    from .workbook import PLAN_HEADERS, SHEET_PLAN, SHEET_TASKS, TASK_HEADERS, task_values

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TASKS
    sheet.append(list(TASK_HEADERS))
    for row in rows:
        append_text(sheet, task_values(row))
    workbook.create_sheet(SHEET_PLAN).append(list(PLAN_HEADERS))  # the title every output uses
    workbook[SHEET_PLAN].append(["标题", "", "", plan_title(book)])

    path = Path(tempfile.mkdtemp(prefix="fenjie-")) / f"{SHEET_TASKS}.xlsx"
    workbook.save(path)
    return path


def plan_title(book) -> str:
    """The workbook's title: 设置's 标题, else the 标题 row of the 上级要点 sheet."""
    from .titles import title_from_plan_rows
    from .workbook import SHEET_PLAN

    return settings(book).get("标题") or title_from_plan_rows(read_sheet(book, SHEET_PLAN))


def _alert(book, text: str, title: str = "FenJie 任务分解助手") -> None:
    try:
        book.app.alert(text, title=title)
    except Exception:  # noqa: BLE001 - no message box (tests, headless runs): the log keeps it
        import logging

        logging.getLogger(LOG_NAME).info("%s: %s", title, text)


def _status(book, text: str | bool) -> None:
    try:
        book.app.status_bar = text
    except Exception:  # noqa: BLE001 - not every client has a status bar
        pass


# ---------------------------------------------------------------- actions, one per button


PLAN_FILTER = ("上级要点或任务分解表 (*.docx;*.pdf;*.txt;*.doc;*.wps;*.xlsx;*.xls;*.et),"
               "*.docx;*.pdf;*.txt;*.doc;*.wps;*.xlsx;*.xls;*.et")


def ask_for_file(book, title: str, file_filter: str) -> Path | None:
    """Excel's own file-open dialog, through COM (Windows/macOS Excel).

    Returns None where Excel has none to offer (the remote engine) or when the
    user cancels (Excel then returns False).
    """
    try:
        picked = book.app.api.GetOpenFilename(file_filter, 1, title)
    except Exception:  # no COM behind this book: the caller falls back to the 设置 sheet
        return None
    return Path(picked) if isinstance(picked, str) and picked else None


def _remember_setting(book, key: str, value: str) -> None:
    rows = [list(r) for r in read_sheet(book, SHEET_SETTINGS)]
    for row in rows[1:]:
        if row and str(row[0]).strip() == key:
            row[1:2] = [value]
            break
    else:
        rows.append([key, value, ""])
    write_sheet(book, SHEET_SETTINGS, rows, backup=False)


def _plan_path(book) -> Path:
    """The plan to read: the 设置 path, else one picked in Excel's dialog (then kept in 设置)."""
    value = settings(book).get("上级要点文件", "")
    if value and Path(value).exists():
        return Path(value)
    picked = ask_for_file(book, "选择上级要点文件", PLAN_FILTER)
    if picked is None:
        return _setting_path(book, "上级要点文件")  # says what to fill in
    _remember_setting(book, "上级要点文件", str(picked))
    return picked


def import_plan(book) -> str:
    """导入上级要点: the plan's outline into the 上级要点 sheet."""
    from .pipeline import read_source
    from .workbook import PLAN_HEADERS, SHEET_PLAN, plan_values

    outline, _ = read_source(_plan_path(book))
    write_sheet(book, SHEET_PLAN, [list(PLAN_HEADERS)] + plan_values(outline))
    return f"已导入《{outline.title}》：{sum(1 for _ in outline.walk())} 个层级条目。"


def decompose_plan(book) -> str:
    """生成分解表: decompose the plan into the 任务分解 sheet (units and deadlines filled)."""
    from .deadlines import DEFAULT_DEADLINE, DEFAULT_YEAR_END
    from .pipeline import DraftOptions, draft_from_plan
    from .workbook import FINDING_HEADERS, PLAN_HEADERS, SHEET_FINDINGS, SHEET_PLAN, finding_values, plan_values

    options = DraftOptions(directory=directory_of(book), year=_year(book),
                           default_deadline=settings(book).get("默认完成时限") or DEFAULT_DEADLINE,
                           year_end=settings(book).get("年内完成时限") or DEFAULT_YEAR_END)
    draft = draft_from_plan(_plan_path(book), options)
    write_sheet(book, SHEET_PLAN, [list(PLAN_HEADERS)] + plan_values(draft.outline))
    _write_tasks(book, draft.rows)
    write_sheet(book, SHEET_FINDINGS, [list(FINDING_HEADERS)] + finding_values(draft.findings))
    return f"已生成 {len(draft.rows)} 项任务；{len(draft.findings)} 处需要核对，见“{SHEET_FINDINGS}”。"


def match_units(book) -> str:
    """匹配责任单位: fill the units of rows that have none, fold names to the 单位名录."""
    from .units.infer import assign_units

    rows = task_rows(book)
    empty = [r for r in rows if not (r.lead or r.units or r.assist)]
    assign_units(rows, directory_of(book), _addressees(book))
    _write_tasks(book, rows)
    return f"已为 {len(empty)} 项未写单位的任务推断责任单位，并按单位名录统一了单位名称；请核对“单位来源”列。"


def match_deadlines(book) -> str:
    """识别完成时限: normalize every deadline and give due dates; fill empty ones."""
    from .deadlines import DEFAULT_DEADLINE, DEFAULT_YEAR_END, deadline_for, parse_deadline

    rows = task_rows(book)
    year = _year(book) or date.today().year
    default = settings(book).get("默认完成时限") or DEFAULT_DEADLINE
    year_end = settings(book).get("年内完成时限") or DEFAULT_YEAR_END
    unknown = 0
    for row in rows:
        deadline = (parse_deadline(row.deadline, year) if row.deadline
                    else deadline_for(row.content, year, default, year_end=year_end))
        unknown += not deadline.ok
        row.deadline = deadline.display if deadline.ok else row.deadline
        row.due = "、".join(d.isoformat() for d in deadline.due)
    _write_tasks(book, rows)
    tail = f"，{unknown} 项无法识别，已保留原文。" if unknown else "。"
    return f"已识别 {len(rows) - unknown} 项任务的完成时限{tail}"


def validate_tasks(book) -> str:
    """校验: the validation rules over the 任务分解 sheet; results to 校验结果, cells coloured."""
    from .findings import Severity
    from .markup import FILLS
    from .table import read_task_table
    from .validate import ValidationOptions, summary_line, validate_table
    from .workbook import FINDING_HEADERS, SHEET_FINDINGS, SHEET_TASKS, finding_values

    table = read_task_table(_table_file(book, task_rows(book)))
    findings = validate_table(table, ValidationOptions(directory=directory_of(book), year=_year(book)))
    write_sheet(book, SHEET_FINDINGS, [list(FINDING_HEADERS)] + finding_values(findings))
    sheet = _sheet(book, SHEET_TASKS)
    for finding in findings:
        if finding.cell and ":" not in finding.cell:
            sheet[finding.cell].color = "#" + FILLS[finding.severity]
    errors = sum(f.severity is Severity.ERROR for f in findings)
    return f"校验完成：{summary_line(findings)}。" + ("请先改正“错误”再下发。" if errors else "")


def official_table(book) -> str:
    """生成正式分解表: the 任务分解表 template filled, saved beside the workbook."""
    from .render import context_for_rows, render_workbook, save_rendered
    from .titles import table_title

    rows = task_rows(book)
    title = table_title(plan_title(book))
    out = output_folder(book) / f"{title}（正式版式）.xlsx"
    save_rendered(render_workbook("任务分解表", context_for_rows(rows, title), font_fallback=True), out)
    return f"已生成正式版式任务分解表：{out}"


def _ledger_path(book) -> Path:
    return output_folder(book) / "工作台账.xlsx"


def _show_ledger(book, ledger_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    from .sheets import sheet_grid
    from .workbook import SHEET_LEDGER

    grid = sheet_grid(CalamineWorkbook.from_path(str(ledger_path)), ledger_path, SHEET_LEDGER)
    header = next(i for i, row in enumerate(grid) if "任务ID" in row)
    write_sheet(book, SHEET_LEDGER, grid[header:])


def split_units(book) -> str:
    """下发单位表: a ledger from 任务分解, and one feedback workbook per unit."""
    from .progress.ledger import create_ledger
    from .progress.split import default_round, split_ledger

    ledger_path = _ledger_path(book)
    if not ledger_path.exists():
        create_ledger(_table_file(book, task_rows(book)), ledger_path, _year(book))
    round_label = settings(book).get("轮次") or default_round(date.today())
    folder = output_folder(book) / f"{round_label}_下发"
    from .progress.ledger import load_ledger
    from .progress.split import unassigned_groups

    directory = directory_of(book)
    groups = unassigned_groups(load_ledger(ledger_path), directory)
    results = split_ledger(ledger_path, folder, round_label, directory)
    _show_ledger(book, ledger_path)
    message = f"已为 {len(results)} 个单位生成反馈表：{folder}"
    if groups:
        message += "\n需指定单位（分组，未生成反馈表，请在单位名录中填写其成员单位）：" + "；".join(
            f"{group}（任务 {'、'.join(map(str, seqs))}）" for group, seqs in groups.items())
    return message


def send_mail(book) -> str:
    """发送邮件: each unit's workbook by the 设置's 发送方式 (.eml files, SMTP, Outlook drafts), previewed first."""
    from .mail.send import plan_form_mails
    from .progress.ledger import load_ledger

    values = settings(book)
    mail_settings = _mail_settings(values)
    ledger_path = _issued_ledger(book)
    forms = output_folder(book) / f"{load_ledger(ledger_path).round}_下发"
    outgoing = plan_form_mails(ledger_path, forms, directory_of(book), mail_settings)
    return _send(book, ledger_path, outgoing, mail_settings, "邮件")


def _mail_settings(values: dict[str, str]):
    """Sender, office and contact lines of the mails, from the 设置 sheet."""
    from .mail.compose import MailSettings

    return MailSettings(values.get("发件人邮箱") or "noreply@localhost", values.get("发件单位", ""),
                        values.get("联系电话", ""), values.get("反馈截止日期", ""))


def _issued_ledger(book) -> Path:
    ledger_path = _ledger_path(book)
    if not ledger_path.exists():
        raise FenJieError("还没有下发：请先点“下发单位表”。")
    return ledger_path


def _send(book, ledger_path: Path, outgoing: list, mail_settings, what: str) -> str:
    """Preview ``outgoing`` on the 邮件预览 sheet, send it by the 设置's 发送方式, and say what happened."""
    from .mail.send import preview_rows, send_all

    write_sheet(book, "邮件预览", [["单位", "收件人", "主题", "附件", "大小", "检查"]] + preview_rows(outgoing))
    transport = mail_transport(settings(book), output_folder(book) / "待发邮件")
    results = send_all(ledger_path, outgoing, transport, mail_settings)
    sent = sum(r.result == "成功" for r in results)
    done = {"smtp": f"已发送 {{}} 封{what}", "outlook": f"已在 Outlook 草稿箱存入 {{}} 封{what}"}.get(
        transport.name, f"已生成 {{}} 封{what}（.eml）").format(sent)
    return f"{done}，{sum(r.result == '未发送' for r in results)} 封缺少信息，见“邮件预览”。"


def mail_transport(values: dict[str, str], eml_folder: Path):
    """The transport the 设置 sheet names: .eml files (default), SMTP or Outlook drafts."""
    from .mail.transports import EmlTransport, OutlookTransport, SmtpTransport

    via = (values.get("发送方式") or "eml").strip().lower()
    if via == "smtp":
        host, port = values.get("SMTP服务器", ""), values.get("SMTP端口") or "465"
        security = (values.get("SMTP加密") or "ssl").strip().lower()
        if not host:
            raise FenJieError(f"发送方式为 smtp 时，请在“{SHEET_SETTINGS}”中填写“SMTP服务器”。")
        if not port.isdigit() or security not in ("ssl", "starttls", "none"):
            raise FenJieError(f"“{SHEET_SETTINGS}”中的SMTP端口“{port}”或SMTP加密“{security}”无效：端口写数字，"
                              "加密写 ssl、starttls 或 none。")
        return SmtpTransport(host, int(port), security, values.get("SMTP用户名", ""),
                             allow_plaintext=values.get("允许明文密码", "").strip() == "是")
    if via == "outlook":
        return OutlookTransport()
    if via != "eml":
        raise FenJieError(f"“{SHEET_SETTINGS}”中的发送方式“{via}”无效：请写 eml、smtp 或 outlook。")
    return EmlTransport(eml_folder)


def merge_feedback(book) -> str:
    """回收反馈: merge the returned workbooks into the ledger."""
    from .progress.merge import merge_returns
    from .progress.status import done_by_from_settings

    done_by = done_by_from_settings(settings(book))  # the 工作台账's 完成状态 as 进度汇总 will judge it
    report = merge_returns(_ledger_path(book), _setting_path(book, "回收文件夹"), done_by)
    _show_ledger(book, _ledger_path(book))
    return "\n".join(report.lines()[:20]) or "没有可合并的反馈表。"


def progress_summary(book) -> str:
    """进度汇总: the summary workbook on the 统计日期."""
    from .progress.ledger import as_of_date
    from .progress.status import rules_from_settings
    from .progress.summary import write_summary

    as_of = as_of_date(settings(book).get("统计日期", ""), f"“{SHEET_SETTINGS}”中的统计日期：")
    out = output_folder(book) / f"进度汇总_{as_of.isoformat()}.xlsx"
    rules = rules_from_settings(settings(book))
    write_summary(_ledger_path(book), out, as_of, rules.warn_days, rules)
    return f"已生成进度汇总（截至 {as_of.isoformat()}）：{out}"


def remind_units(book) -> str:
    """催办: a reminder to each unit with red or yellow tasks on the 统计日期 (as ``fenjie mail remind``)."""
    from .mail.send import plan_reminders
    from .progress.ledger import as_of_date
    from .progress.status import rules_from_settings

    values = settings(book)
    ledger_path = _issued_ledger(book)
    as_of = as_of_date(values.get("统计日期", ""), f"“{SHEET_SETTINGS}”中的统计日期：")
    rules = rules_from_settings(values)  # the 设置's 红黄灯 rules, as 进度汇总 uses them
    mail_settings = _mail_settings(values)
    outgoing = plan_reminders(ledger_path, directory_of(book), mail_settings, as_of, rules.warn_days, rules)
    if not outgoing:
        return f"截至 {as_of.isoformat()} 没有红灯或黄灯任务，无需催办。"
    return _send(book, ledger_path, outgoing, mail_settings, "催办邮件")


def unit_directory(book) -> str:
    """单位名录: add the 单位名录 sheet, or list the unknown unit names of 任务分解."""
    from .units.directory import DIRECTORY_HEADERS
    from .workbook import FINDING_HEADERS, SHEET_FINDINGS, SHEET_UNITS, finding_values

    if _sheet(book, SHEET_UNITS) is None or len(read_sheet(book, SHEET_UNITS)) < 2:
        write_sheet(book, SHEET_UNITS, [list(DIRECTORY_HEADERS)])
        return f"已添加“{SHEET_UNITS}”工作表，请填写本单位的单位名录（简称用“；”分隔）。"
    from .pipeline import unknown_unit_findings

    findings = unknown_unit_findings(task_rows(book), directory_of(book))
    write_sheet(book, SHEET_FINDINGS, [list(FINDING_HEADERS)] + finding_values(findings))
    if not findings:
        return "所有单位名称都在单位名录中。"
    return f"有 {len(findings)} 个单位名称不在单位名录中，见“{SHEET_FINDINGS}”。"


def undo_last(book) -> str:
    """撤销上一步: put back the sheets the last action changed (every backed-up sheet in older workbooks)."""
    info = read_sheet(book, SHEET_UNDO_INFO)
    label, stamp, names = (list(info[0]) + ["", "", ""])[:3] if info else ("", "", "")
    wanted = set(str(names).split(_SHEET_LIST_SEPARATOR)) if names else None
    restored = []
    for sheet in list(book.sheets):
        if sheet.name.startswith(BACKUP_PREFIX):
            name = sheet.name[len(BACKUP_PREFIX):]
            if wanted is None or name in wanted:
                write_sheet(book, name, read_sheet(book, sheet.name), backup=False)
                restored.append(name)
    if not restored:
        raise FenJieError("没有可以撤销的操作。")
    if label:
        write_sheet(book, SHEET_UNDO_INFO, [["", "", ""]], backup=False)  # undone: nothing left to undo
        return f"已撤销“{label}”（{stamp}）：恢复了 {'、'.join(restored)}。"
    return f"已恢复：{'、'.join(restored)}。"


def self_check(book) -> str:
    """自检: interpreter, versions, settings and write access."""
    from importlib.metadata import version

    import xlwings

    from . import __version__

    folder = output_folder(book)
    writable = os.access(folder, os.W_OK)
    lines = [f"Python：{sys.executable}（{sys.version.split()[0]}）", f"FenJie：{__version__}",
             f"xlwings：{xlwings.__version__}，openpyxl：{version('openpyxl')}",
             f"输出文件夹：{folder}（{'可写' if writable else '不可写'}）",
             f"日志：{log_path()}"]
    missing = [key for key, _, _ in settings_table()[:1] if not settings(book).get(key)]
    if missing:
        lines.append(f"尚未填写：{'、'.join(missing)}")
    return "\n".join(lines)


def show_settings(book) -> str:
    """设置: add the 设置 sheet with every option explained (existing values kept)."""
    current = settings(book)
    rows = [["选项", "值", "说明"]] + [[k, current.get(k, v), note] for k, v, note in settings_table()]
    write_sheet(book, SHEET_SETTINGS, rows)
    _sheet(book, SHEET_SETTINGS).activate()
    return f"请在“{SHEET_SETTINGS}”工作表中填写各项设置。"


def show_help(book) -> str:
    """帮助: where the user guide is and the order of the buttons."""
    guide = Path(__file__).resolve().parents[1] / "docs" / "用户指南.md"
    steps = [label for label, _ in ACTIONS.values()][:-3]
    return f"使用顺序：{' → '.join(steps)}。\n用户指南：{guide}"


# In the order of the work and of the ribbon (macros/customUI14.xml): prepare, decompose,
# check and format, issue and collect, then the tools.
ACTIONS: dict[str, tuple[str, Callable]] = {
    "btnSettings": ("设置", show_settings),
    "btnUnits": ("单位名录", unit_directory),
    "btnImportPlan": ("导入上级要点", import_plan),
    "btnDecompose": ("生成分解表", decompose_plan),
    "btnMatchUnits": ("匹配责任单位", match_units),
    "btnDeadlines": ("识别完成时限", match_deadlines),
    "btnValidate": ("校验", validate_tasks),
    "btnOfficial": ("生成正式分解表", official_table),
    "btnSplit": ("下发单位表", split_units),
    "btnSendMail": ("发送邮件", send_mail),
    "btnMerge": ("回收反馈", merge_feedback),
    "btnSummary": ("进度汇总", progress_summary),
    "btnRemind": ("催办", remind_units),
    "btnUndo": ("撤销上一步", undo_last),
    "btnSelfCheck": ("自检", self_check),
    "btnHelp": ("帮助", show_help),
}


def log_path() -> Path:
    return errors.log_path()


def _log_failure(control_id: str) -> None:
    with log_path().open("a", encoding="utf-8") as handle:
        import traceback

        handle.write(f"--- {date.today().isoformat()} {control_id}\n{traceback.format_exc()}\n")


LEDGER_ACTIONS = ("btnSplit", "btnSendMail", "btnMerge")  # read, change and write back 工作台账.xlsx


@contextmanager
def _ledger_lock(book, control_id: str, label: str) -> Iterator[None]:
    """The ledger's writer lock around a ribbon action that rewrites it (another clerk, or the CLI, may be at it)."""
    if control_id not in LEDGER_ACTIONS:
        yield
        return
    with writer_lock(_ledger_path(book), label):
        yield


def dispatch(control_id: str, book=None) -> str:
    """Run the action of ribbon button ``control_id`` on ``book`` (default: the calling workbook).

    Returns the message shown to the user. Never raises: a failure is shown as a
    message and written to the log file.
    """
    if book is None:
        import xlwings as xw

        book = xw.Book.caller()
    label, action = ACTIONS.get(control_id, ("", None))
    if action is None:
        message = f"未知的按钮“{control_id}”：请重新安装 FenJie 加载项。"
    else:
        _status(book, f"FenJie：正在{label}……")
        _touched.clear()
        begin_operation(label)
        try:
            with _ledger_lock(book, control_id, label):
                message = action(book)
            if control_id != "btnUndo":
                _record_action(book, label)
        except FenJieError as exc:
            message = str(exc)
        except Exception as exc:  # noqa: BLE001 - the user gets a message, the log gets the traceback
            _log_failure(control_id)
            detail = errors.explain(exc, fallback=False) or f"{exc}。"
            message = f"{label}时出错：{detail}详细信息已记入日志：{log_path()}"
        finally:
            end_operation()
            _status(book, False)
    _alert(book, message, f"FenJie · {label or '任务分解'}")
    return message
