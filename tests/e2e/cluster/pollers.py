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

# The fake counts a poll ended by a newer one as over at that instant, as Telegram does, so two
# polls are never in flight at once there; two nodes both in their polling loops show instead as
# fighting: a node answered 409 polls again this soon, while the node that ended it still polls.
# Leadership cannot honestly come back to it that fast (a new leader keeps its lease for a TTL).
FIGHT_WINDOW_S = 2.0


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


def max_concurrent_outside_handovers(timeline: list[PollEvent], polls: list[Poll]) -> int:
    """How many nodes polled at once, not counting the instant of a 409 handover: the peak of
    getUpdates calls in flight, or 2 when a node ended by a 409 went on polling (fighting)."""
    in_flight = max((e.active for e in timeline if e.event == "start"), default=0)
    return max(in_flight, 2 if fights(timeline, polls) else min(in_flight, 1))


def fights(timeline: list[PollEvent], polls: list[Poll]) -> list[tuple[str, float]]:
    """(node, when) for each 409 from another node's poll after which the ended node polled
    again within FIGHT_WINDOW_S."""
    node_of = {p.poll_id: p.node for p in polls}
    found: list[tuple[str, float]] = []
    for i, event in enumerate(timeline):
        node = node_of.get(event.poll_id)
        if event.event != "conflict" or node is None:
            continue
        later = _starts_within(timeline[i + 1 :], node_of, event.at + FIGHT_WINDOW_S)
        if not later or later[0][1] == node:
            continue  # nobody else took over, or the node's own newer poll ended its older one
        if any(n == node for _, n in later):
            found.append((node, event.at))
    return found


def _starts_within(
    events: list[PollEvent], node_of: dict[int, str | None], until: float
) -> list[tuple[float, str | None]]:
    starts: list[tuple[float, str | None]] = []
    for event in events:
        if event.at > until:
            break
        if event.event == "start":
            starts.append((event.at, node_of.get(event.poll_id)))
    return starts
