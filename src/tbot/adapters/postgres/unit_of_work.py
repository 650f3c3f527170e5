from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
from tbot.adapters.postgres.node_repository import PostgresNodeRepository
from tbot.adapters.postgres.settings_repository import PostgresSettingsRepository


class PostgresUnitOfWork:
    """One AsyncSession per `async with`; rolls back unless `commit()` was called."""

    audit: PostgresAuditLog
    settings: PostgresSettingsRepository
    nodes: PostgresNodeRepository
    users: PostgresUserRepository
    roles: PostgresRoleRepository
    refresh_tokens: PostgresRefreshTokenRepository
    api_tokens: PostgresApiTokenRepository
    verifications: PostgresVerificationRepository
    departments: PostgresDepartmentRepository
    workstations: PostgresWorkstationRepository
    employees: PostgresEmployeeRepository
    history: PostgresHistoryRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, node: str) -> None:
        self._session_factory = session_factory
        self._node = node
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work is already open; nest use cases through one block")
        session = self._session_factory()
        self._session = session
        self.audit = PostgresAuditLog(session, node=self._node)
        self.settings = PostgresSettingsRepository(session)
        self.nodes = PostgresNodeRepository(session)
        self.users = PostgresUserRepository(session)
        self.roles = PostgresRoleRepository(session)
        self.refresh_tokens = PostgresRefreshTokenRepository(session)
        self.api_tokens = PostgresApiTokenRepository(session)
        self.verifications = PostgresVerificationRepository(session)
        self.departments = PostgresDepartmentRepository(session)
        self.workstations = PostgresWorkstationRepository(session)
        self.employees = PostgresEmployeeRepository(session)
        self.history = PostgresHistoryRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
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
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
