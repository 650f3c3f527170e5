from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tbot.application.ports.clock import Clock
from tbot.application.ports.cluster import NodeBeat
from tbot.application.ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class NodeView:
    beat: NodeBeat
    up: bool


class ListNodes:
    """The cluster as the heartbeats show it; a node that missed `down_after_beats` is down."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, interval_s: float, down_after_beats: int
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._grace = timedelta(seconds=interval_s * down_after_beats)

    async def __call__(self) -> list[NodeView]:
        async with self._uow:
            beats = await self._uow.nodes.list()
        now = self._clock.now()
        return [NodeView(beat, now - beat.last_seen <= self._grace) for beat in beats]
