from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import nodes
from tbot.application.ports.cluster import NodeBeat


class PostgresNodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def beat(self, beat: NodeBeat) -> None:
        values = {
            "node_id": beat.node_id,
            "host": beat.host,
            "pid": beat.pid,
            "version": beat.version,
            "roles": list(beat.roles),
            "started_at": beat.started_at,
            "last_seen": beat.last_seen,
            "is_leader": beat.is_leader,
            "fencing_token": beat.fencing_token,
        }
        statement = insert(nodes).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[nodes.c.node_id],
            set_={k: v for k, v in values.items() if k != "node_id"},
        )
        await self._session.execute(statement)

    async def list(self) -> list[NodeBeat]:
        rows = (await self._session.execute(select(nodes).order_by(nodes.c.node_id))).mappings()
        return [_beat(row) for row in rows]


def _beat(row: Any) -> NodeBeat:
    return NodeBeat(
        node_id=row["node_id"],
        host=row["host"],
        pid=row["pid"],
        version=row["version"],
        roles=tuple(row["roles"]),
        started_at=row["started_at"],
        last_seen=row["last_seen"],
        is_leader=row["is_leader"],
        fencing_token=row["fencing_token"],
    )
