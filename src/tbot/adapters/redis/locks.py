from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tbot.adapters.redis.ownership import COMPARE_AND_DELETE, COMPARE_AND_EXTEND, milliseconds
from tbot.application.ports.clock import Clock
from tbot.domain.cluster.errors import LockLost, LockNotAcquired
from tbot.domain.cluster.lease import safety_margin_s

_log = structlog.get_logger("tbot.locks")

# Waiting for a busy lock polls with a growing, jittered pause: quick when a lock changes
# hands fast, light on Redis when it is held for long, and waiters do not move in lockstep.
_FIRST_PAUSE_S = 0.005
_LONGEST_PAUSE_S = 0.1


@dataclass(slots=True)
class RedisHeldLock:
    name: str
    owner: str
    ttl_s: float
    valid_until: float
    next_extension: float
    lost_reason: str | None = None
    _clock: Clock | None = None

    def is_held(self) -> bool:
        assert self._clock is not None
        return self.lost_reason is None and self._clock.monotonic() < self.valid_until


class RedisLockManager:
    """Locks as Redis keys holding a random owner token (`SET NX PX`), extended by a
    background task every third of the TTL while held, released only by their owner (Lua).

    The holder believes in its lock by its own monotonic clock, `ttl - margin` after the last
    extension that succeeded was sent. When an extension finds the key gone or someone else's,
    or none succeeds in that time (Redis unreachable), the lock is lost: the task that entered
    the block is cancelled and the block raises LockLost. A lock only excludes work that
    checks it; work whose effects must not land after the loss also needs fencing."""

    def __init__(self, redis: Redis, *, namespace: str, clock: Clock) -> None:
        self._redis = redis
        self._namespace = namespace
        self._clock = clock
        self._extend = redis.register_script(COMPARE_AND_EXTEND)
        self._delete = redis.register_script(COMPARE_AND_DELETE)

    def key(self, name: str) -> str:
        # Not `:lock:`, which is the login lockouts' prefix.
        return f"{self._namespace}:mutex:{name}"

    @contextlib.asynccontextmanager
    async def hold(
        self, name: str, ttl_s: float, *, wait_s: float = 10.0
    ) -> AsyncIterator[RedisHeldLock]:
        worker = asyncio.current_task()
        if worker is None:
            raise RuntimeError("a lock is held by a task")
        lock = await self._acquire(name, ttl_s, wait_s)
        keeper = asyncio.create_task(self._keep(lock, worker), name=f"lock-{name}-keeper")
        try:
            yield lock
        except asyncio.CancelledError:
            # Our own cancellation (the lock was lost) becomes LockLost; anyone else's stays.
            if lock.lost_reason is not None and worker.uncancel() == 0:
                raise LockLost(name, lock.lost_reason) from None
            raise
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            await self._release(lock)
        if lock.lost_reason is not None:
            raise LockLost(name, lock.lost_reason)

    async def _acquire(self, name: str, ttl_s: float, wait_s: float) -> RedisHeldLock:
        owner = secrets.token_hex(16)
        ttl_ms = milliseconds(ttl_s)
        started = self._clock.monotonic()
        pause = _FIRST_PAUSE_S
        while True:
            sent_at = self._clock.monotonic()
            if await self._redis.set(self.key(name), owner, nx=True, px=ttl_ms):
                return RedisHeldLock(
                    name=name,
                    owner=owner,
                    ttl_s=ttl_s,
                    valid_until=sent_at + ttl_s - safety_margin_s(ttl_s),
                    next_extension=sent_at + ttl_s / 3,
                    _clock=self._clock,
                )
            left = started + wait_s - self._clock.monotonic()
            if left <= 0:
                raise LockNotAcquired(name, wait_s)
            await asyncio.sleep(min(left, pause * random.uniform(0.5, 1.5)))
            pause = min(pause * 2, _LONGEST_PAUSE_S)

    async def _keep(self, lock: RedisHeldLock, worker: asyncio.Task[object]) -> None:
        every = lock.ttl_s / 3
        while True:
            now = self._clock.monotonic()
            await asyncio.sleep(max(0.0, min(lock.next_extension, lock.valid_until) - now))
            sent_at = self._clock.monotonic()
            if sent_at >= lock.valid_until:
                self._lose(lock, worker, "no extension succeeded before the TTL ran out")
                return
            try:
                extended = await asyncio.wait_for(
                    self._extend(
                        keys=[self.key(lock.name)], args=[lock.owner, milliseconds(lock.ttl_s)]
                    ),
                    timeout=min(every, lock.valid_until - sent_at),
                )
            except (RedisError, OSError, TimeoutError) as error:
                _log.warning("lock_extension_failed", lock=lock.name, error=repr(error))
                lock.next_extension = self._clock.monotonic() + min(every, 0.2)
                continue
            if int(extended) != 1:
                self._lose(lock, worker, "the lock expired in Redis or someone else holds it")
                return
            lock.valid_until = sent_at + lock.ttl_s - safety_margin_s(lock.ttl_s)
            lock.next_extension = sent_at + every

    def _lose(self, lock: RedisHeldLock, worker: asyncio.Task[object], reason: str) -> None:
        lock.lost_reason = reason
        _log.error("lock_lost", lock=lock.name, reason=reason)
        worker.cancel(f"lock {lock.name!r} lost")

    async def _release(self, lock: RedisHeldLock) -> None:
        """Best effort: a lock we cannot delete expires by itself after its TTL."""
        try:
            await asyncio.wait_for(
                self._delete(keys=[self.key(lock.name)], args=[lock.owner]),
                timeout=max(0.1, lock.ttl_s / 3),
            )
        except (RedisError, OSError, TimeoutError) as error:
            _log.warning("lock_release_failed", lock=lock.name, error=repr(error))
