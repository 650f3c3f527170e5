"""Three `tbot up` nodes on one PostgreSQL database and one Redis of the harness's own, polling
the fake Bot API that runs in this process; a steady stream of messages from many users.

    async with Cluster(tmp_path, database_url) as cluster:
        await cluster.wait_ready()
        leader = cluster.leader()
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import redis

from tbot.testing.fake_telegram import FakeTelegram
from tests.e2e.cluster.pollers import NodePollTracker
from tests.e2e.cluster.redis_server import RestartableRedis
from tests.e2e.node import Node, cli, tbot_env

NODE_NAMES = ("node-1", "node-2", "node-3")
START_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class Sent:
    update_id: int
    at: float  # wall clock, as the fake's ledger records replies


class Cluster:
    def __init__(self, folder: Path, database_url: str, *, rate_per_s: float = 8.0) -> None:
        self.folder = folder
        self.database_url = database_url
        self.namespace = f"faults-{uuid.uuid4().hex[:6]}"
        self.redis = RestartableRedis(folder / "redis")
        self.telegram = FakeTelegram()
        self.tracker = NodePollTracker(self._pids)
        self.nodes: dict[str, Node] = {}
        self.sent: list[Sent] = []
        self._rate_per_s = rate_per_s
        self._stream: asyncio.Task[None] | None = None
        self._redis_client: redis.Redis | None = None

    # Lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> Cluster:
        await asyncio.to_thread(self.redis.start)
        self._redis_client = redis.Redis.from_url(self.redis.url, socket_timeout=1)
        await self.telegram.start()
        self.telegram.set_rate_limits(enabled=False)
        self.telegram.state.polls = self.tracker
        first = self.env(NODE_NAMES[0])
        stored = await asyncio.to_thread(
            cli, first, "secrets", "set", "bot_token", "--stdin", stdin=self.telegram.token + "\n"
        )
        assert stored.returncode == 0, stored.stderr
        pointed = await asyncio.to_thread(
            cli, first, "settings", "set", "telegram_api_url", self.telegram.url
        )
        assert pointed.returncode == 0, pointed.stderr
        for name in NODE_NAMES:
            self.nodes[name] = Node(self.env(name))
            self.nodes[name].start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop_stream()
        for node in self.nodes.values():
            _resume(node)
            node.kill()
        await self.telegram.stop()
        if self._redis_client is not None:
            self._redis_client.close()
        self.redis.stop()

    def env(self, name: str) -> dict[str, str]:
        return tbot_env(
            self.folder / name,
            self.folder / "keyring.cfg",  # one secret store for the cluster
            TBOT_DATABASE_URL=self.database_url,
            TBOT_REDIS_URL=self.redis.url,
            TBOT_REDIS_NAMESPACE=self.namespace,
            TBOT_NODE_ID=name,
            TBOT_LOG_FORMAT="json",
        )

    # Nodes ----------------------------------------------------------------------------------

    def restart(self, name: str) -> Node:
        """A new process for a node that was killed or stopped, on the same port and folder."""
        old = self.nodes[name]
        node = Node(old.env, port=old.port)
        self.nodes[name] = node
        node.start()
        return node

    async def wait_ready(self, timeout: float = START_TIMEOUT_S, nodes: int = 3) -> None:
        """At least `nodes` nodes answer /health 200 and one of them holds the lease; a node
        restarted after a fault may still be starting when fewer are asked for."""
        deadline = time.monotonic() + timeout
        while True:
            healthy = await asyncio.to_thread(self._healthy)
            if healthy >= nodes and self.leader() is not None:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{healthy} nodes healthy, leader {self.leader()}")
            await asyncio.sleep(0.2)

    def _healthy(self) -> int:
        count = 0
        for node in self.nodes.values():
            if node.process is None or node.process.poll() is not None:
                continue
            answer = node.health()
            count += answer is not None and answer.status_code == 200
        return count

    def leader(self) -> str | None:
        """The node named by the lease in Redis (exact and instant, unlike /health's cache)."""
        assert self._redis_client is not None
        try:
            holder = self._redis_client.get(f"{self.namespace}:leader:leader")
        except redis.RedisError:
            return None
        if holder is None:
            return None
        return bytes(holder).decode().split("#", 1)[0]

    def log_of(self, name: str) -> Path:
        node = self.nodes[name]
        return Path(node.env["TBOT_DATA_DIR"]).parent / f"node-{node.port}.out"

    def _pids(self) -> dict[int, str]:
        return {
            node.process.pid: name
            for name, node in self.nodes.items()
            if node.process is not None and node.process.poll() is None
        }

    # Messages -------------------------------------------------------------------------------

    def start_stream(self) -> None:
        self._stream = asyncio.create_task(self._feed(), name="message-stream")

    async def stop_stream(self) -> None:
        if self._stream is not None:
            self._stream.cancel()
            await asyncio.gather(self._stream, return_exceptions=True)
            self._stream = None

    async def _feed(self) -> None:
        """A steady stream; each message from a user with no other message in flight, so the
        fake links every reply to the one update it answers."""
        interval = 1.0 / self._rate_per_s
        count = 0
        next_at = time.monotonic()
        while True:
            count += 1
            user = self.telegram.user(first_name=f"User{count}")
            update = self.telegram.send_message(user, "/help")
            self.sent.append(Sent(update["update_id"], time.time()))
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    def first_answer_after(self, since: float) -> float | None:
        """When the first message sent at or after `since` got its first reply, if one did."""
        answered = [
            replies[0].at
            for sent in reversed(self.sent)
            if sent.at >= since and (replies := self.telegram.replies(sent.update_id))
        ]
        return min(answered) if answered else None

    async def wait_answer_after(self, since: float, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answered = self.first_answer_after(since)
            if answered is not None:
                return answered
            await asyncio.sleep(0.05)
        return None

    async def drain(self, timeout: float = 60.0) -> None:
        """Stops the stream and waits until every message has a reply (or the timeout)."""
        await self.stop_stream()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.unanswered():
            await asyncio.sleep(0.1)

    def unanswered(self) -> list[int]:
        return [s.update_id for s in self.sent if not self.telegram.replies(s.update_id)]


def _resume(node: Node) -> None:
    if node.process is not None and node.process.poll() is None:
        node.process.send_signal(signal.SIGCONT)
