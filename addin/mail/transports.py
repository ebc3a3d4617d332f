"""Three ways out: .eml files (default), SMTP (SSL or STARTTLS, login), Outlook drafts.

The SMTP password comes from the environment variable FENJIE_SMTP_PASSWORD or the
system keyring (service "fenjie-smtp"); it is never written to a workbook or a log.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import sys
from email.message import EmailMessage
from pathlib import Path

from ..errors import FenJieError
from ..safe_io import write_atomically
from .split_names import eml_name

PASSWORD_ENV = "FENJIE_SMTP_PASSWORD"
KEYRING_SERVICE = "fenjie-smtp"


class DeliveryError(FenJieError):
    """One message could not be delivered (the others go on)."""


class EmlTransport:
    """Write each message as an .eml file the user sends from any mail client."""

    name = "eml"

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def deliver(self, message: EmailMessage, unit: str, label: str = "") -> str:
        """Write the message as a draft: ``X-Unsent: 1`` makes Outlook open it ready to send."""
        if "X-Unsent" not in message:
            message["X-Unsent"] = "1"
        path = self.folder / eml_name(unit, label)
        write_atomically(path, lambda temp: temp.write_bytes(bytes(message)), backup=False)
        return str(path)

    def close(self) -> None:
        """Nothing to close."""


def smtp_password(username: str) -> str:
    """The SMTP password from the environment or the keyring, or a clear error."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    try:
        import keyring  # optional: not every office machine has it

        stored = keyring.get_password(KEYRING_SERVICE, username)
    except Exception:  # noqa: BLE001 - no keyring backend is the same as no password
        stored = None
    if stored:
        return stored
    raise FenJieError(
        f"未提供邮箱密码：请设置环境变量 {PASSWORD_ENV}，或用系统钥匙串保存（服务名 {KEYRING_SERVICE}）。")


class SmtpTransport:
    """Send through an SMTP server; reconnects once when the server drops the connection."""

    name = "smtp"

    def __init__(self, host: str, port: int, security: str = "starttls", username: str = "",
                 password: str | None = None, timeout: float = 30) -> None:
        self.host, self.port, self.security = host, port, security
        self.username = username
        self.password = password if password is not None or not username else smtp_password(username)
        self.timeout = timeout
        self.client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        try:
            if self.security == "ssl":
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password or "")
            return client
        except smtplib.SMTPAuthenticationError:
            raise FenJieError(f"邮件服务器 {self.host} 拒绝登录：请检查用户名和密码。") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise FenJieError(f"无法连接邮件服务器 {self.host}:{self.port}：{exc}") from None

    def deliver(self, message: EmailMessage, unit: str, label: str = "") -> str:
        for attempt in (1, 2):
            if self.client is None:
                self.client = self._connect()
            try:
                refused = self.client.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                raise DeliveryError(f"收件人被服务器拒收：{', '.join(exc.recipients)}") from None
            except (smtplib.SMTPServerDisconnected, ConnectionError, smtplib.SMTPSenderRefused) as exc:
                self.client = None
                if attempt == 2:
                    raise FenJieError(
                        f"邮件服务器断开连接：{exc}。已发送的记录已保存，稍后重新发送会自动跳过。") from None
                continue
            except smtplib.SMTPDataError as exc:
                raise DeliveryError(f"服务器拒收邮件：{exc.smtp_code} {exc.smtp_error!r}") from None
            if refused:
                raise DeliveryError(f"部分收件人被拒收：{', '.join(refused)}")
            return message["Message-ID"]
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.client = None


class OutlookTransport:
    """Save each message as a draft in the user's Outlook (Windows, pywin32)."""

    name = "outlook"

    def __init__(self) -> None:
        if sys.platform != "win32":
            raise FenJieError("Outlook 草稿只能在装有 Outlook 的 Windows 电脑上使用：请改用 .eml 文件或 SMTP。")
        try:
            import win32com.client  # pywin32, Windows only
        except ImportError:
            raise FenJieError("未安装 pywin32，无法连接 Outlook：请运行 pip install pywin32。") from None
        self.outlook = win32com.client.Dispatch("Outlook.Application")

    def deliver(self, message: EmailMessage, unit: str, label: str = "") -> str:
        import tempfile

        mail = self.outlook.CreateItem(0)
        mail.To, mail.Subject = message["To"], message["Subject"]
        mail.Body = message.get_body(("plain",)).get_content()
        for part in message.iter_attachments():
            folder = Path(tempfile.mkdtemp(prefix="fenjie-"))
            path = folder / part.get_filename()
            path.write_bytes(part.get_payload(decode=True))
            mail.Attachments.Add(str(path))
        mail.Save()
        return message["Message-ID"]

    def close(self) -> None:
        """Drafts stay in Outlook."""
