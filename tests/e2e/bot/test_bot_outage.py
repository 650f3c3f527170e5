"""Redis gone while an update is handled: the update is not recorded, the user hears
"temporarily unavailable" once, and the same update is answered once Redis is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from dependency_injector import providers
from sqlalchemy import text

from tbot.container import Container, close_resources, open_resources
from tbot.entrypoints.bot.app import open_runner
from tbot.testing.fake_telegram import FakeTelegram
from tests.conftest import configured_container
from tests.integration.redis_proxy import RedisProxy, redis_proxy

UNAVAILABLE = "Сервис временно недоступен. Попробуйте через минуту."


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[RedisProxy]:
    async with redis_proxy(redis_url) as proxy:
        yield proxy


@pytest.fixture
async def container(
    fresh_database_url: str, redis_url: str, proxy: RedisProxy, tmp_path: Path
) -> AsyncIterator[Container]:
    container = configured_container(fresh_database_url, proxy.url(redis_url), tmp_path / "k.cfg")
    await open_resources(container)
    yield container
    await close_resources(container)


async def test_an_update_met_by_a_redis_outage_is_answered_once_redis_is_back(
    container: Container, proxy: RedisProxy
) -> None:
    async with FakeTelegram() as tg:
        container.runtime.override(
            providers.Object(replace(container.runtime(), telegram_api_url=tg.url))
        )
        runner = await open_runner(container, tg.token)
        await proxy.cut()  # the throttle's Redis call fails inside the exactly-once block
        await runner.start_polling()
        try:
            user = tg.user(first_name="Patient")
            update = tg.send_message(user, "/help")
            [notice] = await tg.wait_sent(user.id, 1, timeout=15)
            assert notice.text == UNAVAILABLE
            await asyncio.sleep(2.0)  # the runner fetches the update again, a few times
            assert tg.pending_updates == 1
            assert [r.text for r in tg.sent(user.id)] == [UNAVAILABLE]  # told once
            assert await _journal(container, update["update_id"]) == 0

            await proxy.mend()
            [_, answer] = await tg.wait_sent(user.id, 2, timeout=15)
            assert answer.text.startswith("Я — бот")
            await asyncio.sleep(1.0)
            assert len(tg.sent(user.id)) == 2  # answered once, no second notice
            assert await _journal(container, update["update_id"]) == 1
        finally:
            await runner.stop_polling()
            await runner.close()
        assert tg.pending_updates == 0


async def _journal(container: Container, update_id: int) -> int:
    async with container.uow() as uow:
        found = await uow.session.scalar(
            text("SELECT count(*) FROM telegram.processed_updates WHERE update_id = :id"),
            {"id": update_id},
        )
    return int(found or 0)
