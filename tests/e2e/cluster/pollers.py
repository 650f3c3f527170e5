"""Who polled the fake Bot API, and when two polled at once.

The fake records each getUpdates with the client's address; this tracker also names the node
process that owns that socket (found by its pid when the poll starts), so the harness can tell
whether a resumed leader polled again."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psutil

from tbot.testing.fake_telegram.updates import PollEvent, PollTracker

# A newer getUpdates ends the older one with 409 in the same instant (the older call's answer
# is written on the next turn of the fake's event loop). Overlaps no longer than this, ended by
# a 409, are handovers; anything longer means two nodes polled at once.
HANDOVER_INSTANT_S = 0.25


@dataclass(frozen=True, slots=True)
class Poll:
    poll_id: int
    node: str | None
    started: float


class NodePollTracker(PollTracker):
    """A PollTracker that names the node (pid lookup) of every poll it sees start."""

    def __init__(self, pids: Callable[[], dict[int, str]]) -> None:
        super().__init__()
        self._pids = pids
        self.polls: list[Poll] = []

    def start(self, peer: str) -> int:
        poll_id = super().start(peer)
        self.polls.append(Poll(poll_id, self._owner(peer), time.time()))
        return poll_id

    def _owner(self, peer: str) -> str | None:
        port = int(peer.rsplit(":", 1)[-1]) if ":" in peer else -1
        for pid, node in self._pids().items():
            try:
                connections = psutil.Process(pid).net_connections(kind="tcp")
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if any(c.laddr and c.laddr.port == port for c in connections):
                return node
        return None


def polls_by(polls: Iterable[Poll], node: str, since: float, until: float) -> int:
    return sum(1 for p in polls if p.node == node and since <= p.started < until)


def max_concurrent_outside_handovers(timeline: list[PollEvent]) -> int:
    """The peak number of getUpdates calls in flight, not counting the instant of a 409
    handover (the newer poll starts, the older one is answered 409 at once)."""
    peak = 0
    for i, event in enumerate(timeline):
        if event.event != "start":
            continue
        active = event.active
        if active > 1 and _ended_by_conflict_at_once(timeline, i):
            active -= 1
        peak = max(peak, active)
    return peak


def _ended_by_conflict_at_once(timeline: list[PollEvent], start: int) -> bool:
    """After the start at `start`, the number in flight drops back by a 409 within the instant."""
    began = timeline[start]
    for later in timeline[start + 1 :]:
        if later.at - began.at > HANDOVER_INSTANT_S:
            return False
        if later.event == "conflict" and later.active < began.active:
            return True
    return False
