"""The leadership loop on a fake election and a fake monotonic clock: when it leads, when it
must stop leading, and what its subscribers hear."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tbot.application.cluster.leadership import Leadership
from tbot.domain.cluster.lease import Lease
from tests.unit.cluster_fakes import FakeElection, VirtualTime
from tests.unit.fakes import FakeClock

TTL = 5.0
MARGIN = 0.5  # safety_margin_s(5.0)


class Recorder:
    """Subscriber and events at once: what happened, and when on the fake clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.log: list[tuple[str, float, object]] = []
        self.renewed_leases: list[Lease] = []

    async def on_gained(self, lease: Lease) -> None:
        self.log.append(("gained", self.clock.monotonic(), lease.token))

    async def on_lost(self, reason: str) -> None:
        self.log.append(("lost", self.clock.monotonic(), reason))

    def gained(self, lease: Lease) -> None:
        pass

    def lost(self, lease: Lease, reason: str) -> None:
        # The moment of stepping down; subscribers hear of it a little later.
        self.log.append(("stepped_down", self.clock.monotonic(), reason))

    def renewed(self, lease: Lease, latency_s: float) -> None:
        self.renewed_leases.append(lease)

    def renew_failed(self, lease: Lease, error: str) -> None:
        self.log.append(("renew_failed", self.clock.monotonic(), error))

    def ran_out(self, lease: Lease) -> None:
        self.log.append(("ran_out", self.clock.monotonic(), lease.token))

    def campaign_failed(self, error: str) -> None:
        pass

    def campaign_answered(self) -> None:
        pass

    def subscriber_failed(self, error: str) -> None:
        self.log.append(("subscriber_failed", self.clock.monotonic(), error))

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.log if kind in {"gained", "lost"}]

    def first(self, kind: str) -> tuple[float, object]:
        for k, at, detail in self.log:
            if k == kind:
                return at, detail
        raise AssertionError(f"no {kind} in {self.log}")


class Setup:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.time = VirtualTime(self.clock)
        self.election = FakeElection(self.clock)
        self.recorder = Recorder(self.clock)
        self.leadership = Leadership(
            self.election,
            self.clock,
            node_id="n1",
            ttl_s=TTL,
            retry_s=0.5,
            events=self.recorder,
            sleep=self.time.sleep,
        )
        self.leadership.subscribe(on_gained=self.recorder.on_gained, on_lost=self.recorder.on_lost)
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self.leadership.run())

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    async def settle(self) -> None:
        for _ in range(20):
            await asyncio.sleep(0)


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    s = Setup()
    s.start()
    yield s
    await s.stop()


async def test_a_free_lease_is_taken_and_subscribers_hear_it(setup: Setup) -> None:
    await setup.settle()
    assert setup.leadership.is_leader()
    lease = setup.leadership.current_lease
    assert lease is not None
    assert lease.token == 1
    assert setup.recorder.kinds() == ["gained"]


async def test_renewals_come_every_third_of_the_ttl_and_keep_the_node_leader(setup: Setup) -> None:
    start = setup.clock.monotonic()
    await setup.time.until(start + 60)
    assert setup.leadership.is_leader()
    gaps = [
        b - a for a, b in zip(setup.election.renewals, setup.election.renewals[1:], strict=False)
    ]
    assert gaps
    assert all(gap == pytest.approx(TTL / 3) for gap in gaps)
    assert setup.recorder.kinds() == ["gained"]


async def test_a_hanging_renewal_steps_the_leader_down_by_its_own_clock_before_the_ttl(
    setup: Setup,
) -> None:
    await setup.time.until(setup.clock.monotonic() + 10)
    setup.election.hang = True
    await setup.time.until(setup.clock.monotonic() + TTL + 2)
    await setup.settle()
    last_ok = setup.recorder.renewed_leases[-1].renewed_at
    lost_at, reason = setup.recorder.first("stepped_down")
    # Leader until ttl - margin after the last renewal that worked was sent, not a moment more.
    assert lost_at == pytest.approx(last_ok + TTL - MARGIN)
    assert lost_at < last_ok + TTL
    assert "ran out" in str(reason)
    assert setup.recorder.first("ran_out")[0] == lost_at  # the refusal is reported
    # It did not give up at the first hung call: it tried again with the time it had.
    failures = [at for kind, at, _ in setup.recorder.log if kind == "renew_failed"]
    assert len(failures) >= 2


async def test_is_leader_turns_false_on_time_even_when_the_loop_is_stuck() -> None:
    s = Setup()
    s.start()
    try:
        await s.settle()
        lease = s.leadership.current_lease
        assert lease is not None
        # No await from here: the loop cannot run, only the clock moves (a blocked loop).
        s.clock.advance(lease.renewed_at + TTL - MARGIN - 0.01 - s.clock.monotonic())
        assert s.leadership.is_leader()
        s.clock.advance(0.02)
        assert not s.leadership.is_leader()
        assert s.leadership.current_lease is None
    finally:
        await s.stop()


