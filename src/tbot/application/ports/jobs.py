"""Background jobs: the outbox a change writes its jobs to, the queue they are relayed to, and
the board where failed jobs are seen and retried."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    job: str
    args: tuple[object, ...]
    attempts: int
    created_at: datetime


class Outbox(Protocol):
    """Jobs waiting in PostgreSQL to be relayed. `add` joins the unit of work's transaction:
    the job exists if, and only if, the change that caused it is committed."""

    async def add(self, job: str, *args: object) -> OutboxEntry:
        """Args must be JSON values (str, int, float, bool, None, lists, dicts)."""
        ...

    async def claim(self, limit: int) -> list[OutboxEntry]:
        """The oldest waiting entries, locked until the transaction ends; entries another
        relay holds are skipped, not waited for."""
        ...

    async def mark_relayed(self, ids: Sequence[int]) -> None: ...

    async def mark_failed(self, entry_id: int, error: str) -> None:
        """One more attempt that did not reach the queue; the entry keeps waiting."""
        ...

    async def purge(self, relayed_before: datetime) -> int: ...

    async def waiting(self) -> int: ...


class RelayQueue(Protocol):
    async def enqueue_once(self, job: str, args: Sequence[object], job_id: str) -> bool:
        """Queues the job under `job_id`; False when a job with that id is already queued,
        running or finished recently (the queue refuses it: it was relayed before)."""
        ...


@dataclass(frozen=True, slots=True)
class FailedJob:
    id: str
    job: str
    args: str  # a short summary, for a table
    error: str
    tries: int
    enqueued_at: datetime
    finished_at: datetime


class JobBoard(Protocol):
    async def failed(self, limit: int) -> list[FailedJob]:
        """The newest first; a failed job stays visible as long as the queue keeps results."""
        ...

    async def retry(self, job_id: str) -> str:
        """Queues the failed job again with the same arguments and forgets the failure;
        returns the new job's id. NotFound when no failed job has that id."""
        ...
