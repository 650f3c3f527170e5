from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class DependencyState(StrEnum):
    UP = "up"
    DOWN = "down"
    NOT_CONFIGURED = "not configured"


@dataclass(frozen=True, slots=True)
class DependencyStatus:
    name: str
    state: DependencyState
    required: bool
    detail: str = ""
    latency_ms: float | None = None


class DependencyCheck(Protocol):
    """One dependency that /health reports on."""

    name: str
    required: bool

    async def check(self) -> DependencyStatus: ...