async def test_failing_renewals_are_retried_and_a_recovery_in_time_keeps_leadership(
    setup: Setup,
) -> None:
    await setup.settle()
    last_ok = setup.leadership.current_lease.renewed_at  # type: ignore[union-attr]
    setup.election.failure = ConnectionError("redis restarting")
    await setup.time.until(last_ok + TTL - MARGIN - 1.0)
    assert setup.leadership.is_leader()
    setup.election.failure = None
    await setup.time.until(setup.clock.monotonic() + 20)
    assert setup.leadership.is_leader()
    assert setup.recorder.kinds() == ["gained"]
    assert any(kind == "renew_failed" for kind, _, _ in setup.recorder.log)


async def test_failing_renewals_end_leadership_at_ttl_minus_margin(setup: Setup) -> None:
    await setup.settle()
    setup.election.failure = ConnectionError("redis gone")
    await setup.time.until(setup.clock.monotonic() + TTL + 2)
    await setup.settle()
    last_ok = setup.recorder.renewed_leases[-1].renewed_at
    lost_at, _ = setup.recorder.first("stepped_down")
    assert lost_at == pytest.approx(last_ok + TTL - MARGIN)


async def test_a_lease_taken_by_another_node_ends_leadership_at_the_next_renewal(
    setup: Setup,
) -> None:
    await setup.settle()
    setup.election.take_over("n2#other")
    taken_at = setup.clock.monotonic()
    await setup.time.until(taken_at + TTL / 3 + 0.01)
    await setup.settle()
    assert not setup.leadership.is_leader()
    _, reason = setup.recorder.first("lost")
    assert "another node" in str(reason)


async def test_a_node_that_lost_campaigns_again_and_gets_a_new_token(setup: Setup) -> None:
    await setup.settle()
    setup.election.take_over("n2#other")
    setup.election.expires_at = setup.clock.monotonic() + 3.0  # the other one dies
    await setup.time.until(setup.clock.monotonic() + 10)
    await setup.settle()
    assert setup.recorder.kinds() == ["gained", "lost", "gained"]
    gained = [detail for kind, _, detail in setup.recorder.log if kind == "gained"]
    assert gained == [1, 2]


async def test_a_follower_does_not_lead_while_another_holds_the_lease() -> None:
    s = Setup()
    s.election.take_over("n2#other")
    s.start()
    try:
        await s.time.until(s.clock.monotonic() + 30)
        assert not s.leadership.is_leader()
        assert s.recorder.kinds() == []
    finally:
        await s.stop()


async def test_stopping_tells_subscribers_first_then_releases_the_lease(setup: Setup) -> None:
    await setup.settle()
    order: list[str] = []

    async def stop_polling(reason: str) -> None:
        order.append(f"lost:{reason}:released={bool(setup.election.releases)}")

    setup.leadership.subscribe(on_lost=stop_polling)
    await setup.stop()
    assert order == ["lost:node stopping:released=False"]
    assert setup.election.releases == [setup.leadership.holder]
    assert setup.election.holder is None
    assert not setup.leadership.is_leader()


async def test_a_slow_subscriber_does_not_delay_renewals() -> None:
    s = Setup()
    never = asyncio.Event()

    async def slow_start(_: Lease) -> None:
        await never.wait()

    s.leadership.subscribe(on_gained=slow_start)
    s.start()
    try:
        await s.time.until(s.clock.monotonic() + 30)
        assert s.leadership.is_leader()
        assert len(s.election.renewals) >= 15
    finally:
        await s.stop()


async def test_a_failing_subscriber_does_not_stop_the_others(setup: Setup) -> None:
    async def broken(_: Lease) -> None:
        raise RuntimeError("bot would not start")

    heard: list[int] = []

    async def after(lease: Lease) -> None:
        heard.append(lease.token)

    setup.leadership.subscribe(on_gained=broken)
    setup.leadership.subscribe(on_gained=after)
    await setup.settle()
    assert heard == [1]
    assert any(kind == "subscriber_failed" for kind, _, _ in setup.recorder.log)


async def test_a_stopping_node_finishes_its_work_under_the_lease_before_releasing_it(
    setup: Setup,
) -> None:
    await setup.settle()
    seen: list[bool] = []

    async def stop_polling(reason: str) -> None:
        # The bot commits and confirms its batch in hand here, checking the lease each time.
        seen.append(setup.leadership.is_leader())

    setup.leadership.subscribe(on_lost=stop_polling)
    await setup.stop()
    assert seen == [True]
    assert not setup.leadership.is_leader()
    assert setup.election.holder is None
