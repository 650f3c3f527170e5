"""The leader's periodic ticks on the real PostgreSQL: each tick goes to the outbox once, a
new job starts from now, an outage of the whole cluster is caught up without a flood, and a
leader that lost its lease (by PostgreSQL's fence or its own clock) enqueues nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tbot.adapters.cron_schedule import CronSchedule
from tbot.adapters.postgres.tables import outbox
from tbot.application.cluster.periodic import EnqueueDueTicks
from tbot.container import Container
from tbot.domain.cluster.errors import FencedOut, LeaseExpired
from tbot.domain.cluster.lease import Lease
from tests.unit.fakes import FakeClock

EVERY_SECOND = CronSchedule("probe_every_second", second=None)
NIGHTLY = CronSchedule("probe_nightly", hour={3}, minute={17})


def _lease(token: int) -> Lease:
    return Lease("leader", f"node#{token}", token, acquired_at=0.0, ttl_s=5.0)


def _leading() -> bool:
    return True


async def _entries(container: Container) -> list[tuple[str, list[object]]]:
    async with container.uow() as uow:
        rows = await uow.session.execute(
            select(outbox.c.job, outbox.c.payload)
            .where(outbox.c.job.in_([EVERY_SECOND.job, NIGHTLY.job]))
            .order_by(outbox.c.id)
        )
        return [(row.job, row.payload) for row in rows]


def _enqueue(container: Container, clock: FakeClock) -> EnqueueDueTicks:
    return container.enqueue_due_ticks(schedules=[EVERY_SECOND, NIGHTLY], clock=clock)


async def test_each_tick_goes_to_the_outbox_once_and_a_new_job_starts_from_now(
    container: Container,
) -> None:
    clock = FakeClock(datetime(2026, 11, 24, 12, 0, 0, 400_000, tzinfo=UTC))
    enqueue = _enqueue(container, clock)

    first = await enqueue(_lease(1), _leading)
    clock.advance(3)
    second = await enqueue(_lease(1), _leading)
    again = await enqueue(_lease(1), _leading)

    assert first.count == 0  # nothing from before the job was known
    assert [t.second for t in second.ticks[EVERY_SECOND.job]] == [1, 2, 3]
    assert again.count == 0
    assert await _entries(container) == [
        (EVERY_SECOND.job, [f"2026-11-24T12:00:0{s}+00:00"]) for s in (1, 2, 3)
    ]


async def test_after_a_long_outage_old_ticks_are_not_enqueued_one_by_one(
    container: Container,
) -> None:
    clock = FakeClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    enqueue = _enqueue(container, clock)
    await enqueue(_lease(1), _leading)

    clock.advance(3 * 24 * 3600)  # a long weekend with the whole cluster down
    caught_up = await enqueue(_lease(2), _leading)

    # Within the catch-up hour: every second; before it, the newest missed night stands alone.
    assert len(caught_up.ticks[EVERY_SECOND.job]) == 3600
    assert caught_up.ticks[NIGHTLY.job] == [datetime(2026, 11, 27, 3, 17, tzinfo=UTC)]


async def test_a_leader_fenced_out_or_out_of_lease_enqueues_nothing(
    container: Container,
) -> None:
    clock = FakeClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    enqueue = _enqueue(container, clock)
    await enqueue(_lease(5), _leading)
    clock.advance(2)

    with pytest.raises(FencedOut):
        await enqueue(_lease(4), _leading)  # an older leader, resumed
    with pytest.raises(LeaseExpired):
        await enqueue(_lease(5), lambda: False)  # the lease ran out during the write

    assert await _entries(container) == []
    assert (await enqueue(_lease(5), _leading)).count == 2  # the ticks were kept for later
