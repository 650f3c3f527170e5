from __future__ import annotations

import asyncio

from tbot.application.cluster.list_nodes import ListNodes
from tbot.application.cluster.record_heartbeat import NodeIdentity, RecordHeartbeat
from tbot.application.health.check_health import CheckHealth
from tbot.application.ports.health import DependencyState, DependencyStatus
from tests.unit.fakes import FakeClock, FakeUnitOfWork


class Probe:
    def __init__(self, name: str, required: bool = True) -> None:
        self.name = name
        self.required = required
        self.calls = 0
        self.failure: Exception | None = None
        self.delay = 0.0

    async def check(self) -> DependencyStatus:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.failure:
            raise self.failure
        return DependencyStatus(self.name, DependencyState.UP, self.required)


def health(*probes: Probe, clock: FakeClock, cache_s: float = 1.0) -> CheckHealth:
    return CheckHealth(
        probes, clock, node_id="n1", version="0.1.0", role="api", timeout_s=0.05, cache_s=cache_s
    )


async def test_healthy_when_all_required_dependencies_are_up() -> None:
    clock = FakeClock()
    report = await health(Probe("database"), Probe("redis"), clock=clock)()
    assert report.healthy
    assert report.status == "ok"


async def test_failing_required_dependency_is_named() -> None:
    clock = FakeClock()
    redis = Probe("redis")
    redis.failure = ConnectionError("refused")
    report = await health(Probe("database"), redis, clock=clock)()
    assert not report.healthy
    assert report.failing == ("redis",)
    assert report.dependencies[1].detail == "ConnectionError"


async def test_hanging_dependency_times_out_instead_of_hanging_health() -> None:
    clock = FakeClock()
    slow = Probe("database")
    slow.delay = 1.0
    report = await health(slow, clock=clock)()
    assert report.failing == ("database",)
    assert "no answer" in report.dependencies[0].detail


async def test_optional_dependency_down_is_degraded_not_failing() -> None:
    clock = FakeClock()
    keyring = Probe("keyring", required=False)
    keyring.failure = RuntimeError("locked")
    report = await health(Probe("database"), keyring, clock=clock)()
    assert report.healthy
    assert report.status == "degraded"


async def test_result_is_reused_within_the_cache_window() -> None:
    clock = FakeClock()
    database = Probe("database")
    check = health(database, clock=clock, cache_s=1.0)
    await asyncio.gather(*(check() for _ in range(20)))
    assert database.calls == 1
    clock.advance(0.5)
    await check()
    assert database.calls == 1


async def test_aged_report_is_served_while_one_probe_refreshes_it() -> None:
    clock = FakeClock()
    database = Probe("database")
    check = health(database, clock=clock, cache_s=1.0)
    await check()
    database.failure = ConnectionError("gone")
    clock.advance(1.2)
    served = await asyncio.gather(*(check() for _ in range(10)))
    assert all(report.healthy for report in served)  # nobody waited for the probe
    await asyncio.sleep(0.01)  # let the background probe finish
    assert database.calls == 2  # one refresh for all ten callers
    assert not (await check()).healthy  # the refreshed report shows the outage


async def test_report_older_than_two_windows_is_never_served() -> None:
    clock = FakeClock()
    database = Probe("database")
    check = health(database, clock=clock, cache_s=1.0)
    await check()
    database.failure = ConnectionError("gone")
    clock.advance(10)
    assert not (await check()).healthy


async def test_node_missing_three_beats_is_down() -> None:
    clock, uow = FakeClock(), FakeUnitOfWork()
    identity = NodeIdentity("n1", "host1", 42, "0.1.0", ("api",), clock.now())
    await RecordHeartbeat(uow, clock, identity)()
    nodes = ListNodes(uow, clock, interval_s=5, down_after_beats=3)
    assert [v.up for v in await nodes()] == [True]
    clock.advance(16)
    assert [v.up for v in await nodes()] == [False]
