"""Preview, send exactly once, and keep a record.

Each attempt is appended to a journal file beside the ledger the moment it ends
(``台账.发送日志.jsonl``), so a crash or a dropped connection loses nothing; a
resumed run skips every unit already sent for the same round and kind. The
journal is also copied into the ledger's 发送记录 sheet.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

from ..cells import append_text
from ..errors import FenJieError
from ..progress.ledger import load_ledger
from ..progress.merge import read_return
from ..progress.status import RED, SILENT, YELLOW, Rules, reminders, settled
from ..safe_io import write_atomically
from ..undo import backup_sheet
from ..units.directory import UnitDirectory
from .compose import (
    KIND_FORMS,
    KIND_REMINDER,
    MailSettings,
    Outgoing,
    build_message,
    chinese_date,
    common_values,
    compose_form_mail,
    file_digest,
    mail_text,
    recipient,
    salutation,
)
from .transports import DeliveryError, DeliveryUnknown

SHEET_LOG = "发送记录"
LOG_HEADERS = ("时间", "类型", "轮次", "单位", "邮箱", "Message-ID", "结果", "说明", "附件")
OK = "成功"
UNCONFIRMED = "待确认"
_LINE_BREAK = re.compile(r"[\r\n\x00-\x08\x0b\x0c\x0e-\x1f]")


def journal_path(ledger_path: str | Path) -> Path:
    ledger_path = Path(ledger_path)
    return ledger_path.with_name(f"{ledger_path.stem}.发送日志.jsonl")


def read_journal(ledger_path: str | Path) -> list[dict]:
    path = journal_path(ledger_path)
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short by a crash
    return entries


def _append_journal(ledger_path: str | Path, entry: dict) -> None:
    with journal_path(ledger_path).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        handle.flush()


def plan_form_mails(ledger_path: str | Path, forms_dir: str | Path, directory: UnitDirectory | None,
                    settings: MailSettings) -> list[Outgoing]:
    """One 下发 message per feedback workbook of the ledger's current round in ``forms_dir``."""
    ledger = load_ledger(ledger_path)
    folder = Path(forms_dir)
    if not folder.is_dir():
        raise FenJieError(f"找不到反馈表文件夹“{folder}”。")
    forms = {}
    for path in sorted(folder.glob("*.xlsx")):
        if ".备份-" in path.name or path.name.startswith(("~$", ".~")):
            continue  # backups of earlier forms and temporary files are never mailed
        form = read_return(path)
        if form and form.meta.get("台账编号") == ledger.id and form.meta.get("轮次") == ledger.round:
            forms[form.meta["单位"]] = (path, len(form.rows))
    plan_title = ledger.title.removesuffix("工作台账")
    outgoing = []
    for unit in ledger.expected_units or list(forms):
        if unit in forms:
            path, count = forms[unit]
            outgoing.append(compose_form_mail(settings, directory, unit, path, count, plan_title, ledger.round))
        else:
            address, contact, problems = recipient(directory, unit)
            problems = [*problems, "找不到本单位的反馈表"]
            outgoing.append(Outgoing(KIND_FORMS, unit, address, contact, "", "", None, problems))
    return check_headers(outgoing, settings)


def check_headers(outgoing: list[Outgoing], settings: MailSettings) -> list[Outgoing]:
    """Refuse line breaks in what becomes a mail header, before anything is sent.

    A line break in a header is header injection (an extra Bcc:) and makes Python's
    email package raise half-way through a run; a message with one is 未发送 with
    the reason, and a sender setting with one stops the run.

    Raises:
        FenJieError: a sender setting holds a line break.
    """
    senders = (("发件人邮箱（--from）", settings.sender_address), ("发件单位（--office）", settings.sender_office))
    for label, value in senders:
        if _LINE_BREAK.search(value or ""):
            raise FenJieError(f"{label}“{value!r}”中有换行或控制字符，不能写入邮件头：请改正后再发送。")
    for item in outgoing:
        for label, value in (("单位名称", item.unit), ("联系人", item.contact), ("邮箱", item.address),
                             ("邮件主题", item.subject)):
            if _LINE_BREAK.search(value or ""):
                item.problems.append(f"{label}中有换行或控制字符，不能写入邮件头（{value[:30]!r}）")
    return outgoing


def plan_reminders(ledger_path: str | Path, directory: UnitDirectory | None, settings: MailSettings,
                   as_of: date, warn_days: int = 15, rules: Rules | None = None) -> list[Outgoing]:
    """三色督办: one reminder per unit with red or yellow tasks it leads or is responsible for.

    The tasks come from :func:`addin.progress.status.reminders`, the computation the
    进度汇总 uses: a task the summary shows green is never in a reminder.
    """
    ledger = load_ledger(ledger_path)
    rules = settled(rules or Rules(warn_days=warn_days), ledger)
    plan_title = ledger.title.removesuffix("工作台账")
    outgoing = []
    for unit, items in reminders(ledger, as_of, rules).items():
        tasks = [{"light": own.light, "name": task.name, "content": task.content, "deadline": task.deadline,
                  "due": chinese_date(own.due) if own.due else "", "due_iso": own.due.isoformat() if own.due else "",
                  "state": own.state if own.state != SILENT else "本单位未反馈",
                  "pace": own.pace, "percent": "" if own.percent is None else f"{own.percent:g}%",
                  "elapsed": "" if own.elapsed is None else f"{own.elapsed:g}%"} for task, own, _ in items]
        tasks.sort(key=lambda t: (t["light"] != RED, t["due_iso"]))
        address, contact, problems = recipient(directory, unit)
        values = {**common_values(settings), "unit": unit, "contact": contact, "tasks": tasks, "plan_title": plan_title,
                  "salutation": salutation(unit, contact),
                  "as_of": chinese_date(as_of), "warn_days": rules.warn_days,
                  "red_count": sum(t["light"] == RED for t in tasks),
                  "yellow_count": sum(t["light"] == YELLOW for t in tasks)}
        outgoing.append(Outgoing(KIND_REMINDER, unit, address, contact, mail_text(settings, "催办主题.j2", values),
                                 mail_text(settings, "催办正文.j2", values), None, problems))
    return check_headers(outgoing, settings)


