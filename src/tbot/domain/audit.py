"""The audit event: an append-only record of who did what to which target."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tbot.domain.actor import Actor


@dataclass(frozen=True, slots=True)
class AuditEvent:
    actor: Actor
    action: str
    target_type: str
    target_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    node: str = ""
    at: datetime | None = None
    id: int | None = field(default=None, compare=False)
