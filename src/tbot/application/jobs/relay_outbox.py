"""Moves committed outbox entries to the job queue. Every node runs a relay: they share the
backlog through row locks, and the queue refuses a job id it has seen, so an entry is queued
once even when a relay dies between queuing it and marking it relayed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tbot.application.ports.clock import Clock
from tbot.application.ports.jobs import OutboxEntry, RelayQueue
from tbot.application.ports.unit_of_work import UnitOfWork

BATCH = 100
KEEP_RELAYED = timedelta(days=1)  # long enough to answer "was it sent?" the next morning


def outbox_job_id(entry: OutboxEntry) -> str:
    """The queue's job id for an outbox entry; the same entry always gets the same one. The
    creation time is part of it: ids restart with a restored or recreated database, and the
    queue must not take a new entry for the job of an old one."""
    return f"outbox:{entry.id}:{int(entry.created_at.timestamp() * 1_000_000)}"


@dataclass(frozen=True, slots=True)
class Relayed:
    queued: int  # new jobs in the queue
    known: int  # entries whose job the queue already had (relayed before a crash)
    failed: int  # entries that stay waiting: the queue could not be reached
    waiting: int  # entries still waiting after this batch, across the cluster

    @property
    def moved(self) -> int:
        return self.queued + self.known


class RelayOutbox:
    def __init__(self, uow: UnitOfWork, queue: RelayQueue) -> None:
        self._uow = uow
        self._queue = queue

    async def __call__(self, batch: int = BATCH) -> Relayed:
        """One batch. The first entry that cannot be queued ends it: the queue is down, and
        the rest would fail the same way. Entries queued before stay marked."""
        queued = known = failed = 0
        relayed: list[int] = []
        async with self._uow:
            for entry in await self._uow.outbox.claim(batch):
                try:
                    fresh = await self._queue.enqueue_once(
                        entry.job, entry.args, outbox_job_id(entry)
                    )
                except Exception as error:  # Redis down or refusing: the entry waits
                    await self._uow.outbox.mark_failed(entry.id, _describe(error))
                    failed += 1
                    break
                relayed.append(entry.id)
                queued, known = (queued + 1, known) if fresh else (queued, known + 1)
            await self._uow.outbox.mark_relayed(relayed)
            waiting = await self._uow.outbox.waiting()
            await self._uow.commit()
        return Relayed(queued, known, failed, waiting)


class PurgeOutbox:
    def __init__(self, uow: UnitOfWork, clock: Clock, keep: timedelta = KEEP_RELAYED) -> None:
        self._uow = uow
        self._clock = clock
        self._keep = keep

    async def __call__(self) -> int:
        async with self._uow:
            purged = await self._uow.outbox.purge(self._clock.now() - self._keep)
            await self._uow.commit()
        return purged


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
