"""Webhook mode: Telegram (the fake) posts updates to /telegram/webhook with our secret; a
post without it is refused; an update posted twice is answered once."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from tbot.adapters.embedded.ports import free_port
from tbot.entrypoints.api.app import create_asgi
from tbot.entrypoints.bot.app import open_runner
from tbot.entrypoints.bot.webhook import SECRET_HEADER, WebhookIntake, set_webhook, webhook_secret
from tbot.entrypoints.node.api_server import create_server
from tests.e2e.bot.conftest import BotWorld


async def test_updates_arrive_by_webhook_once_each(world: BotWorld) -> None:
    tg = world.telegram
    await world.runner.stop_polling()
    runner = await open_runner(world.container, tg.token)
    secret = await webhook_secret(world.container)
    assert secret == await webhook_secret(world.container)  # made once, then kept
    port = free_port()
    server = create_server(
        create_asgi(world.container, WebhookIntake(runner, secret)), "127.0.0.1", port
    )
    serving = asyncio.create_task(server.serve())
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        await set_webhook(runner, url, secret)
        user = tg.user(first_name="Hooked")
        update = tg.send_message(user, "/help")
        [reply] = await world.replies(user, 1)
        assert reply.text.startswith("Я — бот ИТ-отдела")

        async with aiohttp.ClientSession() as http:
            body = json.dumps(update)
            forged = await http.post(url, data=body, headers={SECRET_HEADER: "guess"})
            assert forged.status == 403
            again = await http.post(url, data=body, headers={SECRET_HEADER: secret})
            assert again.status == 200  # recorded before: acknowledged, not answered again
            schema = await (await http.get(f"http://127.0.0.1:{port}/schema/openapi.json")).text()
            assert "/telegram/webhook" not in schema
        await asyncio.sleep(0.3)
        assert len(tg.replies(update["update_id"])) == 1
        # Polling would fight the webhook: the runner switches it off first.
        await runner.start_polling()
        await asyncio.sleep(0.3)
        assert runner.polling
    finally:
        await runner.stop_polling()
        server.should_exit = True
        await serving
        await runner.close()
