from __future__ import annotations

from typing import Protocol

from tbot.domain.audit import AuditEvent


class AuditLog(Protocol):
    """Append-only: events are added inside the unit of work of the change they record."""

    async def add(self, event: AuditEvent) -> None: ...

    async def recent(self, limit: int = 50) -> list[AuditEvent]: ...
