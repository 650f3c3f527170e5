from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tbot.domain.cluster.lease import Lease


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


class LeaderElection(Protocol):
    """A lease on a name that at most one holder has at a time, with a fencing token that
    grows on every acquisition. Calls may raise when the store is unreachable; the caller
    bounds them in time (a call that hangs must not keep anyone leader)."""

    async def acquire(self, name: str, holder: str, ttl_s: float) -> Lease | None:
        """The lease with a new fencing token, or None while someone else holds it.
        A holder that still has the name (it gave up on a slow renewal) takes it again,
        with a new token: a new term."""
        ...

    async def renew(self, lease: Lease) -> Lease | None:
        """The lease extended by its TTL from now, or None if it is no longer this holder's."""
        ...

    async def release(self, lease: Lease) -> bool:
        """Gives the name up at once if it is still this holder's; says whether it was."""
        ...


class LeadershipRepository(Protocol):
    async def fence(self, name: str, token: int, holder: str) -> None:
        """Records `token` as the newest seen for `name`, or raises FencedOut when a newer one
        has been seen. Called first in a leader-only write's transaction: the row stays
        locked until the transaction ends, so an older leader's write cannot slip past."""
        ...

    async def newest(self, name: str) -> int | None:
        """The newest fencing token seen for `name`, if any."""
        ...


class PeriodicTickRepository(Protocol):
    async def last_ticks(self) -> dict[str, datetime]:
        """The last tick enqueued per periodic job; the rows stay locked until the transaction
        ends (the fence already serialises leaders: this keeps a test's second writer honest)."""
        ...

    async def advance(self, name: str, tick: datetime, holder: str, token: int) -> None:
        """Records `tick` as the last enqueued for `name`."""
        ...


class Schedule(Protocol):
    """When a periodic job is due: the ticks of a cron-like rule."""

    @property
    def job(self) -> str: ...

    def next_after(self, moment: datetime) -> datetime:
        """The first tick strictly after `moment` (aware, UTC)."""
        ...


class LeadershipEvents(Protocol):
    """What the leadership loop reports for logs and metrics."""

    def gained(self, lease: Lease) -> None: ...

    def lost(self, lease: Lease, reason: str) -> None: ...

    def renewed(self, lease: Lease, latency_s: float) -> None: ...

    def renew_failed(self, lease: Lease, error: str) -> None: ...

    def ran_out(self, lease: Lease) -> None:
        """The lease ran out by this node's own clock before a renewal got through (the node
        was paused, or Redis did not answer in time): the renewal, a leader-only write, is
        refused by the node itself, and it steps down."""
        ...

    def campaign_failed(self, error: str) -> None: ...

    def campaign_answered(self) -> None:
        """Redis answered a campaign (won or not): it is reachable again."""
        ...

    def subscriber_failed(self, error: str) -> None: ...


class HeldLock(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def owner(self) -> str:
        """The random token that marks this holder's ownership in the store."""
        ...

    def is_held(self) -> bool:
        """By the holder's own clock: false once the lock may have expired or was lost."""
        ...


class LockManager(Protocol):
    def hold(
        self, name: str, ttl_s: float, *, wait_s: float = 10.0
    ) -> AbstractAsyncContextManager[HeldLock]:
        """`async with locks.hold("purge", 30) as lock:` runs the block while this process
        alone holds `name`. Waits up to `wait_s` for the lock (LockNotAcquired after that),
        extends it every third of `ttl_s` while the block runs, and releases it at the end,
        only if it is still ours. If an extension finds the lock gone or someone else's, the
        block is cancelled and LockLost is raised from it. A holder that dies leaves the lock
        to expire after `ttl_s`."""
        ...
