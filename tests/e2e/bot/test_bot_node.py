"""`tbot up` with a bot token: the node registers the command menus, answers through the
fake Bot API, and on Ctrl-C confirms what it handled, so nothing is handled twice later."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from tbot.testing.fake_telegram import FakeTelegram
from tests.e2e.node import Node, cli, tbot_env


async def test_a_node_runs_the_bot_and_confirms_its_updates_on_stop(
    fresh_database_url: str, redis_url: str, tmp_path: Path
) -> None:
    async with FakeTelegram() as tg:
        env = tbot_env(
            tmp_path / "data",
            tmp_path / "keyring.cfg",
            TBOT_DATABASE_URL=fresh_database_url,
            TBOT_REDIS_URL=redis_url,
            TBOT_REDIS_NAMESPACE=f"e2e-bot-{uuid.uuid4().hex[:6]}",
        )
        stored = await asyncio.to_thread(
            cli, env, "secrets", "set", "bot_token", "--stdin", stdin=tg.token + "\n"
        )
        assert stored.returncode == 0, stored.stderr
        pointed = await asyncio.to_thread(cli, env, "settings", "set", "telegram_api_url", tg.url)
        assert pointed.returncode == 0, pointed.stderr
        node = Node(env)
        node.start()
        try:
            await asyncio.to_thread(node.wait_for_health, 200, 90.0)
            user = tg.user(first_name="Operator")
            tg.send_message(user, "/start")
            [menu] = await tg.wait_sent(user.id, 1, timeout=30)
            assert menu.text == "Выберите язык / Choose your language"
            menus = {c["command"]: c["description"] for c in tg.commands(language_code="en")}
            assert menus["help"] == "Help"
            assert "Telegram:   polling" in node.output()
            tg.send_message(user, "/help")
            await tg.wait_sent(user.id, 2, timeout=30)
            assert await asyncio.to_thread(node.interrupt) == 0
        finally:
            node.kill()
        assert tg.pending_updates == 0  # confirmed before the node went away
        assert tg.max_concurrent_pollers == 1
        assert tg.token not in node.output()
