"""The leadership loop of a node: campaign for the leader's lease, keep it, give it up in time."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tbot.application.ports.clock import Clock
from tbot.application.ports.cluster import LeaderElection, LeadershipEvents
from tbot.domain.cluster.lease import Lease

T = TypeVar("T")

OnGained = Callable[[Lease], Awaitable[None]]
OnLost = Callable[[str], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

LEADER_LEASE = "leader"


class Leadership:
    """Campaigns for the lease every `retry_s`, renews it every third of the TTL, and tells
    subscribers when leadership is gained and lost.

    The node stops being leader by its own monotonic clock, `ttl - margin` after the last
    renewal that succeeded was sent, whatever Redis does: every call to Redis is bounded in
    time, so a renewal that hangs cannot keep the node leader. `is_leader()` and
    `current_lease` read the clock on each call, so they turn false on time even when this
    loop is late. Leader-only code checks one of them before every action, and carries the
    lease's fencing token into PostgreSQL (`uow.leadership.fence`).

    Subscribers are called in order, one at a time, in a task of their own: a slow
    `on_gained` (starting the bot) never delays a renewal. When the loop is cancelled (the
    node stops) it stops being leader at once, waits for the `on_lost` subscribers (up to
    `stop_timeout_s`), then releases the lease, so another node takes over at its next try
    instead of after the TTL. Until it is released, the lease stays valid by the clock, so
    the `on_lost` subscribers can finish what they had in hand under it."""

    def __init__(
        self,
        election: LeaderElection,
        clock: Clock,
        *,
        node_id: str,
        ttl_s: float,
        retry_s: float,
        name: str = LEADER_LEASE,
        events: LeadershipEvents | None = None,
        stop_timeout_s: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if retry_s <= 0 or ttl_s <= 0:
            raise ValueError("leader TTL and retry interval must be positive")
        self.name = name
        # One process, one holder: a restarted node must not pass for its dead predecessor.
        self.holder = f"{node_id}#{secrets.token_hex(4)}"
        self.ttl_s = ttl_s
        self.retry_s = retry_s
        self._election = election
        self._clock = clock
        self._events: LeadershipEvents = events or _NoEvents()
        self._stop_timeout_s = stop_timeout_s
        self._sleep = sleep
        # A third of the TTL: two more renewals fit before the lease could run out.
        self._renew_every_s = ttl_s / 3
        self._lease: Lease | None = None
        self._next_renewal = 0.0
        self._gained: list[OnGained] = []
        self._lost: list[OnLost] = []
        self._queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue()

    @property
    def current_lease(self) -> Lease | None:
        """The lease while it is valid by this node's clock, else None."""
        lease = self._lease
        if lease is not None and lease.is_valid(self._clock.monotonic()):
            return lease
        return None

    def is_leader(self) -> bool:
        return self.current_lease is not None

    def subscribe(
        self, *, on_gained: OnGained | None = None, on_lost: OnLost | None = None
    ) -> None:
        """A subscriber that comes while the node leads hears `on_gained` at once."""
        if on_gained is not None:
            self._gained.append(on_gained)
            lease = self.current_lease
            if lease is not None:
                self._queue.put_nowait(lambda: on_gained(lease))
        if on_lost is not None:
            self._lost.append(on_lost)

    async def run(self) -> None:
        """Until cancelled; then steps down and releases the lease."""
        delivery = asyncio.create_task(self._deliver(), name=f"leadership-{self.name}-events")
        try:
            while True:
                if self._lease is None:
                    await self._campaign()
                else:
                    await self._keep()
        finally:
            await self._stop(delivery)

    async def _campaign(self) -> None:
        started = self._clock.monotonic()
        try:
            lease = await self._within(
                self._election.acquire(self.name, self.holder, self.ttl_s),
                started + self._renew_every_s,
            )
        except Exception as error:  # Redis down or slow: no leader can be proven; try again
            self._events.campaign_failed(_describe(error))
            lease = None
        else:
            self._events.campaign_answered()
        if lease is None or not lease.is_valid(self._clock.monotonic()):
            await self._sleep(self.retry_s)
            return
        self._lease = lease
        self._next_renewal = lease.renewed_at + self._renew_every_s
        self._events.gained(lease)
        for subscriber in self._gained:
            self._queue.put_nowait(_bind(subscriber, lease))

    async def _keep(self) -> None:
        lease = self._lease
        assert lease is not None
        wait = min(self._next_renewal, lease.valid_until) - self._clock.monotonic()
        if wait > 0:
            await self._sleep(wait)
        sent_at = self._clock.monotonic()
        if not lease.is_valid(sent_at):
            self._events.ran_out(lease)
            self._step_down(lease, "no renewal succeeded before the lease ran out")
            return
        deadline = min(sent_at + self._renew_every_s, lease.valid_until)
        try:
            renewed = await self._within(self._election.renew(lease), deadline)
        except Exception as error:
            self._events.renew_failed(lease, _describe(error))
            if not lease.is_valid(self._clock.monotonic()):
                self._events.ran_out(lease)
                self._step_down(
                    lease, f"renewal failed until the lease ran out: {_describe(error)}"
                )
            else:
                self._next_renewal = self._clock.monotonic() + min(
                    self.retry_s, self._renew_every_s
                )
            return
        if renewed is None:
            self._step_down(lease, "the lease expired in Redis or another node holds it")
            return
        self._events.renewed(renewed, self._clock.monotonic() - sent_at)
        self._lease = renewed
        self._next_renewal = renewed.renewed_at + self._renew_every_s

    def _step_down(self, lease: Lease, reason: str) -> None:
        self._lease = None
        self._tell_lost(lease, reason)

    def _tell_lost(self, lease: Lease, reason: str) -> None:
        self._events.lost(lease, reason)
        for subscriber in self._lost:
            self._queue.put_nowait(_bind(subscriber, reason))

    async def _stop(self, delivery: asyncio.Task[None]) -> None:
        lease = self._lease
        if lease is not None:
            # The lease stays ours until released, and valid by the clock as ever (no renewal
            # now): the subscribers finish the work in hand under it (the bot records and
            # confirms its batch). Dropping it first refused those commits, and the next
            # leader answered the same updates again.
            self._tell_lost(lease, "node stopping")
        try:
            deadline = self._clock.monotonic() + self._stop_timeout_s
            await self._within(self._queue.join(), deadline)
        except TimeoutError:
            pass
        finally:
            delivery.cancel()
            self._lease = None
        if lease is not None:
            try:
                await self._within(
                    self._election.release(lease), self._clock.monotonic() + self._renew_every_s
                )
            except Exception as error:  # it expires by itself after the TTL
                self._events.renew_failed(lease, f"release failed: {_describe(error)}")

    async def _deliver(self) -> None:
        while True:
            call = await self._queue.get()
            try:
                await call()
            except Exception as error:  # a broken subscriber must not stop the others
                self._events.subscriber_failed(_describe(error))
            finally:
                self._queue.task_done()

    async def _within(self, call: Awaitable[T], deadline: float) -> T:
        """`call`'s result, or TimeoutError at `deadline` on this node's clock (the call is
        cancelled then). Timed by the injected sleep, so tests can drive a fake clock."""
        task = asyncio.ensure_future(call)
        timer = asyncio.ensure_future(self._sleep(max(0.0, deadline - self._clock.monotonic())))
        try:
            done, _ = await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            if not task.done():
                task.cancel()
        if task not in done:
            raise TimeoutError("no answer in time")
        return task.result()


def _bind(subscriber: Callable[[T], Awaitable[None]], value: T) -> Callable[[], Awaitable[None]]:
    return lambda: subscriber(value)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class _NoEvents:
    def gained(self, lease: Lease) -> None:
        pass

    def lost(self, lease: Lease, reason: str) -> None:
        pass

    def renewed(self, lease: Lease, latency_s: float) -> None:
        pass

    def renew_failed(self, lease: Lease, error: str) -> None:
        pass

    def ran_out(self, lease: Lease) -> None:
        pass

    def campaign_failed(self, error: str) -> None:
        pass

    def campaign_answered(self) -> None:
        pass

    def subscriber_failed(self, error: str) -> None:
        pass
