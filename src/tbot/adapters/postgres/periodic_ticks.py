from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import periodic_ticks


class PostgresPeriodicTickRepository:
    """`cluster.periodic_ticks`: the last tick of each periodic job that went to the outbox."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def last_ticks(self) -> dict[str, datetime]:
        rows = await self._session.execute(
            select(periodic_ticks.c.name, periodic_ticks.c.last_tick).with_for_update()
        )
        return {row.name: row.last_tick for row in rows}

    async def advance(self, name: str, tick: datetime, holder: str, token: int) -> None:
        upsert = insert(periodic_ticks).values(
            name=name, last_tick=tick, holder=holder, fencing_token=token
        )
        await self._session.execute(
            upsert.on_conflict_do_update(
                index_elements=[periodic_ticks.c.name],
                set_={
                    "last_tick": upsert.excluded.last_tick,
                    "holder": upsert.excluded.holder,
                    "fencing_token": upsert.excluded.fencing_token,
                    "updated_at": func.now(),
                },
            )
        )
