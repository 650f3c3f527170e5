from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tbot.application.ports.clock import Clock
from tbot.application.ports.cluster import NodeBeat
from tbot.application.ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class NodeIdentity:
    node_id: str
    host: str
    pid: int
    version: str
    roles: tuple[str, ...]
    started_at: datetime


class RecordHeartbeat:
    """Writes this node's row in the cluster view. Not audited: it is not a user action,
    and one row every few seconds per node would drown the audit log."""

    def __init__(self, uow: UnitOfWork, clock: Clock, identity: NodeIdentity) -> None:
        self._uow = uow
        self._clock = clock
        self._identity = identity

    async def __call__(
        self, *, is_leader: bool = False, fencing_token: int | None = None
    ) -> NodeBeat:
        i = self._identity
        beat = NodeBeat(
            node_id=i.node_id,
            host=i.host,
            pid=i.pid,
            version=i.version,
            roles=i.roles,
            started_at=i.started_at,
            last_seen=self._clock.now(),
            is_leader=is_leader,
            fencing_token=fencing_token,
        )
        async with self._uow:
            await self._uow.nodes.beat(beat)
            await self._uow.commit()
        return beat
