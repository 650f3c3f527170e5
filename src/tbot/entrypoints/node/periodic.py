"""The leader's periodic-job scheduler: runs while this node leads, puts every tick that
falls due into the outbox (EnqueueDueTicks), and stops the moment leadership is lost."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog

from tbot.application.cluster.leadership import Leadership
from tbot.application.cluster.periodic import EnqueueDueTicks
from tbot.application.ports.clock import Clock
from tbot.domain.cluster.errors import FencedOut, LeaseExpired
from tbot.domain.cluster.lease import Lease

_log = structlog.get_logger("tbot.periodic")

OnLeaseExpired = Callable[[LeaseExpired], None]
# The scheduler sleeps until the next tick falls due (one transaction per tick, not one per
# wake-up), but at most this long: a clock that jumped is seen this soon.
MAX_SLEEP_S = 60.0
RETRY_S = 2.0  # after PostgreSQL failed: the ticks wait in the rule, not lost


class PeriodicScheduler:
    def __init__(
        self,
        leadership: Leadership,
        enqueue: EnqueueDueTicks,
        clock: Clock,
        on_lease_expired: OnLeaseExpired,
    ) -> None:
        self._leadership = leadership
        self._enqueue = enqueue
        self._clock = clock
        self._on_lease_expired = on_lease_expired
        self._task: asyncio.Task[None] | None = None

    def attach(self) -> None:
        self._leadership.subscribe(on_gained=self._gained, on_lost=self._lost)

    async def _gained(self, lease: Lease) -> None:
        await self._lost("a new lease")
        self._task = asyncio.create_task(self._run(lease), name="periodic-scheduler")

    async def _lost(self, reason: str) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, lease: Lease) -> None:
        def still_leading() -> bool:
            current = self._leadership.current_lease
            return current is not None and current.token == lease.token

        while True:
            if not still_leading():
                # Leadership's loop tells us too; until it does, nothing is written.
                self._on_lease_expired(LeaseExpired(lease.name, lease.token))
                return
            try:
                enqueued = await self._enqueue(lease, still_leading)
            except LeaseExpired as expired:
                self._on_lease_expired(expired)
                return
            except FencedOut:
                return  # counted and logged where PostgreSQL refused it
            except Exception as error:  # PostgreSQL unreachable: try again, ticks are kept
                _log.warning("periodic_enqueue_failed", error=f"{type(error).__name__}: {error}")
                await asyncio.sleep(RETRY_S)
                continue
            for job, ticks in enqueued.ticks.items():
                _log.info("periodic_ticks_enqueued", job=job, ticks=len(ticks), token=lease.token)
            await asyncio.sleep(self._until_next_tick())

    def _until_next_tick(self) -> float:
        now = self._clock.now()
        tick = self._enqueue.next_tick(now)
        if tick is None:
            return MAX_SLEEP_S
        return min(MAX_SLEEP_S, max(0.0, (tick - now).total_seconds()))
