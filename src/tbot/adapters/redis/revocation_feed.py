"""Keeps the process's RevocationMirror current from the namespace's Redis channel."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.backoff import NoBackoff
from redis.retry import Retry

from tbot.adapters.redis.keys import revocations_channel, revoked_pattern
from tbot.adapters.redis.revocation_mirror import RevocationMirror
from tbot.adapters.redis.revocation_notices import SessionRevoked, decode_notice

_log = structlog.get_logger("tbot.revocations")

# Keys read per round trip while the list is reloaded.
_RELOAD_BATCH = 500
# How often expired entries are dropped from the mirror.
_SWEEP_S = 60.0


class RedisRevocationFeed:
    """Subscribes to the revocation channel, reloads the whole list once subscribed, then
    applies every notice to the mirror.

    Pub/sub is fire-and-forget: what is published while a subscriber is away is lost to it.
    So the mirror is trusted only up to `trust_s` after a PING that the subscription has
    answered: the answer arrives behind every notice published before the PING, so at that
    point the mirror held everything revoked up to the moment the PING was sent. Every
    `ping_interval_s` another PING extends the trust; a broken subscription withdraws it at
    once, and a silent one lets it lapse within `trust_s`. The feed then reconnects,
    subscribes, reloads in full and only then trusts the mirror again. While it is not
    trusted, the access gate asks Redis on every request (fail closed).

    The connection is its own, outside the pool, with no automatic reconnection: redis-py's
    PubSub would re-subscribe silently, and the notices lost in between would go unnoticed.
    """

    def __init__(
        self,
        redis: Redis,
        mirror: RevocationMirror,
        *,
        namespace: str,
        node: str = "",
        ping_interval_s: float = 0.2,
        trust_s: float = 0.75,
        silence_s: float = 3.0,
        retry_s: float = 0.1,
        max_retry_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < ping_interval_s < trust_s < silence_s:
            raise ValueError("need 0 < ping_interval_s < trust_s < silence_s")
        self._redis = redis
        self._mirror = mirror
        self._namespace = namespace
        self._channel = revocations_channel(namespace)
        self._ping_interval_s = ping_interval_s
        self._trust_s = trust_s
        self._silence_s = silence_s
        self._retry_s = retry_s
        self._max_retry_s = max_retry_s
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._went_live = False
        self._stopping = False
        # Names the connection in CLIENT LIST, for operators (and for tests that cut it);
        # a client name may not hold spaces.
        self.client_name = "_".join(f"{namespace}:revocation-feed:{node}".split())

    def start(self) -> None:
        """Starts following the channel, once; later calls do nothing."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="revocation-feed")

    async def stop(self) -> None:
        task, self._task = self._task, None
        self._stopping = True
        self._mirror.distrust()
        # On Python 3.11 a cancel that lands as a read timeout expires can be taken for the
        # timeout (redis-py then returns None); the flag ends the loop in that case, and the
        # cancel is repeated until the task is done.
        while task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=0.5)
        if task is not None and not task.cancelled():
            with contextlib.suppress(Exception):
                task.result()

    async def _run(self) -> None:
        delay = self._retry_s
        while not self._stopping:
            self._went_live = False
            try:
                await self._follow()
            # Whatever broke it, the feed must come back: a dead feed would leave every
            # request on the slow path for the rest of the process's life.
            except Exception as error:
                self._mirror.distrust()
                _log.warning(
                    "revocation_feed_lost",
                    error=f"{type(error).__name__}: {error}",
                    retry_in_s=delay,
                )
            if self._went_live:
                delay = self._retry_s
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_retry_s)

    async def _follow(self) -> None:
        connection = self._connection()
        try:
            await connection.connect()  # type: ignore[no-untyped-call]
            await connection.send_command("SUBSCRIBE", self._channel, check_health=False)
            confirmed = await connection.read_response(timeout=self._silence_s)
            if not (isinstance(confirmed, list) and confirmed[:1] == [b"subscribe"]):
                raise ConnectionError(f"SUBSCRIBE not confirmed: {confirmed!r}")
            # Only now, with notices queuing on the subscription, is the list read: a
            # revocation is then either in the keys or in the queue.
            loaded = await self._reload()
            await self._listen(connection, loaded)
        finally:
            await connection.disconnect()

    def _connection(self) -> AbstractConnection:
        pool = self._redis.connection_pool
        options: dict[str, Any] = {
            **pool.connection_kwargs,
            "client_name": self.client_name,
            # A health check would send PING and read the next reply as its answer.
            "health_check_interval": 0,
            "retry": Retry(NoBackoff(), 0),
        }
        connection: AbstractConnection = pool.connection_class(**options)
        return connection

    async def _reload(self) -> int:
        keys = [
            key
            async for key in self._redis.scan_iter(
                match=revoked_pattern(self._namespace), count=_RELOAD_BATCH
            )
        ]
        for start in range(0, len(keys), _RELOAD_BATCH):
            batch = keys[start : start + _RELOAD_BATCH]
            pipe = self._redis.pipeline(transaction=False)
            for key in batch:
                pipe.pttl(key)
                pipe.get(key)
            answers = await pipe.execute()
            for n, key in enumerate(batch):
                self._apply_key(key, int(answers[2 * n]), answers[2 * n + 1])
        return len(keys)

    def _apply_key(self, key: bytes, ttl_ms: int, value: bytes | None) -> None:
        if ttl_ms == -2 or value is None:
            return  # expired since the scan
        ttl_s = ttl_ms / 1000 if ttl_ms >= 0 else float("inf")
        kind, _, ident = key.decode().removeprefix(f"{self._namespace}:revoked:").partition(":")
        if kind == "session":
            self._mirror.revoke_session(ident, ttl_s)
        elif kind == "user" and ident.isdigit():
            self._mirror.revoke_user_before(int(ident), float(value), ttl_s)

    async def _listen(self, connection: AbstractConnection, loaded: int) -> None:
        pings: dict[bytes, float] = {}  # payload -> when it was sent
        serial = 0
        next_ping = heard = next_sweep = self._clock()
        while not self._stopping:
            now = self._clock()
            if now >= next_ping:
                serial += 1
                payload = str(serial).encode()
                await connection.send_command("PING", payload, check_health=False)
                pings[payload] = now
                next_ping = now + self._ping_interval_s
            if now - heard > self._silence_s:
                raise ConnectionError(f"no answer on the subscription for {self._silence_s} s")
            if now >= next_sweep:
                self._mirror.forget_expired()
                next_sweep = now + _SWEEP_S
            reply = await connection.read_response(timeout=max(next_ping - self._clock(), 0.001))
            if reply is None:
                continue
            heard = self._clock()
            sent_at = self._handle(reply, pings)
            if sent_at is not None:
                self._mirror.trust_until(sent_at + self._trust_s)
                if not self._went_live:
                    self._went_live = True
                    _log.info("revocation_feed_live", revocations=loaded)

    def _handle(self, reply: object, pings: dict[bytes, float]) -> float | None:
        """Applies a notice; for the answer to one of our PINGs, returns when it was sent."""
        if isinstance(reply, list) and len(reply) == 3 and reply[0] == b"message":
            # A notice that cannot be read is a revocation we cannot apply: fail, reload.
            notice = decode_notice(reply[2])
            if isinstance(notice, SessionRevoked):
                self._mirror.revoke_session(notice.session_id, notice.ttl_s)
            else:
                self._mirror.revoke_user_before(notice.user_id, notice.cut_off, notice.ttl_s)
            return None
        if isinstance(reply, list) and len(reply) == 2 and reply[0] == b"pong":
            return pings.pop(reply[1], None)
        raise ConnectionError(f"unexpected reply on the subscription: {reply!r:.200}")
