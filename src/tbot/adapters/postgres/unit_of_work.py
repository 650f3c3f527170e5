from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction, async_sessionmaker

from tbot.adapters.postgres.audit_log import PostgresAuditLog
from tbot.adapters.postgres.directory.departments import PostgresDepartmentRepository
from tbot.adapters.postgres.directory.employees import PostgresEmployeeRepository
from tbot.adapters.postgres.directory.history import PostgresHistoryRepository
from tbot.adapters.postgres.directory.workstations import PostgresWorkstationRepository
from tbot.adapters.postgres.identity.api_tokens import PostgresApiTokenRepository
from tbot.adapters.postgres.identity.refresh_tokens import PostgresRefreshTokenRepository
from tbot.adapters.postgres.identity.roles import PostgresRoleRepository
from tbot.adapters.postgres.identity.users import PostgresUserRepository
from tbot.adapters.postgres.identity.verifications import PostgresVerificationRepository
from tbot.adapters.postgres.leadership import OnFenced, PostgresLeadershipRepository
from tbot.adapters.postgres.node_repository import PostgresNodeRepository
from tbot.adapters.postgres.outbox import PostgresOutbox
from tbot.adapters.postgres.periodic_ticks import PostgresPeriodicTickRepository
from tbot.adapters.postgres.settings_repository import PostgresSettingsRepository
from tbot.adapters.postgres.telegram import PostgresTelegramRepository

# The session of the unit of work whose `shared()` block the current task is in.
_SHARED: ContextVar[AsyncSession | None] = ContextVar("tbot_shared_session", default=None)


def shared_session() -> AsyncSession | None:
    """The session of the unit of work whose `shared()` block the current task is in."""
    return _SHARED.get()


class PostgresUnitOfWork:
    """One AsyncSession per `async with`; rolls back unless `commit()` was called.
    Inside another unit of work's `shared()` block it works on a savepoint of that one's
    session instead, and `commit()` releases the savepoint."""

    audit: PostgresAuditLog
    settings: PostgresSettingsRepository
    nodes: PostgresNodeRepository
    leadership: PostgresLeadershipRepository
    periodic_ticks: PostgresPeriodicTickRepository
    users: PostgresUserRepository
    roles: PostgresRoleRepository
    refresh_tokens: PostgresRefreshTokenRepository
    api_tokens: PostgresApiTokenRepository
    verifications: PostgresVerificationRepository
    departments: PostgresDepartmentRepository
    workstations: PostgresWorkstationRepository
    employees: PostgresEmployeeRepository
    history: PostgresHistoryRepository
    telegram: PostgresTelegramRepository
    outbox: PostgresOutbox

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        node: str,
        on_fenced: OnFenced | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._node = node
        self._on_fenced = on_fenced
        self._session: AsyncSession | None = None
        self._savepoint: AsyncSessionTransaction | None = None

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work is already open; nest use cases through one block")
        shared = _SHARED.get()
        if shared is not None:
            self._savepoint = await shared.begin_nested()
            self._attach(shared)
        else:
            self._attach(self._session_factory())
        return self

    def _attach(self, session: AsyncSession) -> None:
        self._session = session
        self.audit = PostgresAuditLog(session, node=self._node)
        self.settings = PostgresSettingsRepository(session)
        self.nodes = PostgresNodeRepository(session)
        self.leadership = PostgresLeadershipRepository(session, on_fenced=self._on_fenced)
        self.periodic_ticks = PostgresPeriodicTickRepository(session)
        self.users = PostgresUserRepository(session)
        self.roles = PostgresRoleRepository(session)
        self.refresh_tokens = PostgresRefreshTokenRepository(session)
        self.api_tokens = PostgresApiTokenRepository(session)
        self.verifications = PostgresVerificationRepository(session)
        self.departments = PostgresDepartmentRepository(session)
        self.workstations = PostgresWorkstationRepository(session)
        self.employees = PostgresEmployeeRepository(session)
        self.history = PostgresHistoryRepository(session)
        self.telegram = PostgresTelegramRepository(session)
        self.outbox = PostgresOutbox(session)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        savepoint, self._savepoint = self._savepoint, None
        if session is None:
            return
        if savepoint is not None:
            # The session belongs to the sharing unit of work: undo only our part.
            if savepoint.is_active:
                await savepoint.rollback()
            return
        try:
            await session.rollback()
        finally:
            await session.close()

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def commit(self) -> None:
        if self._savepoint is None:
            await self.session.commit()
            return
        await self._savepoint.commit()
        # A use case may go on writing after a commit (and fail): give that its own savepoint.
        self._savepoint = await self.session.begin_nested()

    async def rollback(self) -> None:
        if self._savepoint is None:
            await self.session.rollback()
            return
        await self._savepoint.rollback()
        self._savepoint = await self.session.begin_nested()

    @contextmanager
    def shared(self) -> Iterator[None]:
        token = _SHARED.set(self.session)
        try:
            yield
        finally:
            _SHARED.reset(token)
