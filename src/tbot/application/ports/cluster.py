from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class NodeBeat:
    node_id: str
    host: str
    pid: int
    version: str
    roles: tuple[str, ...]
    started_at: datetime
    last_seen: datetime
    is_leader: bool = False
    fencing_token: int | None = None


class NodeRepository(Protocol):
    async def beat(self, beat: NodeBeat) -> None: ...

    async def list(self) -> list[NodeBeat]: ...
