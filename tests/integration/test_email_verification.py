"""Telegram email verification end to end: a real SMTP server (aiosmtpd) receives the code,
the real database keeps its hash, and the code shows up nowhere else."""

from __future__ import annotations

import email
import logging
import re
from collections.abc import Iterator
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from dependency_injector import providers
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tbot.adapters.embedded.ports import free_port
from tbot.adapters.mail.smtp import SmtpMailer
from tbot.adapters.observability.logging import configure_logging
from tbot.application.identity.policy import IdentityPolicy
from tbot.container import Container
from tbot.domain.actor import Channel
from tbot.domain.errors import RateLimited, ValidationFailed
from tbot.domain.identity.caller import Caller
from tests.unit.fakes import FakeClock

BOT = Caller.anonymous(Channel.BOT, "upd-1", name="telegram:100500")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
        return "250 OK"

    def last_code(self) -> str:
        body = self.messages[-1].get_body(("plain",))
        assert body is not None
        match = re.search(r"\b(\d{6})\b", body.get_content())
        assert match
        return match.group(1)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port  # type: ignore[attr-defined]
    yield inbox
    controller.stop()


@pytest.fixture
def clock() -> FakeClock:
    from datetime import UTC, datetime

    return FakeClock(datetime.now(UTC))


@pytest.fixture
def wired(container: Container, inbox: Inbox, clock: FakeClock) -> Container:
    mailer = SmtpMailer("127.0.0.1", inbox.port, username=None, password=None,  # type: ignore[attr-defined]
                        sender="tbot@corp.example", starttls=False)  # fmt: skip
    container.mailer.override(providers.Object(mailer))
    container.clock.override(providers.Object(clock))
    container.identity_policy.override(
        providers.Object(IdentityPolicy(allowed_email_domains=("corp.example",)))
    )
    return container


async def test_code_arrives_wrong_code_counts_success_links(
    wired: Container, inbox: Inbox, connection: AsyncConnection, tmp_path: Path
) -> None:
    log_file = tmp_path / "tbot.log"
    configure_logging(log_file=log_file, level="DEBUG", node_id="n1")
    await wired.start_email_verification()(100500, "Petrov@corp.example", BOT)
    (mail,) = inbox.messages
    assert mail["To"] == "petrov@corp.example"
    assert "код подтверждения" in str(mail["Subject"])
    code = inbox.last_code()
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationFailed, match="4 attempt"):
        await wired.confirm_email_verification()(100500, wrong, BOT)
    user = await wired.confirm_email_verification()(100500, code, BOT)
    assert user.telegram_id == 100500
    assert user.email == "petrov@corp.example"
    assert user.roles == ("employee",)

    audit = (
        await connection.execute(text("SELECT action, before, after FROM core.audit_log"))
    ).all()
    actions = [row.action for row in audit]
    assert actions == ["verification.sent", "verification.failed", "verification.succeeded"]
    stored = (await connection.execute(text("SELECT * FROM core.email_verifications"))).all()
    assert stored == []  # spent
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert code not in repr(audit)
    assert code not in log_file.read_text()


async def test_expired_code_is_refused(wired: Container, inbox: Inbox, clock: FakeClock) -> None:
    await wired.start_email_verification()(7, "a.b@corp.example", BOT)
    clock.advance(10 * 60 + 1)
    with pytest.raises(ValidationFailed, match="expired"):
        await wired.confirm_email_verification()(7, inbox.last_code(), BOT)


async def test_five_wrong_codes_lock_then_cool_down(
    wired: Container, inbox: Inbox, clock: FakeClock
) -> None:
    await wired.start_email_verification()(8, "c.d@corp.example", BOT)
    code = inbox.last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(ValidationFailed):
            await wired.confirm_email_verification()(8, wrong, BOT)
    with pytest.raises(RateLimited):
        await wired.confirm_email_verification()(8, wrong, BOT)
    with pytest.raises(RateLimited):
        await wired.confirm_email_verification()(8, code, BOT)
    clock.advance(16 * 60)
    with pytest.raises(ValidationFailed, match="expired"):
        await wired.confirm_email_verification()(8, code, BOT)
