"""The bot end to end, in one process: the real aiogram Dispatcher and our BotRunner poll the
fake Bot API over HTTP; the container works on a real PostgreSQL database of its own and a
real Redis; verification codes go through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from dependency_injector import providers

from tbot.adapters.embedded.ports import free_port
from tbot.adapters.mail.smtp import SmtpMailer
from tbot.adapters.security.jwt_codec import generate_signing_key
from tbot.application.directory.drafts import DepartmentDraft, EmployeeDraft, WorkstationDraft
from tbot.application.identity.policy import IdentityPolicy
from tbot.bootstrap import prepare_identity
from tbot.container import Container, close_resources, open_resources
from tbot.domain.identity.caller import Caller
from tbot.entrypoints.bot.app import open_runner
from tbot.entrypoints.bot.runner import BotRunner
from tbot.testing.fake_telegram import FakeTelegram, FakeUser
from tests.conftest import configured_container

DOMAIN = "corp.example"
MESSAGES = {"sendMessage", "editMessageText", "sendContact"}
OPERATOR = Caller.operator("test")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
        return "250 OK"

    def code_for(self, address: str) -> str:
        for message in reversed(self.messages):
            if message["To"] == address:
                body = message.get_body(("plain",))
                assert body is not None
                found = re.search(r"\b(\d{6})\b", body.get_content())
                assert found
                return found.group(1)
        raise AssertionError(f"no mail to {address}")


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@dataclass
class BotWorld:
    container: Container
    telegram: FakeTelegram
    runner: BotRunner
    inbox: Inbox

    async def verify(self, user: FakeUser, address: str) -> None:
        """The whole dialog: email, code from the mail, welcome."""
        self.telegram.send_message(user, address)
        await self.replies(user, 1)
        self.telegram.send_message(user, self.inbox.code_for(address))
        await self.replies(user, 1)

    async def replies(self, user: FakeUser | int, count: int, timeout: float = 10.0) -> list[Any]:
        """The next `count` messages (sent, edited, contacts) the bot made in the chat since
        this was last asked; answers to button presses are not counted."""
        chat_id = user if isinstance(user, int) else user.id
        seen = self._seen.get(chat_id, 0)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            said = [r for r in self.telegram.sent(chat_id) if r.method in MESSAGES]
            if len(said) >= seen + count:
                break
            if asyncio.get_running_loop().time() > deadline:
                texts = [r.text for r in said[seen:]]
                raise TimeoutError(f"wanted {count} messages, got {len(texts)}: {texts}")
            await asyncio.sleep(0.02)
        self._seen[chat_id] = seen + count
        return said[seen : seen + count]

    def __post_init__(self) -> None:
        self._seen: dict[int, int] = {}


@pytest.fixture
async def world(
    fresh_database_url: str, redis_url: str, tmp_path: Path, inbox: tuple[Inbox, int]
) -> AsyncIterator[BotWorld]:
    mails, smtp_port = inbox
    container = configured_container(
        fresh_database_url, redis_url, tmp_path / "keyring.cfg", node_id="bot-test"
    )
    await open_resources(container)
    await container.secret_store().set("jwt_signing_key", generate_signing_key())
    await prepare_identity(container)
    mailer = SmtpMailer("127.0.0.1", smtp_port, username=None, password=None,
                        sender=f"tbot@{DOMAIN}", starttls=False)  # fmt: skip
    container.mailer.override(providers.Object(mailer))
    container.identity_policy.override(
        providers.Object(IdentityPolicy(allowed_email_domains=(DOMAIN,)))
    )
    async with FakeTelegram() as telegram:
        await container.secret_store().set("bot_token", telegram.token)
        container.runtime.override(
            providers.Object(replace(container.runtime(), telegram_api_url=telegram.url))
        )
        runner = await open_runner(container, telegram.token)
        await runner.start_polling()
        try:
            yield BotWorld(container, telegram, runner, mails)
        finally:
            await runner.stop_polling()
            await runner.close()
    await close_resources(container)


async def add_employee(container: Container, **fields: Any) -> int:
    employee = await container.create_employee()(EmployeeDraft(**fields), OPERATOR)
    assert employee.id is not None
    return employee.id


async def add_department(container: Container, name: str) -> None:
    await container.create_department()(DepartmentDraft(name), OPERATOR)


async def add_workstation(container: Container, hostname: str, *addresses: str) -> None:
    await container.create_workstation()(WorkstationDraft(hostname, addresses), OPERATOR)
