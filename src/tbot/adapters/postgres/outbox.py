"""The transactional outbox in `core.outbox`, and a Notifier that writes to it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import outbox
from tbot.adapters.telegram.notifier import SEND_JOB, encode
from tbot.application.jobs.relay_outbox import outbox_job_id
from tbot.application.ports.jobs import OutboxEntry
from tbot.application.ports.notifications import Notification
from tbot.application.ports.unit_of_work import UnitOfWork

MAX_ERROR_CHARS = 500


class PostgresOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: str, *args: object) -> OutboxEntry:
        row = (
            await self._session.execute(
                insert(outbox)
                .values(job=job, payload=list(args))
                .returning(outbox.c.id, outbox.c.created_at)
            )
        ).one()
        return OutboxEntry(row.id, job, args, 0, row.created_at)

    async def claim(self, limit: int) -> list[OutboxEntry]:
        # SKIP LOCKED: relays on several nodes share the backlog instead of queuing behind
        # one another, and no entry is handed to two of them at once.
        statement = (
            select(
                outbox.c.id,
                outbox.c.job,
                outbox.c.payload,
                outbox.c.attempts,
                outbox.c.created_at,
            )
            .where(outbox.c.relayed_at.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = (await self._session.execute(statement)).all()
        return [
            OutboxEntry(row.id, row.job, tuple(row.payload), row.attempts, row.created_at)
            for row in rows
        ]

    async def mark_relayed(self, ids: Sequence[int]) -> None:
        if ids:
            await self._session.execute(
                update(outbox).where(outbox.c.id.in_(ids)).values(relayed_at=func.now())
            )

    async def mark_failed(self, entry_id: int, error: str) -> None:
        await self._session.execute(
            update(outbox)
            .where(outbox.c.id == entry_id)
            .values(attempts=outbox.c.attempts + 1, last_error=error[:MAX_ERROR_CHARS])
        )

    async def purge(self, relayed_before: datetime) -> int:
        result: Any = await self._session.execute(
            delete(outbox).where(outbox.c.relayed_at < relayed_before)
        )
        return int(result.rowcount or 0)

    async def waiting(self) -> int:
        count = await self._session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.relayed_at.is_(None))
        )
        return int(count or 0)


class OutboxNotifier:
    """A Notifier whose notification is committed with the change that caused it. Called
    inside a use case's `uow.shared()` block it joins that transaction (a rollback drops the
    notification too); called alone it commits on its own. Either way it survives Redis
    being down: the relay queues it when Redis is back."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._uow_factory = uow_factory

    async def notify(self, notification: Notification) -> str:
        async with self._uow_factory() as uow:
            entry = await uow.outbox.add(SEND_JOB, encode(notification).decode())
            await uow.commit()
        return outbox_job_id(entry)
