from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from tbot.application.ports.audit import AuditLog
from tbot.application.ports.cluster import NodeRepository
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
from tbot.application.ports.settings import SettingsRepository


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without `commit()` rolls everything back,
    so a use case that fails halfway leaves neither its change nor its audit event."""

    audit: AuditLog
    settings: SettingsRepository
    nodes: NodeRepository
    users: UserRepository
    roles: RoleRepository
    refresh_tokens: RefreshTokenRepository
    api_tokens: ApiTokenRepository
    verifications: VerificationRepository
    departments: DepartmentRepository
    workstations: WorkstationRepository
    employees: EmployeeRepository
    history: HistoryRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
