"""A faithful in-memory LeaderElection on the fake clock, and sleep in virtual time."""

from __future__ import annotations

import asyncio

from tbot.domain.cluster.lease import Lease
from tests.unit.fakes import FakeClock


class VirtualTime:
    """`sleep` moves the fake clock on instead of waiting: the leadership loop runs through
    minutes of its schedule in milliseconds, and every time it reads is exact."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await asyncio.sleep(0)

    async def until(self, moment: float) -> None:
        """Lets the loop run until the fake clock has reached `moment`."""
        for _ in range(100_000):
            if self.clock.monotonic() >= moment:
                return
            await asyncio.sleep(0)
        raise AssertionError(f"the clock stopped at {self.clock.monotonic()}, before {moment}")


class FakeElection:
    """One lease per name with a TTL on the fake clock, like the Redis adapter: acquisition
    only when free or already ours (with a new token), renewal and release only by the
    holder. `hang` makes calls never answer; `failure` makes them raise."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self.holder: str | None = None
        self.expires_at = 0.0
        self.token = 0
        self.hang = False
        self.failure: Exception | None = None
        self.renewals: list[float] = []
        self.releases: list[str] = []

    async def _answer(self) -> None:
        if self.failure is not None:
            raise self.failure
        if self.hang:
            await asyncio.Event().wait()

    def _held_by_other(self, holder: str) -> bool:
        return (
            self.holder is not None
            and self.holder != holder
            and self._clock.monotonic() < self.expires_at
        )

    async def acquire(self, name: str, holder: str, ttl_s: float) -> Lease | None:
        sent_at = self._clock.monotonic()
        await self._answer()
        if self._held_by_other(holder):
            return None
        self.holder, self.expires_at = holder, self._clock.monotonic() + ttl_s
        self.token += 1
        return Lease(name=name, holder=holder, token=self.token, acquired_at=sent_at, ttl_s=ttl_s)

    async def renew(self, lease: Lease) -> Lease | None:
        sent_at = self._clock.monotonic()
        self.renewals.append(sent_at)
        await self._answer()
        if self.holder != lease.holder or self._clock.monotonic() >= self.expires_at:
            return None
        self.expires_at = self._clock.monotonic() + lease.ttl_s
        return lease.renewed(sent_at)

    async def release(self, lease: Lease) -> bool:
        await self._answer()
        self.releases.append(lease.holder)
        if self.holder != lease.holder:
            return False
        self.holder = None
        return True

    def take_over(self, holder: str) -> None:
        """Someone else holds the lease now (Redis lost it and another node took it)."""
        self.holder, self.expires_at = holder, self._clock.monotonic() + 60