def preview_rows(outgoing: list[Outgoing]) -> list[list[object]]:
    """Rows of the 邮件预览: unit, address, subject, attachment, size, problems."""
    return [[o.unit, o.address, o.subject, o.attachment.name if o.attachment else "",
             f"{o.attachment_size / 1024:.0f} KB" if o.attachment else "", "；".join(o.problems) or "可发送"]
            for o in outgoing]


@dataclass
class SendResult:
    unit: str
    result: str  # 成功 / 跳过 / 失败 / 未发送 / 待确认
    detail: str = ""


def _last_outcome(entries: list[dict], kind: str, round_label: str, unit: str, digest: str) -> str:
    """成功 or 待确认 when this message was sent (or maybe sent) before, else ""."""
    outcomes = [e.get("结果") for e in entries
                if e.get("类型") == kind and e.get("轮次") == round_label and e.get("单位") == unit
                and (kind != KIND_FORMS or e.get("附件摘要") == digest) and e.get("结果") in (OK, UNCONFIRMED)]
    return OK if OK in outcomes else outcomes[-1] if outcomes else ""


def send_all(ledger_path: str | Path, outgoing: list[Outgoing], transport, settings: MailSettings,
             round_label: str = "", resend_unconfirmed: bool = False) -> list[SendResult]:
    """Send every ready message once; failures are recorded and do not stop the others.

    Raises:
        FenJieError: the transport itself failed (server gone twice); everything sent
            before is already in the journal, so running again resumes.
    """
    round_label = round_label or load_ledger(ledger_path).round
    entries = read_journal(ledger_path)
    results = []
    try:
        for item in outgoing:
            results.append(_send_one(ledger_path, item, transport, settings, round_label, entries,
                                     resend_unconfirmed))
    finally:
        transport.close()
        _copy_journal_to_ledger(ledger_path)
    return results


def _send_one(ledger_path, item: Outgoing, transport, settings, round_label: str, entries,
              resend_unconfirmed: bool = False) -> SendResult:
    digest = file_digest(item.attachment)
    if not item.ready:
        return SendResult(item.unit, "未发送", "；".join(item.problems))
    before = _last_outcome(entries, item.kind, round_label, item.unit, digest)
    if before == OK:
        return SendResult(item.unit, "跳过", "本轮已发送")
    if before == UNCONFIRMED and not resend_unconfirmed:
        return SendResult(item.unit, UNCONFIRMED,
                          "上次发送结果未知，未重发：请向对方确认；确需重发请加 --resend-unconfirmed")
    message = build_message(item, settings)
    entry = {"时间": datetime.now().isoformat(timespec="seconds"), "类型": item.kind, "轮次": round_label,
             "单位": item.unit, "邮箱": item.address, "Message-ID": message["Message-ID"], "方式": transport.name,
             "附件": item.attachment.name if item.attachment else "", "附件摘要": digest}
    try:
        label = round_label + ("_催办" if item.kind == KIND_REMINDER else "")
        detail = transport.deliver(message, item.unit, label)
    except DeliveryUnknown as exc:
        _append_journal(ledger_path, {**entry, "结果": UNCONFIRMED, "说明": str(exc)})
        entries.append({**entry, "结果": UNCONFIRMED})
        return SendResult(item.unit, UNCONFIRMED, str(exc))
    except DeliveryError as exc:
        _append_journal(ledger_path, {**entry, "结果": "失败", "说明": str(exc)})
        return SendResult(item.unit, "失败", str(exc))
    _append_journal(ledger_path, {**entry, "结果": OK, "说明": detail if transport.name == "eml" else ""})
    entries.append({**entry, "结果": OK})
    return SendResult(item.unit, OK, detail)


def _copy_journal_to_ledger(ledger_path: str | Path) -> None:
    """Mirror the journal into the ledger's 发送记录 sheet (skipped quietly if the ledger is open)."""
    path = Path(ledger_path)
    entries = read_journal(path)
    if not entries:
        return
    try:
        workbook = load_workbook(path)
        if SHEET_LOG in workbook.sheetnames:
            backup_sheet(workbook, SHEET_LOG)
            del workbook[SHEET_LOG]
        sheet = workbook.create_sheet(SHEET_LOG)
        sheet.append(list(LOG_HEADERS))
        for e in entries:
            append_text(sheet, [e.get("时间"), e.get("类型"), e.get("轮次"), e.get("单位"), e.get("邮箱"),
                          e.get("Message-ID"), e.get("结果"), e.get("说明", ""), e.get("附件", "")])
        write_atomically(path, lambda temp: workbook.save(temp))
    except FenJieError:
        pass  # the journal file keeps the record; the sheet catches up on the next send
