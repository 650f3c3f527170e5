"""Two nodes, one bot: only the leader polls; when it is killed (-9) the other takes over
within the lease's TTL; when it stops gracefully (SIGTERM) the other takes over at once.
Every message is answered exactly once, and never do two nodes poll at the same time."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import httpx

from tbot.testing.fake_telegram import FakeTelegram, FakeUser
from tests.e2e.node import Node, cli, tbot_env


def _leader(nodes: list[Node]) -> Node | None:
    for node in nodes:
        if node.process is None or node.process.poll() is not None:
            continue
        try:
            body = httpx.get(f"{node.base_url}/health", timeout=2).json()
        except (httpx.HTTPError, ValueError):
            continue
        if body.get("leadership") == "leader":
            return node
    return None


async def _wait_leader(nodes: list[Node], timeout: float = 30.0) -> Node:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leader = await asyncio.to_thread(_leader, nodes)
        if leader is not None:
            return leader
        await asyncio.sleep(0.2)
    raise AssertionError("no leader")


async def _answered(tg: FakeTelegram, user: FakeUser, text: str, timeout: float) -> float:
    """Sends a message; seconds until the bot answered it (printed, not asserted)."""
    started = time.monotonic()
    update = tg.send_message(user, text)
    deadline = started + timeout
    while not tg.replies(update["update_id"]):
        if time.monotonic() > deadline:
            raise AssertionError(f"no answer to {text!r} within {timeout} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_the_bot_moves_to_the_other_node_when_the_leader_dies_or_stops(
    fresh_database_url: str, redis_url: str, tmp_path: Path
) -> None:
    async with FakeTelegram() as tg:
        tg.set_rate_limits(enabled=False)
        namespace = f"e2e-failover-{uuid.uuid4().hex[:6]}"

        def env(node_id: str) -> dict[str, str]:
            return tbot_env(
                tmp_path / node_id,
                tmp_path / "keyring.cfg",  # one keyring, as nodes share one secret store
                TBOT_DATABASE_URL=fresh_database_url,
                TBOT_REDIS_URL=redis_url,
                TBOT_REDIS_NAMESPACE=namespace,
                TBOT_NODE_ID=node_id,
            )

        first = env("node-a")
        stored = await asyncio.to_thread(
            cli, first, "secrets", "set", "bot_token", "--stdin", stdin=tg.token + "\n"
        )
        assert stored.returncode == 0, stored.stderr
        pointed = await asyncio.to_thread(cli, first, "settings", "set", "telegram_api_url", tg.url)
        assert pointed.returncode == 0, pointed.stderr
        nodes = [Node(env("node-a")), Node(env("node-b"))]
        try:
            for node in nodes:
                node.start()
            for node in nodes:
                await asyncio.to_thread(node.wait_for_health, 200, 90.0)
            user = tg.user(first_name="Steady")
            leader = await _wait_leader(nodes)
            await _answered(tg, user, "/help", timeout=30)

            leader.kill()  # kill -9: no goodbye, the lease must run out
            # How fast is benchmarks/failover.py's to measure; here: it does happen, by itself.
            await _answered(tg, user, "/help", timeout=30)
            survivor = await _wait_leader(nodes)
            assert survivor is not leader

            restarted = Node(leader.env, port=leader.port)
            nodes.append(restarted)
            restarted.start()
            await asyncio.to_thread(restarted.wait_for_health, 200, 90.0)
            assert await asyncio.to_thread(survivor.interrupt) == 0  # graceful: hands over
            await _answered(tg, user, "/help", timeout=30)
        finally:
            for node in nodes:
                node.kill()
        replies = tg.replies_by_update
        assert len(replies) == 3
        assert all(len(sent) == 1 for sent in replies.values()), replies
        assert tg.max_concurrent_pollers == 1
        # Neither a kill nor a graceful stop needs a 409: no node's poll ever ended another's.
        assert tg.poll_conflicts == 0
