"""Wire schemas of the API (msgspec)."""

from __future__ import annotations

import msgspec


class DependencyOut(msgspec.Struct, frozen=True):
    state: str
    required: bool
    detail: str = ""
    latency_ms: float | None = None


class HealthOut(msgspec.Struct, frozen=True):
    status: str
    node_id: str
    version: str
    role: str
    dependencies: dict[str, DependencyOut]
    failing: list[str]


class ErrorOut(msgspec.Struct, frozen=True):
    error: str
    detail: str
    request_id: str = ""
    fields: dict[str, str] | None = None
