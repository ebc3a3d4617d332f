"""The ``fenjie`` command line: each command parses, calls the engine, reports.

Engine errors (:class:`addin.errors.FenJieError`) become a one-line Chinese
message on stderr and exit status 1; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .cli_parser import ChineseArgumentParser
from .deadlines import DEFAULT_DEADLINE, DEFAULT_YEAR_END
from .decompose import Granularity
from .errors import FenJieError, WorkbookWriteError, explain, log_traceback
from .lock import FileBusyError, check_not_busy, writer_lock
from .progress.status import DONE_BY_CHOICES, Rules
from .undo import begin_operation, end_operation
from .units.directory import SAMPLES, UnitDirectory, load_directory, sample_directory

# Each command imports the engine modules it uses when it runs: a whole process per command
# (the ribbon, WPS and the round's split/merge/summary each start one) should not pay for
# mail, plan parsing, validation and marking it never touches (#17).
if TYPE_CHECKING:
    from .findings import Finding
    from .mail.compose import MailSettings
    from .pipeline import Draft, DraftOptions

SAMPLE_PLAN = "sample_plan_putuo_2024.txt"
DEMO_DIR = "fenjie-demo"


def decompose_plan(plan: Path, out: Path, options: DraftOptions) -> tuple[Draft, Path | None]:
    """Read, decompose and write one plan; returns the draft and the backup path."""
    from .pipeline import draft_from_plan
    from .workbook import build_draft_workbook, save_workbook

    draft = draft_from_plan(plan, options)
    workbook = build_draft_workbook(draft.outline, draft.rows, draft.findings, options.directory)
    return draft, save_workbook(workbook, out)


def _directory_from(args: argparse.Namespace) -> UnitDirectory | None:
    if getattr(args, "units", None):
        return load_directory(args.units)
    if getattr(args, "sample_units", None):
        return sample_directory(args.sample_units)
    return None


def _options(args: argparse.Namespace) -> DraftOptions:
    from .pipeline import DraftOptions
    from .units.mapping import load_mapping

    directory = _directory_from(args)
    mapping = load_mapping(args.map, args.level) if args.map else None
    return DraftOptions(granularity=Granularity(args.granularity), directory=directory, mapping=mapping,
                        default_deadline=args.default_deadline, year=args.year,
                        use_addressees=not args.no_addressees, expand_groups=args.expand_groups,
                        year_end=args.year_end)


def _cmd_decompose(args: argparse.Namespace) -> int:
    plan = Path(args.plan)
    out = Path(args.output) if args.output else plan.with_name(plan.stem + "_任务分解.xlsx")
    if out.resolve() == plan.resolve():
        raise FenJieError(f"输出文件不能是上级要点文件本身（{plan.name}）：请用 -o 另选文件名。")
    draft, backup = decompose_plan(plan, out, _options(args))
    print(f"已分解 {len(draft.rows)} 项任务，写入：{out}")
    if draft.findings:
        print(f"有 {len(draft.findings)} 处需要核对，见“校验结果”工作表。")
    if backup:
        print(f"原文件已备份为：{backup}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(args.output_dir, lambda label, path: print(f"{label}：{Path(path).resolve()}"))
    print(f"演示完成：各步骤的文件都在 {Path(args.output_dir).resolve()}")
    return 0


def _cmd_units_init(args: argparse.Namespace) -> int:
    from .units.template import write_directory_template

    output = args.file or args.output
    backup = write_directory_template(output)
    print(f"已生成空白单位名录：{output}")
    if backup:
        print(f"原文件已备份为：{backup}")
    return 0


def _cmd_units_check(args: argparse.Namespace) -> int:
    from .units.check import find_unknown_units

    directory = _directory_from(args) or load_directory(args.file)
    unknown = find_unknown_units(args.file, directory, args.sheet)
    for item in unknown:
        near = f"（最接近：{'、'.join(item.nearest)}）" if item.nearest else ""
        print(f"{item.cell}\t{item.name}{near}")
    if unknown:
        print(f"共 {len(unknown)} 个单位名称不在单位名录中。")
        return 1
    print("所有单位名称都在单位名录中。")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .findings import Severity
    from .markup import FIXABLE
    from .table import read_task_table
    from .validate import DEFAULT_REQUIRED, ValidationOptions, summary_line, validate_table

    path = Path(args.file)
    table = read_task_table(path, args.sheet)
    required = tuple(_required_roles(args.required)) if args.required else DEFAULT_REQUIRED
    findings = validate_table(table, ValidationOptions(required, _directory_from(args), args.year))
    sheet, rows = table.sheet, len(table.rows)
    # Marking loads the whole workbook into openpyxl: the rows read for the rules are
    # not needed any more, and dropping them first lowers the peak (~15 MiB at 10,000 rows).
    del table
    written, fixed = _write_validation(args, path, sheet, findings)
    remaining = [f for f in findings if not (args.fix and f.rule in FIXABLE and f.fix)]
    if args.json:
        print(json.dumps({"file": str(path), "sheet": sheet, "rows": rows,
                          "summary": summary_line(remaining), "fixed": fixed,
                          "findings": [_finding_json(f) for f in remaining]}, ensure_ascii=False, indent=1))
    else:
        for f in remaining:
            where = f"{f.sheet}!{f.cell}\t" if f.cell else ""
            print(f"{f.severity.value}\t{where}{f.message}")
        print(f"共 {rows} 项任务：{summary_line(remaining)}" + (f"；已自动修正 {fixed} 处" if fixed else ""))
        if written:
            print(f"校验结果已写入：{written}")
    return 1 if any(f.severity is Severity.ERROR for f in remaining) else 0


def _required_roles(text: str) -> list[str]:
    from .validate import ROLE_NAMES

    names = {name: role for role, name in ROLE_NAMES.items()}
    roles = []
    for name in re.split(r"[,，、\s]+", text.strip()):
        if name not in names:
            raise FenJieError(f"--required 中的列名“{name}”无法识别：可用 {'、'.join(names)}。")
        roles.append(names[name])
    return roles


def _finding_json(finding: Finding) -> dict:
    return {"rule": finding.rule, "severity": finding.severity.value, "sheet": finding.sheet,
            "cell": finding.cell, "message": finding.message, "fix": finding.fix}


def _write_validation(args, path: Path, sheet: str, findings) -> tuple[Path | None, int]:
    from .markup import mark_workbook, write_findings_workbook

    if args.no_write:
        return None, 0
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        out = Path(args.output) if args.output else path
        elsewhere = out.resolve() != path.resolve()
        # -o to another file: the marked copy is written there atomically, an existing file backed up first
        result = mark_workbook(path, sheet, findings, fix=args.fix, out=out if elsewhere else None)
        if result.lost:
            print(_kept_original(out, result.lost, "标注后", result.written))
        if elsewhere and result.backup:
            print(f"原文件已备份为：{result.backup}")
        return result.written, result.fixed
    out = Path(args.output) if args.output else path.with_name(path.stem + "_校验结果.xlsx")
    write_findings_workbook(out, findings)
    return out, 0


def _cmd_render(args: argparse.Namespace) -> int:
    from .render import context_for_rows, find_template, render_workbook, save_rendered
    from .table import read_task_table
    from .titles import title_problem

    table = read_task_table(args.table, args.sheet)
    title = args.title or table.title or Path(args.table).stem
    context = context_for_rows(table.rows, title, attachment_label=args.attachment_label)
    workbook = render_workbook(find_template(args.template, args.template_dir), context, font_fallback=True)
    source = Path(args.table)
    out = Path(args.output) if args.output else source.with_name(f"{source.stem}_{Path(args.template).stem}.xlsx")
    backup = save_rendered(workbook, out)
    print(f"已按模板“{args.template}”生成（{len(table.rows)} 项任务）：{out}")
    if title_problem(title):
        print(f"提示：{title_problem(title)}")
    if backup:
        print(f"原文件已备份为：{backup}")
    return 0


def _cmd_ledger(args: argparse.Namespace) -> int:
    from .progress.ledger import create_ledger

    ledger, backup = create_ledger(args.table, args.output, args.year)
    print(f"已生成工作台账（{len(ledger.tasks)} 项任务，{len(ledger.units())} 个单位）：{args.output}")
    if backup:
        print(f"原文件已备份为：{backup}")
    return 0


def _cmd_split(args: argparse.Namespace) -> int:
    from .progress.ledger import load_ledger
    from .progress.split import default_round, split_ledger, unassigned_groups

    directory = _directory_from(args)
    ledger = load_ledger(args.ledger)  # read once: the writer lock keeps it as it is until split_ledger saves
    for group, seqs in unassigned_groups(ledger, directory).items():
        print(f"需指定单位：“{group}”（任务 {'、'.join(map(str, seqs))}）是分组，单位名录中没有其成员单位，"
              "不生成反馈表；请在单位名录中为其成员填写“所属分组”，或在任务分解表中写明具体单位。")
    results = split_ledger(args.ledger, args.output_dir, args.round or default_round(date.today()), directory,
                           loaded=ledger)
    for result in results:
        print(f"{result.unit}\t{result.tasks} 项\t{result.path}")
    print(f"已为 {len(results)} 个单位生成反馈表：{args.output_dir}")
    return 0


def _cmd_merge(args: argparse.Namespace) -> int:
    from .progress.merge import merge_returns

    report = merge_returns(args.ledger, args.folder, DONE_BY_CHOICES[args.done_by] if args.done_by else None)
    for line in report.lines():
        print(line)
    print(f"合并完成：{sum(1 for n in report.merged.values() if n)} 个单位有更新，"
          f"{len(report.rejected)} 个文件未合并，{len(report.missing_units)} 个单位未反馈。")
    return 0


def _rules(args: argparse.Namespace) -> Rules:
    if not 0 <= args.yellow <= args.red <= 100:
        raise FenJieError(f"黄灯阈值（{args.yellow:g}）和红灯阈值（{args.red:g}）应在 0–100 之间，且黄灯不大于红灯。")
    return Rules(args.yellow, args.red, DONE_BY_CHOICES[args.done_by] if args.done_by else "", args.warn_days)


def _add_rule_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--yellow", type=float, default=10, help="落后序时进度多少个百分点亮黄灯（默认 10）")
    sub.add_argument("--red", type=float, default=30, help="落后序时进度超过多少个百分点亮红灯（默认 30）")
    sub.add_argument("--done-by", choices=tuple(DONE_BY_CHOICES), default=None,
                     help="办结认定：牵头单位（牵头单位报已完成且无责任单位报未完成）或 全部责任单位；"
                          "默认沿用工作台账合并时的设定，没有设定时为牵头单位")


def _cmd_summary(args: argparse.Namespace) -> int:
    from .progress.ledger import as_of_date
    from .progress.summary import write_summary

    as_of = as_of_date(args.as_of, "--as-of ")
    backup = write_summary(args.ledger, args.output, as_of, args.warn_days, _rules(args))
    print(f"已生成进度汇总（截至 {as_of.isoformat()}）：{args.output}")
    if backup:
        print(f"原文件已备份为：{backup}")
    return 0


def _mail_settings(args: argparse.Namespace) -> MailSettings:
    from .mail.compose import MailSettings

    return MailSettings(args.sender, args.office, args.phone, args.feedback_deadline, args.size_limit,
                        args.template_dir)


def _mail_plan(args: argparse.Namespace) -> list:
    from .mail.send import plan_form_mails, plan_reminders
    from .progress.ledger import as_of_date

    settings, directory = _mail_settings(args), _directory_from(args)
    if args.mail_command == "remind" or getattr(args, "remind", False):
        as_of = as_of_date(args.as_of, "--as-of ")
        return plan_reminders(args.ledger, directory, settings, as_of, args.warn_days, _rules(args))
    if not args.forms:
        raise FenJieError("请用 --forms 指定反馈表所在文件夹（fenjie split 的输出）。")
    return plan_form_mails(args.ledger, args.forms, directory, settings)


def _cmd_mail_preview(args: argparse.Namespace) -> int:
    from .mail.send import preview_rows

    outgoing = _mail_plan(args)
    for row in preview_rows(outgoing):
        print("\t".join(str(v) for v in row))
    ready = sum(1 for o in outgoing if o.ready)
    print(f"共 {len(outgoing)} 封：{ready} 封可发送，{len(outgoing) - ready} 封有问题。")
    return 0


def _transport(args: argparse.Namespace):
    from .mail.transports import EmlTransport, OutlookTransport, SmtpTransport

    if args.via == "smtp":
        if not args.smtp_host:
            raise FenJieError("使用 SMTP 发送时请用 --smtp-host 指定邮件服务器。")
        return SmtpTransport(args.smtp_host, args.smtp_port, args.security, args.user,
                             allow_plaintext=args.allow_plaintext)
    if args.via == "outlook":
        return OutlookTransport()
    return EmlTransport(args.out or Path(args.ledger).with_name("待发邮件"))


def _cmd_mail_send(args: argparse.Namespace) -> int:
    from .mail.send import journal_path, send_all

    outgoing = _mail_plan(args)
    results = send_all(args.ledger, outgoing, _transport(args), _mail_settings(args),
                       resend_unconfirmed=args.resend_unconfirmed)
    for result in results:
        print(f"{result.unit}\t{result.result}\t{result.detail}")
    counts = {k: sum(1 for r in results if r.result == k) for k in ("成功", "跳过", "失败", "未发送", "待确认")}
    print(f"发送完成：成功 {counts['成功']}，已发送过跳过 {counts['跳过']}，失败 {counts['失败']}，"
          f"未发送 {counts['未发送']}" + (f"，待确认 {counts['待确认']}" if counts["待确认"] else "")
          + f"。记录见：{journal_path(args.ledger)}")
    return 1 if counts["失败"] or counts["待确认"] else 0


def _add_mail_commands(commands) -> None:
    mail = commands.add_parser("mail", help="邮件：预览、发送各单位反馈表，发送催办提醒",
                               description="把各单位的反馈表发给各单位（.eml 文件、SMTP 或 Outlook 草稿）。")
    actions = mail.add_subparsers(dest="mail_command", metavar="子命令")
    actions.required = True
    for name, handler, help_text in (
        ("preview", _cmd_mail_preview, "预览：收件人、主题、附件大小及缺少的信息"),
        ("send", _cmd_mail_send, "发送（每个单位每轮只发一次，重新运行会跳过已发送的）"),
        ("remind", _cmd_mail_send, "催办：向有红灯、黄灯任务的单位发送督办提醒"),
    ):
        sub = actions.add_parser(name, help=help_text, description=help_text + "。")
        sub.add_argument("ledger", help="工作台账")
        sub.add_argument("--forms", help="反馈表文件夹（fenjie split 的输出）")
        _add_directory_options(sub, "单位名录（含邮箱、联系人）")
        sub.add_argument("--from", dest="sender", default="noreply@localhost", help="发件人邮箱")
        sub.add_argument("--office", default="", help="发件单位名称（写入邮件落款）")
        sub.add_argument("--phone", default="", help="联系电话（写入邮件正文）")
        sub.add_argument("--feedback-deadline", default="", help="反馈截止日期（写入邮件正文）")
        sub.add_argument("--size-limit", type=float, default=20.0, help="附件大小上限（MB，默认 20）")
        sub.add_argument("--template-dir", help="自定义邮件模板文件夹")
        sub.add_argument("--as-of", help="催办统计日期（默认今天）")
        sub.add_argument("--warn-days", type=int, default=15, help="临期预警天数（默认 15）")
        _add_rule_options(sub)
        if name != "preview":
            sub.add_argument("--via", choices=("eml", "smtp", "outlook"), default="eml",
                             help="发送方式：eml 文件（默认）、smtp、outlook 草稿")
            sub.add_argument("--out", help="eml 文件输出文件夹（默认台账旁的“待发邮件”）")
            sub.add_argument("--smtp-host", help="SMTP 服务器")
            sub.add_argument("--smtp-port", type=int, default=465, help="SMTP 端口（默认 465）")
            sub.add_argument("--security", choices=("ssl", "starttls", "none"), default="ssl",
                             help="加密方式（默认 ssl）")
            sub.add_argument("--user", default="", help="SMTP 登录用户名（密码用环境变量 FENJIE_SMTP_PASSWORD）")
            sub.add_argument("--allow-plaintext", action="store_true",
                             help="允许在不加密（--security none）时发送登录密码（仅限可信内网）")
            sub.add_argument("--resend-unconfirmed", action="store_true",
                             help="重发上次结果未知（待确认）的邮件：对方可能会收到两封")
        sub.set_defaults(handler=handler, remind=name == "remind")


def _cmd_addin(args: argparse.Namespace) -> int:
    from .xlam.build import build_addin
    from .xlam.install import install, remove, status_lines

    if args.addin_command == "build":
        print(f"已生成加载项：{build_addin(args.output)}")
    elif args.addin_command == "install":
        print(f"已安装加载项：{install(Path(args.file))}（已设置 Python 解释器：{sys.executable}）")
    elif args.addin_command == "remove":
        print(f"已卸载加载项：{remove()}")
    elif args.addin_command == "bundle":
        from .xlam.bundle import make_bundle

        archive = make_bundle(Path(args.output), tuple(args.python), runtime=not args.no_runtime)
        print(f"已生成离线安装包：{args.output}（压缩包：{archive}）。把压缩包拷到办公电脑，解压后双击“安装.bat”。")
    else:
        print("\n".join(status_lines()))
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from .wps.install import status_lines as wps_status_lines
    from .xlam.install import status_lines

    print("\n".join(status_lines() + wps_status_lines()))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .wps.service import log_to_file, make_server, service_settings

    log_to_file()
    settings = service_settings() if args.port is None or args.token is None else {}
    port = settings["port"] if args.port is None else args.port
    server = make_server(port, args.token or settings["token"])
    if sys.stdout:  # None under pythonw (the Windows login start)
        print(f"FenJie 服务已启动：http://127.0.0.1:{server.server_address[1]}（按 Ctrl+C 停止）", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # Ctrl+C is how a user stops it: not an error
        if sys.stdout:
            print("FenJie 服务已停止。")
    finally:
        server.server_close()
    return 0


def _cmd_wps(args: argparse.Namespace) -> int:
    from .wps.build import build_wps_addin
    from .wps.install import install, remove

    if args.wps_command == "build":
        print(f"已生成 WPS 加载项：{build_wps_addin(args.output)}")
    elif args.wps_command == "install":
        result, started = install(start=not args.no_start)
        print(f"已安装 WPS 加载项：{result.folder}")
        if not result.wps_seen:
            print("注意：本机尚未发现 WPS 的加载项文件夹（WPS 可能未安装或本用户从未运行过），已创建；"
                  "安装并运行 WPS 后即可使用。")
        for backup in result.backups:
            print(f"原登记文件已备份：{backup}")
        print(f"已设置登录时启动 FenJie 服务：{result.autostart}")
        if started:
            print(started)
        print("请重启 WPS 表格，功能区会出现“任务分解”选项卡。")
    else:
        removed = remove(stop=not args.no_stop)
        print("已卸载 WPS 加载项：" + ("、".join(str(p) for p in removed) or "未发现已安装的 FenJie 加载项")
              + "；已移除 FenJie 的登记和登录启动项，其他加载项的登记保持不变。")
    return 0


def _add_wps_commands(commands) -> None:
    sub = commands.add_parser("serve", help="启动本机 FenJie 服务（供 WPS 加载项调用，仅 127.0.0.1）",
                              description="启动本机 FenJie 服务，WPS 表格中的“任务分解”选项卡通过它工作。")
    sub.add_argument("--port", type=int, help="端口（默认取本人配置文件中的端口）")
    sub.add_argument("--token", help="令牌（默认取本人配置文件中的令牌；仅测试时指定）")
    sub.set_defaults(handler=_cmd_serve)
    wps = commands.add_parser("wps", help="WPS 加载项：生成、安装、卸载",
                              description="生成和安装 FenJie 的 WPS 加载项（WPS 表格，Windows 和信创 Linux）。")
    actions = wps.add_subparsers(dest="wps_command", metavar="子命令")
    actions.required = True
    build = actions.add_parser("build", help="由 macros/customUI14.xml 生成 WPS 加载项文件夹",
                               description="生成 WPS 加载项文件夹。")
    build.add_argument("-o", "--output", default="dist/fenjie_wps", help="输出文件夹（默认 dist/fenjie_wps）")
    install_parser = actions.add_parser("install", help="为本人安装到 WPS 并设置登录时启动服务",
                                        description="安装 WPS 加载项（离线、仅本人）。")
    install_parser.add_argument("--no-start", action="store_true", help="只安装，不立即启动服务")
    remove_parser = actions.add_parser("remove", help="卸载 WPS 加载项和登录启动项", description="卸载 WPS 加载项。")
    remove_parser.add_argument("--no-stop", action="store_true", help="不停止正在运行的服务")
    wps.set_defaults(handler=_cmd_wps)


def _kept_original(path: Path, lost: list[str], what: str, written: Path) -> str:
    """Why the result went to a copy: rewriting ``path`` would have dropped ``lost``."""
    return f"“{path.name}”含有{'、'.join(lost)}，直接改写会丢失这些内容；原文件未改动，{what}的工作簿另存为：{written}"


def _cmd_undo(args: argparse.Namespace) -> int:
    from .safe_io import save_over
    from .undo import last_operation, open_for_undo, restore_sheets, undo_last_operation

    path = Path(args.file)
    if last_operation(path) is not None:
        entry, saved = undo_last_operation(path)
        when = entry["time"].replace("T", " ")
        print(f"已撤销“{entry['operation']}”（{when}）：“{path.name}”已恢复为该操作之前的状态"
              f"（全部工作表及其格式、筛选、下拉列表）。撤销前的文件已备份为：{saved}")
        return 0
    workbook = open_for_undo(path)
    names = restore_sheets(workbook)
    written, backup, lost = save_over(workbook, path, "_已撤销")
    if lost:
        print(_kept_original(path, lost, "恢复后", written))
        return 0
    print(f"已恢复工作表：{'、'.join(names)}（撤销前的文件已备份为：{backup}）")
    return 0


def _add_units_commands(commands) -> None:
    units = commands.add_parser("units", help="单位名录：生成空白名录、检查表中的单位名称",
                                description="单位名录相关命令。")
    actions = units.add_subparsers(dest="units_command", metavar="子命令")
    actions.required = True
    sub = actions.add_parser("init", help="生成带填写说明的空白单位名录（.xlsx 或 .csv）",
                             description="生成空白单位名录。")
    sub.add_argument("file", nargs="?", help="输出文件（.xlsx 或 .csv，默认 单位名录.xlsx）")
    sub.add_argument("-o", "--output", default="单位名录.xlsx", help="输出文件（同上，二者写一个即可）")
    sub.set_defaults(handler=_cmd_units_init)
    sub = actions.add_parser("check", help="列出任务分解表中不在单位名录里的单位名称",
                             description="检查任务分解表中的单位名称；有未知单位时退出码为 1。")
    sub.add_argument("file", help="任务分解表（.xlsx）")
    sub.add_argument("--sheet", default="任务分解", help="工作表名（默认 任务分解）")
    _add_directory_options(sub, "单位名录文件（默认用该工作簿的“单位名录”工作表）")
    sub.set_defaults(handler=_cmd_units_check)


def _add_directory_options(parser: argparse.ArgumentParser, help_text: str) -> None:
    """--units FILE or --sample-units NAME: the 单位名录 a command uses."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--units", metavar="名录文件", help=help_text)
    group.add_argument("--sample-units", choices=list(SAMPLES), help="使用内置示例单位名录")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``fenjie`` command."""
    parser = ChineseArgumentParser(
        prog="fenjie", description="FenJie 任务分解助手：把上级工作要点分解为任务分解表。")
    parser.add_argument("--version", action="version", version=f"fenjie {__version__}", help="显示版本号并退出")
    commands = parser.add_subparsers(dest="command", metavar="命令")
    commands.required = True

    sub = commands.add_parser("decompose", help="把上级要点文件分解为任务分解表（.xlsx）",
                              description="读取上级要点（.docx/.pdf/.txt/.doc/.wps；上级下发的任务分解表"
                                          "也可为 .xlsx/.xls/.et），生成任务分解表。")
    sub.add_argument("plan", help="上级要点文件")
    sub.add_argument("-o", "--output", help="输出的 .xlsx 文件（默认与要点同名同目录）")
    sub.add_argument("--granularity", choices=[g.value for g in Granularity],
                     default=Granularity.REQUIREMENT.value,
                     help="分解粒度：requirement 按具体要求拆分（默认），item 每个编号条目一行")
    _add_directory_options(sub, "单位名录（.csv 或 .xlsx 的“单位名录”工作表）")
    sub.add_argument("--map", metavar="对照表", help="上下级单位对照表（.csv/.xlsx），把上级单位换成本级单位")
    sub.add_argument("--level", default="区", help="本级单位名称的前缀（区/县/镇/街道，默认 区），用于同名对照")
    sub.add_argument("--default-deadline", default=DEFAULT_DEADLINE,
                     help=f"原文未写时限时使用的完成时限（默认 {DEFAULT_DEADLINE}）")
    sub.add_argument("--year-end", default=DEFAULT_YEAR_END,
                     help=f"原文只写“年内/年底前”时的完成时限（默认 {DEFAULT_YEAR_END}；"
                          "按惯例提前到 11月底前 以便年终总结的，写 11月底前）")
    sub.add_argument("--year", type=int, help="计划年度（默认取文件标题中的年份）")
    sub.add_argument("--expand-groups", action="store_true",
                     help="把“各委办局”等分组展开为单位名录中的各成员单位（默认保留分组）")
    sub.add_argument("--no-addressees", action="store_true",
                     help="不用通知的主送单位作为未写明主语的任务的责任单位")
    sub.set_defaults(handler=_cmd_decompose)

    _add_units_commands(commands)
    _add_mail_commands(commands)

    sub = commands.add_parser("validate", help="校验任务分解表，标出问题单元格并生成“校验结果”工作表",
                              description="校验任务分解表（.xlsx/.xlsm/.xls/.et）；有“错误”时退出码为 1。")
    sub.add_argument("file", help="任务分解表")
    sub.add_argument("--sheet", help="工作表名（默认“任务分解”或第一张有表头的工作表）")
    sub.add_argument("--json", action="store_true", help="以 JSON 输出校验结果")
    sub.add_argument("--fix", action="store_true", help="自动修正多余空格、半角标点和控制字符")
    sub.add_argument("--required", help="必填列，用、分隔（默认 序号、任务内容、责任单位、完成时限）")
    sub.add_argument("--year", type=int, help="计划年度（默认取表格标题中的年份）")
    sub.add_argument("-o", "--output", help="把标注结果写到另一个文件（默认写回原文件，原文件先备份）")
    sub.add_argument("--no-write", action="store_true", help="只输出校验结果，不改动任何文件")
    _add_directory_options(sub, "单位名录文件，用于检查单位名称")
    sub.set_defaults(handler=_cmd_validate)

    sub = commands.add_parser("render", help="按模板生成正式版式的任务分解表、工作台账或单位反馈表",
                              description="读取任务分解表，按模板（可在 Excel 中修改）生成排版好的工作簿。")
    sub.add_argument("table", help="任务分解表（.xlsx/.xls/.et，FenJie 生成的或各地已有的）")
    sub.add_argument("--template", default="任务分解表", help="模板名（任务分解表/工作台账/单位反馈表）或 .xlsx 路径")
    sub.add_argument("--template-dir", help="自定义模板文件夹（同名文件优先于内置模板）")
    sub.add_argument("--sheet", help="任务表所在工作表")
    sub.add_argument("--title", help="标题（默认取表格标题）")
    sub.add_argument("--attachment-label", default="附件", help="左上角附件标注（默认“附件”）")
    sub.add_argument("-o", "--output", help="输出文件")
    sub.set_defaults(handler=_cmd_render)

    sub = commands.add_parser("ledger", help="由任务分解表生成工作台账（带任务ID和进展列）",
                              description="由任务分解表（FenJie 生成的或各地已有的）生成工作台账。")
    sub.add_argument("table", help="任务分解表")
    sub.add_argument("-o", "--output", required=True, help="工作台账文件（.xlsx）")
    sub.add_argument("--year", type=int, help="计划年度（默认取表格标题中的年份）")
    sub.set_defaults(handler=_cmd_ledger)

    sub = commands.add_parser("split", help="下发：为每个单位生成只含本单位任务的反馈表",
                              description="按工作台账为每个单位生成任务进展反馈表。")
    sub.add_argument("ledger", help="工作台账")
    sub.add_argument("-o", "--output-dir", required=True, help="反馈表输出文件夹")
    sub.add_argument("--round", help="轮次，如“2024年第3季度”（默认为当前季度）")
    _add_directory_options(sub, "单位名录：把“各委办局”等分组展开到各成员单位")
    sub.set_defaults(handler=_cmd_split)

    sub = commands.add_parser("merge", help="回收：把各单位交回的反馈表合并进工作台账",
                              description="合并文件夹中交回的反馈表（.xlsx/.xlsm/.xls），并报告问题。")
    sub.add_argument("ledger", help="工作台账")
    sub.add_argument("folder", help="存放交回反馈表的文件夹")
    sub.add_argument("--done-by", choices=tuple(DONE_BY_CHOICES), default=None,
                     help="办结认定，台账“完成状态”列按此判断：牵头单位 或 全部责任单位（默认沿用台账上次的设定，"
                          "没有设定时为牵头单位）；生成进度汇总时请用同一设定")
    sub.set_defaults(handler=_cmd_merge)

    sub = commands.add_parser("summary", help="生成进度汇总表（红黄绿灯、图表）",
                              description="按工作台账生成进度汇总表。")
    sub.add_argument("ledger", help="工作台账")
    sub.add_argument("-o", "--output", required=True, help="进度汇总文件（.xlsx）")
    sub.add_argument("--as-of", help="统计截止日期，如 2024-09-30（默认今天）")
    sub.add_argument("--warn-days", type=int, default=15, help="临期预警天数（默认 15）")
    _add_rule_options(sub)
    sub.set_defaults(handler=_cmd_summary)

    addin = commands.add_parser("addin", help="Excel 加载项：生成、安装、卸载、查看状态",
                                description="生成和安装 FenJie 的 Excel 加载项（任务分解选项卡）。")
    actions = addin.add_subparsers(dest="addin_command", metavar="子命令")
    actions.required = True
    build = actions.add_parser("build", help="由 macros/ 中的 VBA 和 ribbon XML 生成 .xlam", description="生成 .xlam。")
    build.add_argument("-o", "--output", default="dist/fenjie.xlam", help="输出文件（默认 dist/fenjie.xlam）")
    install_parser = actions.add_parser("install", help="安装到 Excel 启动文件夹并设置 Python 解释器",
                                        description="安装加载项（Windows/macOS）。")
    install_parser.add_argument("file", nargs="?", default="dist/fenjie.xlam", help="加载项文件")
    actions.add_parser("remove", help="卸载加载项", description="卸载加载项。")
    bundle = actions.add_parser("bundle", help="生成离线安装包（Windows，不需要联网和管理员权限）",
                                description="生成一个文件夹和压缩包：加载项、Python 3.12 运行环境、全部 Windows 安装包"
                                            "（wheel）、安装.bat、卸载.bat。需要联网下载一次。")
    bundle.add_argument("-o", "--output", required=True, help="输出文件夹（须不存在或为空）")
    bundle.add_argument("--python", nargs="+", default=["3.11", "3.12"], help="目标 Python 版本（默认 3.11 3.12）")
    bundle.add_argument("--no-runtime", action="store_true",
                        help="不附带 Python 3.12 嵌入版（办公电脑用自己的 64 位 Python 3.11/3.12）")
    actions.add_parser("status", help="查看加载项、解释器和版本", description="查看加载项状态。")
    addin.set_defaults(handler=_cmd_addin)

    _add_wps_commands(commands)

    sub = commands.add_parser("doctor", help="自检：解释器、版本、配置和写入权限",
                              description="显示 Python 解释器、版本、加载项和配置的状态。")
    sub.set_defaults(handler=_cmd_doctor)

    sub = commands.add_parser("undo", help="撤销上一步：恢复 FenJie 改写前的工作表",
                              description="用 FenJie 保存的隐藏备份工作表恢复被改写的工作表。")
    sub.add_argument("file", help="工作簿（.xlsx）")
    sub.set_defaults(handler=_cmd_undo)

    sub = commands.add_parser("demo", help="用内置示例要点演示完整流程，并打印输出文件位置",
                              description="用内置的示例上级要点演示完整流程：分解 → 校验 → 正式版式 → 工作台账 → "
                                          "下发反馈表 → 示例回收 → 合并 → 进度汇总 → 邮件预览（.eml 草稿），"
                                          "并打印每一步生成的文件。")
    sub.add_argument("-o", "--output-dir", default=DEMO_DIR, help=f"输出目录（默认 {DEMO_DIR}）")
    sub.set_defaults(handler=_cmd_demo)
    return parser


# What each command is called in the undo journal and in a "file busy" message.
OPERATIONS = {"decompose": "分解上级要点", "validate": "校验", "render": "生成正式版式", "ledger": "生成工作台账",
              "split": "下发反馈表", "merge": "合并反馈", "summary": "生成进度汇总", "undo": "撤销",
              "demo": "演示", "units": "单位名录", "mail": "发送邮件", "addin": "加载项", "doctor": "自检"}


def _operation(args: argparse.Namespace) -> str:
    if args.command == "mail" and getattr(args, "mail_command", "") == "remind":
        return "发送催办提醒"
    return OPERATIONS.get(args.command, args.command)


def _locked_file(args: argparse.Namespace) -> Path | None:
    """The workbook a command reads, changes and writes back: held under its writer lock throughout."""
    if args.command in ("merge", "split") or (args.command == "mail" and args.mail_command != "preview"):
        return Path(args.ledger)
    if args.command == "validate" and not args.no_write and Path(args.file).suffix.lower() in (".xlsx", ".xlsm"):
        return Path(args.output or args.file)
    if args.command == "undo":
        return Path(args.file)
    return None


def _subject(args: argparse.Namespace) -> str:
    """The file a command works on, named in an unexpected error's message."""
    for name in ("ledger", "file", "plan", "table", "output"):
        value = getattr(args, name, None)
        if value:
            return Path(value).name
    return ""


@contextmanager
def _guarded(args: argparse.Namespace) -> Iterator[None]:
    """The command's writer lock, and office lock files of its output checked before anything is written."""
    output = getattr(args, "output", None)
    if output and args.command not in ("addin",):
        try:
            check_not_busy(Path(output))
        except FileBusyError as exc:
            raise WorkbookWriteError(str(exc)) from None
    locked = _locked_file(args)
    if locked is None:
        yield
        return
    with writer_lock(locked, _operation(args)):
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status.

    Every failure is one Chinese line on stderr and exit status 1: the engine's own
    errors as they are, anything unexpected explained by :func:`addin.errors.explain`
    (its traceback goes to the log file, never to the user).
    """
    args = build_parser().parse_args(argv)
    begin_operation(_operation(args))
    try:
        with _guarded(args):
            return args.handler(args)
    except FenJieError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the safety net: a user never sees a traceback
        log = log_traceback(f"fenjie {' '.join(sys.argv[1:] if argv is None else argv)}")
        print(f"错误：{explain(exc, _subject(args))}" + (f"详细信息已记入日志：{log}" if log else ""), file=sys.stderr)
        return 1
    finally:
        end_operation()


if __name__ == "__main__":
    sys.exit(main())
