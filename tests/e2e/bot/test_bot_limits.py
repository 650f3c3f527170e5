"""What the bot does when pushed: too many messages get one polite answer each, not a
search; with PostgreSQL gone the user hears "temporarily unavailable" and the update stays
unconfirmed in Telegram until it can be handled."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from pathlib import Path

from dependency_injector import providers

from tbot.container import Container, close_resources, configure, open_resources
from tbot.entrypoints.bot.app import open_runner
from tbot.testing.fake_telegram import FakeTelegram
from tests.conftest import KEYRING_BACKEND
from tests.e2e.bot.conftest import BotWorld


async def test_a_user_over_the_message_limit_is_told_to_wait(world: BotWorld) -> None:
    await world.runner.stop_polling()
    limited = replace(world.container.runtime(), bot_messages_per_minute=3)
    world.container.runtime.override(providers.Object(limited))
    runner = await open_runner(world.container, world.telegram.token)
    await runner.start_polling()
    try:
        tg = world.telegram
        tg.set_rate_limits(enabled=False)  # our limit is under test, not Telegram's
        user = tg.user(first_name="Chatty")
        for _ in range(4):
            tg.send_message(user, "/help")
        replies = await world.replies(user, 4)
        assert [r.text.startswith("Я — бот") for r in replies] == [True, True, True, False]
        assert replies[-1].text.startswith("Слишком много запросов. Подождите")
    finally:
        await runner.stop_polling()
        await runner.close()


async def test_with_the_database_down_the_user_hears_so_and_nothing_is_lost(
    redis_url: str, tmp_path: Path
) -> None:
    container = Container()
    configure(
        container,
        database_url="postgresql://postgres@127.0.0.1:9/nowhere",  # nothing listens there
        redis_url=redis_url,
        node_id="no-db",
        environ={},
        development=True,
        keyring_backend=KEYRING_BACKEND,
        keyring_file=str(tmp_path / "keyring.cfg"),
        redis_namespace=f"test-{uuid.uuid4().hex[:8]}",
    )
    await open_resources(container)
    try:
        async with FakeTelegram() as tg:
            container.runtime.override(
                providers.Object(replace(container.runtime(), telegram_api_url=tg.url))
            )
            runner = await open_runner(container, tg.token)
            await runner.start_polling()
            try:
                user = tg.user(first_name="Unlucky")
                tg.send_message(user, "Петров")
                [reply] = await tg.wait_sent(user.id, 1, timeout=15)
                assert reply.text == "Сервис временно недоступен. Попробуйте через минуту."
                await asyncio.sleep(0.5)
                assert tg.pending_updates == 1  # not confirmed: it comes back
                assert runner.stats.unrecorded >= 1
            finally:
                await runner.stop_polling()
                await runner.close()
            assert tg.pending_updates == 1
    finally:
        await close_resources(container)
