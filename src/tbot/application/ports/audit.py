from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tbot.domain.audit import AuditEvent


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Every given field narrows the search; `since` is inclusive, `until` exclusive."""

    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditLog(Protocol):
    """Append-only: events are added inside the unit of work of the change they record."""

    async def add(self, event: AuditEvent) -> None: ...

    async def recent(self, limit: int = 50) -> list[AuditEvent]: ...

    async def search(
        self, where: AuditFilter, *, before_id: int | None = None, limit: int = 100
    ) -> list[AuditEvent]:
        """Newest first; `before_id` is the cursor (the id of the last event of the previous
        page), stable while new events are appended."""
        ...
