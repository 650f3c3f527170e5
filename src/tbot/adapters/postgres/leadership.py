from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import leadership
from tbot.domain.cluster.errors import FencedOut

OnFenced = Callable[[FencedOut], None]


class PostgresLeadershipRepository:
    """Fencing tokens in `cluster.leadership`. The conditional upsert takes the row lock, so
    two leaders' writes are serialised: the newer leader's token, once committed, refuses
    every older one; an older leader that fenced first finishes before the newer one can."""

    def __init__(self, session: AsyncSession, *, on_fenced: OnFenced | None = None) -> None:
        self._session = session
        self._on_fenced = on_fenced

    async def fence(self, name: str, token: int, holder: str) -> None:
        upsert = insert(leadership).values(name=name, fencing_token=token, holder=holder)
        statement = upsert.on_conflict_do_update(
            index_elements=[leadership.c.name],
            set_={
                "fencing_token": upsert.excluded.fencing_token,
                "holder": upsert.excluded.holder,
                "updated_at": func.now(),
            },
            where=leadership.c.fencing_token <= upsert.excluded.fencing_token,
        ).returning(leadership.c.name)
        if (await self._session.execute(statement)).first() is not None:
            return
        refused = FencedOut(name, token, await self.newest(name))
        if self._on_fenced is not None:
            self._on_fenced(refused)
        raise refused

    async def newest(self, name: str) -> int | None:
        token: int | None = await self._session.scalar(
            select(leadership.c.fencing_token).where(leadership.c.name == name)
        )
        return token
