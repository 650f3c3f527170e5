from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import audit_log
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
