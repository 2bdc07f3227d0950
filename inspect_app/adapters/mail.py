"""E-mail at the edge: the only module that imports smtplib and email, so the rest speaks of messages to people.

Why the standard library and not Flask-Mail or Flask-Mailman: we send plain-text messages from a command and from
the housekeeping thread, outside any request, with one connection per run; smtplib and email.message already do
that, including STARTTLS, login and UTF-8 headers (a Chinese subject goes out RFC 2047-encoded). Flask-Mail
(0.10) wraps the same smtplib behind an app extension and its own Message class and adds nothing we use;
Flask-Mailman ports Django's mail API, again on smtplib, with backends we do not need; both would be one more
dependency to keep up with for no behaviour of ours. Tests talk to a real SMTP server (aiosmtpd) on localhost.
"""

from __future__ import annotations

import smtplib
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any, Iterator, Mapping


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused a message; the message says which, in Chinese."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send; built from the app's SMTP_* settings."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: int = 30

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """The settings, or None when no SMTP server is configured (then nothing is ever sent)."""
        if not config.get("SMTP_HOST"):
            return None
        return cls(
            host=config["SMTP_HOST"],
            port=config["SMTP_PORT"],
            sender=config["SMTP_FROM"],
            user=config.get("SMTP_USER"),
            password=config.get("SMTP_PASSWORD"),
            starttls=bool(config.get("SMTP_STARTTLS")),
            timeout_s=config.get("SMTP_TIMEOUT_SECONDS", 30),
        )


@dataclass(frozen=True)
class Mail:
    """One plain-text message to one person."""

    to_address: str
    to_name: str
    subject: str
    body: str


def _message(settings: SmtpSettings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr(("12315服务站验收系统", settings.sender))
    message["To"] = formataddr((mail.to_name, mail.to_address))
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(mail.body, charset="utf-8")
    return message


class Outbox:
    """An open connection to the SMTP server; `send` delivers one message or raises MailError."""

    def __init__(self, settings: SmtpSettings, connection: smtplib.SMTP) -> None:
        self._settings = settings
        self._connection = connection

    def send(self, mail: Mail) -> None:
        try:
            self._connection.send_message(_message(self._settings, mail))
        except smtplib.SMTPRecipientsRefused as error:
            raise MailError(f"邮件服务器拒收收件人 {mail.to_address}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(f"发送给 {mail.to_address} 的邮件失败：{error}") from error


@contextmanager
def outbox(settings: SmtpSettings) -> Iterator[Outbox]:
    """A connection for one run of sending (one login for many messages), closed afterwards."""
    try:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    except OSError as error:
        raise MailError(f"无法连接邮件服务器 {settings.host}:{settings.port}：{error}") from error
    try:
        try:
            if settings.starttls:
                connection.starttls(context=ssl.create_default_context())
            if settings.user:
                connection.login(settings.user, settings.password or "")
        except smtplib.SMTPAuthenticationError as error:
            raise MailError("邮件服务器拒绝了SMTP_USER和SMTP_PASSWORD") from error
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(f"邮件服务器 {settings.host}:{settings.port} 握手失败：{error}") from error
        yield Outbox(settings, connection)
    finally:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()
