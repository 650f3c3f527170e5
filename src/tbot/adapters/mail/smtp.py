from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from tbot.adapters.observability.logging import redactor


class MailDeliveryFailed(Exception):
    """The SMTP server could not be reached or refused the mail; carries its reply."""


class SmtpMailer:
    """Plain smtplib in a worker thread: no extra dependency, and the blocking dialogue
    (DNS, TLS handshake, server replies) stays off the event loop."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None,
        password: str | None,
        sender: str,
        starttls: bool = True,
        timeout: float = 10,
    ) -> None:
        self._host = host
        self._port = port
        self._username = username
        self._password = password
        self._sender = sender
        self._starttls = starttls
        self._timeout = timeout
        redactor.register(password)

    async def send(self, to: str, subject: str, body: str) -> None:
        message = self._message(to, subject, body)
        try:
            await asyncio.to_thread(self._deliver, message)
        except smtplib.SMTPException as exc:
            raise MailDeliveryFailed(
                self._scrub(f"{self._where} refused mail to {to}: {_reply(exc)}")
            ) from None
        except OSError as exc:
            raise MailDeliveryFailed(self._scrub(f"{self._where} unreachable: {exc}")) from None

    @property
    def _where(self) -> str:
        return f"SMTP server {self._host}:{self._port}"

    def _message(self, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()  # policy.default: RFC 2047 headers, refuses CR/LF in them
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=True)
        # An explicit domain: make_msgid() would otherwise ask DNS for this host's FQDN.
        domain = parseaddr(self._sender)[1].rpartition("@")[2] or "localhost"
        message["Message-ID"] = make_msgid(domain=domain)
        # base64 is 7-bit clean, so a relay without 8BITMIME cannot mangle Cyrillic text.
        message.set_content(body, charset="utf-8", cte="base64")
        return message

    def _deliver(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            smtp.ehlo()
            if self._starttls and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            elif self._starttls and self._username:
                # The credentials would cross the network in clear text.
                raise smtplib.SMTPNotSupportedError("STARTTLS not offered; login refused")
            if self._username:
                smtp.login(self._username, self._password or "")
            smtp.send_message(message)

    def _scrub(self, text: str) -> str:
        # Defence in depth: a server echoing the AUTH exchange must not leak the password.
        if self._password:
            text = text.replace(self._password, "[redacted]")
        return text


def _reply(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_text(reply)}" for address, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


class LogMailer:
    """Stands in when no SMTP server is configured: says a mail would have gone out, to whom
    and about what. Never the body: it carries verification codes."""

    def __init__(self, logger_name: str = "tbot.mail") -> None:
        self._log = logging.getLogger(logger_name)

    async def send(self, to: str, subject: str, body: str) -> None:
        self._log.warning(
            "mail not sent, no SMTP server configured; it would go to=%s subject=%r", to, subject
        )
