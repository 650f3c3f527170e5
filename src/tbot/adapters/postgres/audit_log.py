from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import audit_log
from tbot.application.ports.audit import AuditFilter
from tbot.domain.actor import Actor, Channel
from tbot.domain.audit import AuditEvent


class PostgresAuditLog:
    """Writes into core.audit_log inside the caller's transaction. The table is
    append-only: the database itself rejects UPDATE, DELETE and TRUNCATE."""

    def __init__(self, session: AsyncSession, *, node: str) -> None:
        self._session = session
        self._node = node

    async def add(self, event: AuditEvent) -> None:
        await self._session.execute(insert(audit_log).values(**self._row(event)))

    async def recent(self, limit: int = 50) -> list[AuditEvent]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        rows = (await self._session.execute(query)).mappings()
        return [_event(row) for row in rows]

    async def search(
        self, where: AuditFilter, *, before_id: int | None = None, limit: int = 100
    ) -> list[AuditEvent]:
        """Newest first by the time of the event, ties by id. Ordering by `at` rather than by
        id lets the `(…, at)` indexes serve every filter, a time range included; by id alone
        PostgreSQL scans the primary key backwards through every row after `until`."""
        query = (
            select(audit_log)
            .where(*_conditions(where))
            .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(_older_than(before_id))
        rows = (await self._session.execute(query)).mappings()
        return [_event(row) for row in rows]

    def _row(self, event: AuditEvent) -> dict[str, Any]:
        return {
            "actor": event.actor.name,
            "actor_user_id": event.actor.user_id,
            "action": event.action,
            "target_type": event.target_type,
            "target_id": event.target_id,
            "before": dict(event.before) if event.before is not None else None,
            "after": dict(event.after) if event.after is not None else None,
            "channel": event.actor.channel.value,
            "request_id": event.actor.request_id,
            "node": event.node or self._node,
        }


def _conditions(where: AuditFilter) -> list[ColumnElement[bool]]:
    equal = (
        (audit_log.c.actor, where.actor),
        (audit_log.c.action, where.action),
        (audit_log.c.target_type, where.target_type),
        (audit_log.c.target_id, where.target_id),
        (audit_log.c.channel, where.channel),
    )
    conditions = [column == value for column, value in equal if value is not None]
    if where.since is not None:
        conditions.append(audit_log.c.at >= where.since)
    if where.until is not None:
        conditions.append(audit_log.c.at < where.until)
    return conditions


def _older_than(before_id: int) -> ColumnElement[bool]:
    """Events after the cursor's in the (at, id) order. Audit rows are never deleted, so the
    cursor's row is there to read its time from."""
    cursor = audit_log.alias("cursor")  # an alias, or the subquery would correlate to the outer row
    cursor_at = select(cursor.c.at).where(cursor.c.id == before_id).scalar_subquery()
    return tuple_(audit_log.c.at, audit_log.c.id) < tuple_(cursor_at, before_id)


def _event(row: Any) -> AuditEvent:
    return AuditEvent(
        actor=Actor(
            name=row["actor"],
            channel=Channel(row["channel"]),
            request_id=row["request_id"],
            user_id=row["actor_user_id"],
        ),
        action=row["action"],
        target_type=row["target_type"],
        target_id=row["target_id"],
        before=row["before"],
        after=row["after"],
        node=row["node"],
        at=row["at"],
        id=row["id"],
    )
