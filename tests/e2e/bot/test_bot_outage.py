"""Redis gone while an update is handled: the update is not recorded, the user hears
"temporarily unavailable" once, and the same update is answered once Redis is back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from dependency_injector import providers
from sqlalchemy import text

from tbot.container import Container, close_resources, open_resources
from tbot.entrypoints.bot.app import open_runner
from tbot.testing.fake_telegram import FakeTelegram
from tests.conftest import configured_container

UNAVAILABLE = "Сервис временно недоступен. Попробуйте через минуту."


class CuttableProxy:
    """A TCP proxy in front of Redis whose line can be cut: open connections are closed and
    new ones refused, as when Redis dies; mended, it listens on the same port again."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def mend(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        upstream_r, upstream_w = await asyncio.open_connection(*self._upstream)
        self._writers.update({client_w, upstream_w})
        try:
            await asyncio.gather(self._pump(client_r, upstream_w), self._pump(upstream_r, client_w))
        finally:
            for writer in (client_w, upstream_w):
                self._writers.discard(writer)
                writer.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[CuttableProxy]:
    parts = urlsplit(redis_url)
    proxy = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    await proxy.mend()
    yield proxy
    await proxy.cut()


@pytest.fixture
async def container(
    fresh_database_url: str, redis_url: str, proxy: CuttableProxy, tmp_path: Path
) -> AsyncIterator[Container]:
    through_proxy = urlunsplit(urlsplit(redis_url)._replace(netloc=f"127.0.0.1:{proxy.port}"))
    container = configured_container(fresh_database_url, through_proxy, tmp_path / "k.cfg")
    await open_resources(container)
    yield container
    await close_resources(container)


async def test_an_update_met_by_a_redis_outage_is_answered_once_redis_is_back(
    container: Container, proxy: CuttableProxy
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
