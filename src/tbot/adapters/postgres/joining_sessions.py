"""Sessions for reads that may join the transaction the current task is in.

The bot handles each update inside its journal's transaction (`uow.shared()`). A search made
there in a session of its own took a second pooled connection per update, and a BEGIN and a
ROLLBACK of its own; with as many updates at once as the pool's size, the pool overflowed
and connections were opened and closed all along (each one preparing every statement
again). Joined, the read runs on the journal's connection (PostgresDirectorySearch reads in a
transaction of its own there too: a savepoint it rolls back, so a read that fails leaves the
journal's transaction usable). Anywhere else it gets a session of its own, as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tbot.adapters.postgres.unit_of_work import shared_session


class JoiningSessions:
    """Called like an async_sessionmaker: `async with sessions() as session`."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    def __call__(self) -> AbstractAsyncContextManager[AsyncSession]:
        shared = shared_session()
        if shared is None:
            return self._session_factory()
        return _borrowed(shared)


@asynccontextmanager
async def _borrowed(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """The joined transaction's session, left open: its owner commits and closes it."""
    yield session
