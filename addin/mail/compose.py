"""Compose each unit's message from the 单位名录 and the jinja2 templates users may edit.

Python's email package encodes the Chinese subject (RFC 2047) and attachment file
name (RFC 2231) itself; nothing here hand-rolls MIME.
"""

from __future__ import annotations

import functools
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

import jinja2

from ..errors import FenJieError
from ..render import template_dirs
from ..units.directory import UnitDirectory

ADDRESS = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
KIND_FORMS, KIND_REMINDER = "下发", "催办"


@dataclass
class MailSettings:
    """Sender and policy settings (the password is never stored here)."""

    sender_address: str
    sender_office: str = ""
    sender_phone: str = ""
    feedback_deadline: str = ""
    size_limit_mb: float = 20.0
    template_dir: str | None = None


@dataclass
class Outgoing:
    """One message to one unit, before it is sent."""

    kind: str
    unit: str
    address: str
    contact: str
    subject: str
    body: str
    attachment: Path | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def attachment_size(self) -> int:
        return self.attachment.stat().st_size if self.attachment and self.attachment.exists() else 0

    @property
    def ready(self) -> bool:
        return not self.problems


def _environment(settings: MailSettings) -> jinja2.Environment:
    return _environment_for(tuple(str(d) for d in template_dirs(settings.template_dir)))


@functools.lru_cache(maxsize=8)
def _environment_for(dirs: tuple[str, ...]) -> jinja2.Environment:
    """One environment per list of template folders, its compiled templates reused for every message.

    jinja2 still checks each file's modification time, so an edited template is picked up.
    """
    loader = jinja2.FileSystemLoader(list(dirs))
    return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=False,
                              keep_trailing_newline=False)


def render_text(settings: MailSettings, template: str, values: dict) -> str:
    """Render a mail template; a broken one is a clear error naming it."""
    try:
        return _environment(settings).get_template(template).render(**values).strip()
    except jinja2.TemplateNotFound:
        raise FenJieError(f"找不到邮件模板“{template}”。") from None
    except jinja2.TemplateError as exc:
        raise FenJieError(f"邮件模板“{template}”有误：{exc}") from None


def recipient(directory: UnitDirectory | None, unit: str) -> tuple[str, str, list[str]]:
    """(address, contact, problems) of a unit from the directory."""
    entry = directory.resolve(unit) if directory else None
    if entry is None:
        return "", "", [f"单位名录中没有“{unit}”"]
    address = entry.email.strip()
    if not address:
        return "", entry.contact, ["单位名录中没有邮箱"]
    if not ADDRESS.match(address):
        return address, entry.contact, [f"邮箱“{address}”格式不正确"]
    return address, entry.contact, []


def common_values(settings: MailSettings) -> dict:
    return {"sender_office": settings.sender_office, "sender_phone": settings.sender_phone,
            "deadline": settings.feedback_deadline, "today": date.today().strftime("%Y年%m月%d日").replace("年0", "年")
            .replace("月0", "月")}


def compose_form_mail(settings: MailSettings, directory: UnitDirectory | None, unit: str, attachment: Path,
                      task_count: int, plan_title: str, round_label: str) -> Outgoing:
    """The 下发 message of one unit, with its own workbook attached."""
    address, contact, problems = recipient(directory, unit)
    values = {**common_values(settings), "unit": unit, "contact": contact, "task_count": task_count,
              "attachment": attachment.name, "plan_title": plan_title, "round": round_label}
    outgoing = Outgoing(KIND_FORMS, unit, address, contact, render_text(settings, "邮件主题.j2", values),
                        render_text(settings, "邮件正文.j2", values), attachment, problems)
    if not attachment.exists():
        outgoing.problems.append("找不到附件")
    elif outgoing.attachment_size > settings.size_limit_mb * 1024 * 1024:
        outgoing.problems.append(f"附件超过 {settings.size_limit_mb:g} MB")
    return outgoing


def build_message(outgoing: Outgoing, settings: MailSettings) -> EmailMessage:
    """The MIME message (Chinese subject and file name encoded by the email package)."""
    message = EmailMessage()
    message["From"] = formataddr((settings.sender_office or settings.sender_address, settings.sender_address))
    message["To"] = formataddr((outgoing.contact or outgoing.unit, outgoing.address))
    message["Subject"] = outgoing.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.sender_address.split("@")[-1] or "fenjie.local")
    message.set_content(outgoing.body)
    if outgoing.attachment:
        kind = mimetypes.guess_type(outgoing.attachment.name)[0] or "application/octet-stream"
        main, sub = kind.split("/")
        message.add_attachment(outgoing.attachment.read_bytes(), maintype=main, subtype=sub,
                               filename=outgoing.attachment.name)
    return message


def file_digest(path: Path | None) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:16] if path and path.exists() else ""
