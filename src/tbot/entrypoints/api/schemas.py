"""Wire schemas of the API (msgspec)."""

from __future__ import annotations

import msgspec


class DependencyOut(msgspec.Struct, frozen=True):
    state: str
    required: bool
    detail: str = ""
    latency_ms: float | None = None


class ClusterNodeOut(msgspec.Struct, frozen=True):
    node_id: str
    host: str
    up: bool
    leader: bool
    last_seen: str


class ClusterOut(msgspec.Struct, frozen=True):
    leader: str | None
    fencing_token: int | None
    nodes_up: int
    nodes_down: int
    nodes: list[ClusterNodeOut]


class HealthOut(msgspec.Struct, frozen=True):
    status: str
    node_id: str
    version: str
    role: str
    dependencies: dict[str, DependencyOut]
    failing: list[str]
    # "leader" or "follower" on a node that runs the leadership loop.
    leadership: str | None = None
    cluster: ClusterOut | None = None


class ErrorOut(msgspec.Struct, frozen=True):
    error: str
    detail: str
    request_id: str = ""
    fields: dict[str, str] | None = None
