"""Compose each unit's message from the 单位名录 and the jinja2 templates users may edit.

Python's email package encodes the Chinese subject (RFC 2047) and the attachment's
file name (RFC 2231, ``filename*=``). Several clients (Outlook over POP/IMAP, some
web mail) ignore RFC 2231 and show "ATT00001": they read ``name=`` on Content-Type
as an RFC 2047 encoded word, which the email package never writes (and refolds
away when given one). :class:`MailPolicy` keeps that one header as written.
"""

from __future__ import annotations

import functools
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import date
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

import jinja2

from ..errors import FenJieError
from ..render import template_dirs
from ..typography import chinese_punctuation
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


def mail_text(settings: MailSettings, template: str, values: dict) -> str:
    """A rendered subject or body in Chinese typography (full-width punctuation)."""
    return chinese_punctuation(render_text(settings, template, values))


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


def chinese_date(value: date | str) -> str:
    """"2024年10月10日" for a date or an ISO date text ("2024-10-10"); other text as written."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})\s*", value)
        if not match:
            return value.strip()
        value = date(*(int(g) for g in match.groups()))
    return f"{value.year}年{value.month}月{value.day}日"


_TITLES = ("同志", "主任", "科长", "处长", "局长", "部长", "书记", "老师", "先生", "女士")


def salutation(unit: str, contact: str) -> str:
    """"张三同志" for a contact (as written when it already has a title, "王科长"), else the unit."""
    contact = contact.strip()
    if not contact:
        return unit
    return contact if contact.endswith(_TITLES) else f"{contact}同志"


def common_values(settings: MailSettings) -> dict:
    return {"sender_office": settings.sender_office, "sender_phone": settings.sender_phone,
            "deadline": chinese_date(settings.feedback_deadline), "today": chinese_date(date.today())}


def compose_form_mail(settings: MailSettings, directory: UnitDirectory | None, unit: str, attachment: Path,
                      task_count: int, plan_title: str, round_label: str) -> Outgoing:
    """The 下发 message of one unit, with its own workbook attached."""
    address, contact, problems = recipient(directory, unit)
    values = {**common_values(settings), "unit": unit, "contact": contact, "task_count": task_count,
              "salutation": salutation(unit, contact),
              "attachment": attachment.name, "plan_title": plan_title, "round": round_label}
    outgoing = Outgoing(KIND_FORMS, unit, address, contact, mail_text(settings, "邮件主题.j2", values),
                        mail_text(settings, "邮件正文.j2", values), attachment, problems)
    if not attachment.exists():
        outgoing.problems.append("找不到附件")
    elif outgoing.attachment_size > settings.size_limit_mb * 1024 * 1024:
        outgoing.problems.append(f"附件超过 {settings.size_limit_mb:g} MB")
    return outgoing


class MailPolicy(EmailPolicy):
    """The default policy, except that a Content-Type carrying an encoded word stays as written.

    The email package would re-encode the parameter as RFC 2231 (``name*0*=``),
    which is what the fallback is for.
    """

    @staticmethod
    def _verbatim(name: str, value: object) -> bool:
        return name.lower() == "content-type" and isinstance(value, str) and "=?" in value

    def header_store_parse(self, name, value):
        return (name, value) if self._verbatim(name, value) else super().header_store_parse(name, value)

    def fold(self, name, value):
        if self._verbatim(name, value):
            return f"{name}: " + self.linesep.join(value.splitlines()) + self.linesep
        return super().fold(name, value)

    def fold_binary(self, name, value):
        return self.fold(name, value).encode("ascii") if self._verbatim(name, value) else \
            super().fold_binary(name, value)


MAIL_POLICY = MailPolicy()


def encoded_name(name: str) -> str:
    """``name`` as RFC 2047 encoded words (UTF-8, base64), one per folded line."""
    if name.isascii():
        return name
    return Header(name, "utf-8", maxlinelen=76).encode(linesep="\n ")


def _name_fallback(part: EmailMessage, file_name: str) -> None:
    """``name="=?utf-8?b?…?="`` on the part's Content-Type, for clients that ignore RFC 2231."""
    kind = part.get_content_type()
    del part["Content-Type"]
    part["Content-Type"] = f'{kind};\n name="{encoded_name(file_name)}"'


def build_message(outgoing: Outgoing, settings: MailSettings) -> EmailMessage:
    """The MIME message: Chinese subject encoded, the attachment named both ways (RFC 2231 and 2047)."""
    message = EmailMessage(policy=MAIL_POLICY)
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
        _name_fallback(list(message.iter_attachments())[-1], outgoing.attachment.name)
    return message


def file_digest(path: Path | None) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:16] if path and path.exists() else ""
