"""Three nodes, a steady stream of messages, and a short loop of faults of all four kinds
against whichever node leads: kill -9, SIGSTOP past the TTL then SIGCONT, SIGTERM, and a
restart of Redis. Every message is answered exactly once, no two nodes ever poll at once
(beyond the instant of a 409 handover), and a resumed leader neither polls nor confirms."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cluster.cluster import Cluster
from tests.e2e.cluster.faults import Timing, run_faults, schedule
from tests.e2e.cluster.report import build_report

pytestmark = pytest.mark.timeout(400)

FAULTS = 10  # the four kinds in turn: kill, stop, term, redis, kill, ...
TTL_S = 5.0  # leader_ttl_s's default, which the nodes run with


async def test_a_short_fault_loop_loses_nothing_and_never_polls_twice(
    fresh_database_url: str, tmp_path: Path
) -> None:
    timing = Timing(ttl_s=TTL_S, stop_s=TTL_S + 2.0, redis_down_s=TTL_S + 1.0)
    async with Cluster(tmp_path, fresh_database_url) as cluster:
        await cluster.wait_ready()
        cluster.start_stream()
        records = await run_faults(cluster, schedule(FAULTS), timing)
        await cluster.drain()
        report = build_report(cluster, records)
    summary = "\n".join([report.last_line(), *report.per_kind_lines()])

    assert {r.kind for r in records} == {"kill", "stop", "term", "redis"}
    assert all(r.recovered_s is not None for r in records), summary
    assert report.lost == [], summary
    assert report.max_concurrent_pollers == 1, summary
    # Outbound replies carry no idempotency key: a failover may answer one message twice.
    assert all(n <= 1 for n in report.duplicates_per_fault.values()), summary
    # An update an outage met was told "temporarily unavailable", rolled back, fetched
    # again and answered once the service was back: none was left with the notice alone.
    assert report.notice_only == [], summary
    for stopped in (r for r in records if r.kind == "stop"):
        assert stopped.polls_after_resume == 0, summary  # confirms no offset either
        assert stopped.ticks_after_resume == 0, summary  # and enqueues no periodic job
        assert stopped.lease_lost_logged, summary
        # Its own clock refused its first leader-only write: in its log and on its counter.
        assert stopped.fenced_refused_logged >= 1, summary
        assert stopped.refusals_counted >= 1, summary
    for outage in (r for r in records if r.kind == "redis"):
        assert outage.polls_while_redis_down == 0, summary
        # Degraded, not failing: the API serves reads from PostgreSQL meanwhile.
        assert outage.health_while_redis_down == "200 degraded", summary
        assert outage.recovered_s is not None
        assert outage.recovered_s <= TTL_S + 2.0, summary
