"""The cluster view: who is up, who leads, and what /health reports of it."""

from __future__ import annotations

from tbot.application.cluster.cluster_view import ViewCluster
from tbot.application.cluster.list_nodes import ListNodes
from tbot.application.cluster.record_heartbeat import NodeIdentity, RecordHeartbeat
from tbot.application.health.check_health import CheckHealth
from tests.unit.fakes import FakeClock, FakeUnitOfWork


async def beat(
    uow: FakeUnitOfWork,
    clock: FakeClock,
    node: str,
    *,
    leader: bool = False,
    token: int | None = None,
) -> None:
    identity = NodeIdentity(node, "host", 1, "0.1.0", ("api", "bot"), clock.now())
    await RecordHeartbeat(uow, clock, identity)(is_leader=leader, fencing_token=token)


def view(uow: FakeUnitOfWork, clock: FakeClock) -> ViewCluster:
    return ViewCluster(ListNodes(uow, clock, interval_s=5, down_after_beats=3))


async def test_the_leader_is_the_node_up_that_reports_the_lease() -> None:
    clock, uow = FakeClock(), FakeUnitOfWork()
    await beat(uow, clock, "n1")
    await beat(uow, clock, "n2", leader=True, token=4)
    cluster = await view(uow, clock)()
    assert cluster.leader is not None
    assert cluster.leader.beat.node_id == "n2"
    assert (cluster.up, cluster.down) == (2, 0)


async def test_a_dead_leaders_row_does_not_count_and_the_newer_token_wins() -> None:
    clock, uow = FakeClock(), FakeUnitOfWork()
    await beat(uow, clock, "n1", leader=True, token=4)  # then killed: its row keeps the flag
    clock.advance(20)
    await beat(uow, clock, "n2", leader=True, token=5)
    await beat(uow, clock, "n3", leader=True, token=6)  # a handover caught mid-way
    cluster = await view(uow, clock)()
    assert cluster.leader is not None
    assert cluster.leader.beat.node_id == "n3"
    assert (cluster.up, cluster.down) == (2, 1)


async def test_no_leader_when_no_node_up_holds_the_lease() -> None:
    clock, uow = FakeClock(), FakeUnitOfWork()
    await beat(uow, clock, "n1", leader=True, token=4)
    clock.advance(20)
    await beat(uow, clock, "n2")
    assert (await view(uow, clock)()).leader is None


async def test_health_reports_this_nodes_role_and_the_cluster() -> None:
    clock, uow = FakeClock(), FakeUnitOfWork()
    await beat(uow, clock, "n1", leader=True, token=9)
    health = CheckHealth([], clock, node_id="n1", version="0.1.0", role="api", cache_s=0)
    assert (await health()).leadership is None
    leading = [True]
    health.watch_cluster(view(uow, clock), lambda: leading[0])
    report = await health()
    assert report.leadership == "leader"
    assert report.cluster is not None
    assert report.cluster.leader is not None
    assert report.cluster.leader.beat.fencing_token == 9
    leading[0] = False
    clock.advance(5)  # past the window in which the last report is still served
    assert (await health()).leadership == "follower"


async def test_health_without_a_readable_cluster_view_still_answers() -> None:
    clock = FakeClock()

    async def broken() -> object:
        raise ConnectionError("database down")

    health = CheckHealth([], clock, node_id="n1", version="0.1.0", role="api", cache_s=0)
    health.watch_cluster(broken, lambda: False)  # type: ignore[arg-type]
    report = await health()
    assert report.cluster is None
    assert report.leadership == "follower"
