from __future__ import annotations

import email
import logging
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tbot.adapters.embedded.ports import LOCALHOST, free_port
from tbot.adapters.mail.smtp import LogMailer, MailDeliveryFailed, SmtpMailer

SENDER = "TBot <tbot@corp.example>"


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def only_message(self) -> EmailMessage:
        assert len(self.envelopes) == 1
        content = self.envelopes[0].content
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message


class NoSuchUser(Inbox):
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        return "550 no such user"


def _serve(handler: Inbox) -> Iterator[Controller]:
    controller = Controller(handler, hostname=LOCALHOST, port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    for controller in _serve(handler):
        yield handler, controller.port


@pytest.fixture
def refusing_server() -> Iterator[int]:
    for controller in _serve(NoSuchUser()):
        yield controller.port


def _mailer(port: int, **overrides: Any) -> SmtpMailer:
    options: dict[str, Any] = {
        "username": None,
        "password": None,
        "sender": SENDER,
        "starttls": False,
        "timeout": 5,
    }
    options.update(overrides)
    return SmtpMailer(LOCALHOST, port, **options)


async def test_russian_subject_and_body_arrive_intact(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    body = "Ваш код подтверждения: 482913\nОн действует 10 минут."
    await _mailer(port).send("ivanov@corp.example", "Код подтверждения TBot", body)

    envelope = handler.envelopes[0]
    assert envelope.rcpt_tos == ["ivanov@corp.example"]
    assert envelope.mail_from == "tbot@corp.example"
    message = handler.only_message()
    assert message["Subject"] == "Код подтверждения TBot"
    assert message["To"] == "ivanov@corp.example"
    assert message["From"] == SENDER
    assert message["Message-ID"].endswith("@corp.example>")
    assert message["Date"]
    part = message.get_body(("plain",))
    assert part is not None
    assert part.get_content().rstrip("\n") == body


async def test_refused_recipient_raises_with_the_server_reply(refusing_server: int) -> None:
    with pytest.raises(MailDeliveryFailed, match="550") as failed:
        await _mailer(refusing_server).send("nobody@corp.example", "Тема", "текст")
    assert "no such user" in str(failed.value)
    assert "nobody@corp.example" in str(failed.value)


async def test_credentials_are_not_sent_without_starttls(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    mailer = _mailer(port, username="tbot", password="pa55word-smtp", starttls=True)
    with pytest.raises(MailDeliveryFailed, match="STARTTLS") as failed:
        await mailer.send("ivanov@corp.example", "Тема", "текст")
    assert "pa55word-smtp" not in str(failed.value)
    assert handler.envelopes == []


async def test_without_credentials_starttls_is_used_only_when_offered(
    inbox: tuple[Inbox, int],
) -> None:
    handler, port = inbox
    await _mailer(port, starttls=True).send("ivanov@corp.example", "Тема", "текст")
    assert handler.only_message()["Subject"] == "Тема"


async def test_unreachable_server_raises_delivery_failed() -> None:
    with pytest.raises(MailDeliveryFailed, match="unreachable"):
        await _mailer(free_port(), timeout=2).send("ivanov@corp.example", "Тема", "текст")


async def test_log_mailer_names_recipient_and_subject_but_not_the_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="tbot.mail"):
        await LogMailer().send("ivanov@corp.example", "Код подтверждения", "Ваш код: 482913")
    [record] = [r for r in caplog.records if r.name == "tbot.mail"]
    assert record.levelno == logging.WARNING
    text = record.getMessage()
    assert "ivanov@corp.example" in text
    assert "Код подтверждения" in text
    assert "482913" not in text
