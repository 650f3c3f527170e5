"""Periodic jobs, enqueued by the leader alone: each tick goes to the outbox once, in a
transaction that carries the leader's fencing token and moves the job's last tick forward.

A new leader picks up from the last tick its predecessor committed, so the ticks that fell
due during a failover are enqueued late rather than lost; a leader that was paused and has
lost its lease is refused by PostgreSQL (a newer token was seen) or, first, by its own clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tbot.application.ports.clock import Clock
from tbot.application.ports.cluster import Schedule
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.cluster.errors import LeaseExpired
from tbot.domain.cluster.lease import Lease

# Ticks older than this are not enqueued one by one after an outage of the whole cluster:
# the newest missed tick of each job stands for them (a nightly purge runs once, not thrice).
CATCH_UP = timedelta(hours=1)
# A rule with no tick in the catch-up window is searched this far back for its newest one.
MAX_TICKS_SCANNED = 10_000


@dataclass(frozen=True, slots=True)
class Enqueued:
    ticks: dict[str, list[datetime]]

    @property
    def count(self) -> int:
        return sum(len(t) for t in self.ticks.values())


class EnqueueDueTicks:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        schedules: Sequence[Schedule],
        catch_up: timedelta = CATCH_UP,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._schedules = schedules
        self._catch_up = catch_up

    def next_tick(self, after: datetime) -> datetime | None:
        """When the next job falls due, for the caller's sleep."""
        return min((s.next_after(after) for s in self._schedules), default=None)

    async def __call__(self, lease: Lease, still_leading: Callable[[], bool]) -> Enqueued:
        """FencedOut if a newer leader has written; LeaseExpired if the lease ran out by this
        node's clock before the commit. Either way nothing is enqueued."""
        now = self._clock.now()
        enqueued: dict[str, list[datetime]] = {}
        async with self._uow:
            await self._uow.leadership.fence(lease.name, lease.token, lease.holder)
            last = await self._uow.periodic_ticks.last_ticks()
            for schedule in self._schedules:
                previous = last.get(schedule.job)
                # A job new to the cluster starts from now: no burst of ticks from the past.
                ticks = self._due(schedule, previous, now) if previous is not None else []
                for tick in ticks:
                    await self._uow.outbox.add(schedule.job, tick.isoformat())
                if ticks or previous is None:
                    moved_to = ticks[-1] if ticks else now
                    await self._uow.periodic_ticks.advance(
                        schedule.job, moved_to, lease.holder, lease.token
                    )
                if ticks:
                    enqueued[schedule.job] = ticks
            if not still_leading():
                raise LeaseExpired(lease.name, lease.token)
            await self._uow.commit()
        return Enqueued(enqueued)

    def _due(self, schedule: Schedule, previous: datetime, now: datetime) -> list[datetime]:
        """Ticks in (previous, now]; those older than the catch-up window stand as one."""
        start = max(previous, now - self._catch_up)
        ticks = _ticks_between(schedule, start, now)
        if start > previous and not ticks:
            newest = _newest_tick(schedule, previous, start)
            return [newest] if newest is not None else []
        return ticks


def _ticks_between(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    ticks: list[datetime] = []
    tick = schedule.next_after(start)
    while tick <= end:
        ticks.append(tick)
        tick = schedule.next_after(tick)
    return ticks


def _newest_tick(schedule: Schedule, start: datetime, end: datetime) -> datetime | None:
    newest: datetime | None = None
    tick = schedule.next_after(start)
    for _ in range(MAX_TICKS_SCANNED):
        if tick > end:
            break
        newest, tick = tick, schedule.next_after(tick)
    return newest
