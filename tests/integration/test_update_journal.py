"""Exactly-once handling on the real database: an update is recorded as handled in the same
transaction as its handler's writes; a repeat is recognised; a failing use case inside undoes
only its own part."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tbot.container import Container
from tbot.domain.actor import Channel
from tbot.domain.errors import ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.domain.identity.users import User
from tbot.domain.telegram.updates import InboundUpdate, TelegramChat, TelegramProfile, UpdateKind

ALICE = TelegramProfile(telegram_id=5001, first_name="Alice", username="alice")
CHAT = TelegramChat(chat_id=5001, type="private", title="Alice")
CALLER = Caller.anonymous(Channel.BOT, "tg-1", name="tg:5001")


def _update(update_id: int, text_: str = "hello") -> InboundUpdate:
    return InboundUpdate(
        bot_id=42, update_id=update_id, kind=UpdateKind.MESSAGE, sender=ALICE, chat=CHAT, text=text_
    )


async def _count(connection: AsyncConnection, sql: str) -> int:
    return int((await connection.execute(text(sql))).scalar_one())


async def test_a_repeat_is_skipped_and_the_handlers_writes_commit_with_the_record(
    container: Container, connection: AsyncConnection
) -> None:
    async with container.handle_update_once()(_update(1)) as claim:
        assert claim.fresh
        await container.choose_language()(ALICE.telegram_id, "en", CALLER)
    assert claim.recorded
    async with container.handle_update_once()(_update(1)) as again:
        assert not again.fresh
    assert await _count(connection, "SELECT count(*) FROM telegram.processed_updates") == 1
    assert await _count(connection, "SELECT count(*) FROM telegram.users WHERE language='en'") == 1
    audit = "SELECT count(*) FROM core.audit_log WHERE action='telegram.language_chosen'"
    assert await _count(connection, audit) == 1


async def test_a_failing_use_case_undoes_its_part_and_the_update_still_counts(
    container: Container, connection: AsyncConnection
) -> None:
    claims = []

    async def handle() -> None:
        async with container.handle_update_once()(_update(2)) as claim:
            claims.append(claim)
            await container.choose_language()(ALICE.telegram_id, "ru", CALLER)
            await container.choose_language()(ALICE.telegram_id, "de", CALLER)  # refused

    with pytest.raises(ValidationFailed, match="validation"):
        await handle()
    assert claims[0].recorded
    assert await _count(connection, "SELECT count(*) FROM telegram.processed_updates") == 1
    assert await _count(connection, "SELECT count(*) FROM telegram.users WHERE language='ru'") == 1


async def test_an_error_after_a_use_case_keeps_what_it_committed(
    container: Container, connection: AsyncConnection
) -> None:
    async def handle() -> None:
        async with container.handle_update_once()(_update(3)):
            await container.choose_language()(ALICE.telegram_id, "en", CALLER)
            raise RuntimeError("the reply could not be rendered")

    with pytest.raises(RuntimeError):
        await handle()
    assert await _count(connection, "SELECT count(*) FROM telegram.users WHERE language='en'") == 1
    assert await _count(connection, "SELECT count(*) FROM telegram.processed_updates") == 1


async def test_a_cancelled_handling_is_not_recorded(
    container: Container, connection: AsyncConnection
) -> None:
    started = asyncio.Event()

    async def handle() -> None:
        async with container.handle_update_once()(_update(4)):
            await container.choose_language()(ALICE.telegram_id, "en", CALLER)
            started.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(handle())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _count(connection, "SELECT count(*) FROM telegram.processed_updates") == 0
    assert await _count(connection, "SELECT count(*) FROM telegram.users") == 0


async def test_text_is_logged_only_when_the_setting_says_so(
    container: Container, connection: AsyncConnection
) -> None:
    async with container.handle_update_once()(_update(5, "secret plans")):
        pass
    logged = "SELECT count(*) FROM telegram.inbound_messages WHERE text IS NULL AND kind='message'"
    assert await _count(connection, logged) == 1
    container.runtime.override(replace(container.runtime(), telegram_log_text=True))
    try:
        async with container.handle_update_once()(_update(6, "lunch?")):
            pass
    finally:
        container.runtime.reset_last_overriding()
    kept = "SELECT count(*) FROM telegram.inbound_messages WHERE text = 'lunch?'"
    assert await _count(connection, kept) == 1


async def test_the_purge_forgets_handled_updates_after_72_hours_and_messages_after_retention(
    container: Container, connection: AsyncConnection
) -> None:
    from datetime import UTC, datetime, timedelta

    from dependency_injector import providers

    from tests.unit.fakes import FakeClock

    async with container.handle_update_once()(_update(7)):
        pass
    now = datetime.now(UTC)
    container.clock.override(providers.Object(FakeClock(now + timedelta(hours=71))))
    kept = await container.purge_telegram_data()()
    assert (kept.processed_updates, kept.messages) == (0, 0)
    container.clock.override(providers.Object(FakeClock(now + timedelta(hours=73))))
    purged = await container.purge_telegram_data()()
    assert (purged.processed_updates, purged.messages) == (1, 0)  # the log keeps 30 days
    container.clock.override(providers.Object(FakeClock(now + timedelta(days=31))))
    assert (await container.purge_telegram_data()()).messages == 1
    container.clock.reset_override()
    audit = "SELECT count(*) FROM core.audit_log WHERE action='telegram.purged'"
    assert await _count(connection, audit) == 3


async def test_the_record_says_who_the_sender_is(container: Container) -> None:
    async with container.handle_update_once()(_update(20)) as stranger:
        assert stranger.sender is not None
        assert stranger.sender.account is None
        await container.choose_language()(ALICE.telegram_id, "en", CALLER)

    async with container.uow() as uow:
        await uow.users.add(
            User(
                id=None,
                display_name="Alice",
                email="alice@corp.example",
                roles=("employee",),
                telegram_id=ALICE.telegram_id,
                employee_id=77,
            )
        )
        await uow.commit()
    async with container.handle_update_once()(_update(21)) as known:
        pass
    assert known.sender is not None
    assert known.sender.chosen_language == "en"
    account = known.sender.account
    assert account is not None
    assert (account.email, account.employee_id, account.roles) == (
        "alice@corp.example",
        77,
        ("employee",),
    )
    assert Permission.DIRECTORY_READ in account.permissions
    assert not account.blocked
    async with container.handle_update_once()(_update(21)) as again:
        assert not again.fresh


async def test_a_senders_new_name_is_kept_at_once(
    container: Container, connection: AsyncConnection
) -> None:
    async with container.handle_update_once()(_update(30)):
        pass
    renamed = replace(_update(31), sender=replace(ALICE, username="alice_w"))
    async with container.handle_update_once()(renamed):
        pass
    stored = "SELECT count(*) FROM telegram.users WHERE username = 'alice_w'"
    assert await _count(connection, stored) == 1
