from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType
from typing import Protocol, Self

from tbot.application.ports.audit import AuditLog
from tbot.application.ports.cluster import (
    LeadershipRepository,
    NodeRepository,
    PeriodicTickRepository,
)
from tbot.application.ports.directory import (
    DepartmentRepository,
    EmployeeRepository,
    HistoryRepository,
    WorkstationRepository,
)
from tbot.application.ports.identity import (
    ApiTokenRepository,
    RefreshTokenRepository,
    RoleRepository,
    UserRepository,
    VerificationRepository,
)
from tbot.application.ports.jobs import Outbox
from tbot.application.ports.settings import SettingsRepository
from tbot.application.ports.telegram import TelegramRepository


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without `commit()` rolls everything back,
    so a use case that fails halfway leaves neither its change nor its audit event."""

    audit: AuditLog
    settings: SettingsRepository
    nodes: NodeRepository
    leadership: LeadershipRepository
    periodic_ticks: PeriodicTickRepository
    users: UserRepository
    roles: RoleRepository
    refresh_tokens: RefreshTokenRepository
    api_tokens: ApiTokenRepository
    verifications: VerificationRepository
    departments: DepartmentRepository
    workstations: WorkstationRepository
    employees: EmployeeRepository
    history: HistoryRepository
    telegram: TelegramRepository
    outbox: Outbox

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def shared(self) -> AbstractContextManager[None]:
        """Inside an open unit of work: while the block runs, every unit of work opened in the
        same task joins this one's transaction as a savepoint, instead of opening its own.
        The bot handles an update and records it as handled in one commit this way; a use
        case inside still commits or rolls back its own part (its savepoint)."""
        ...
