"""The transactional outbox on real PostgreSQL and Redis: a job exists only if its change was
committed, reaches arq once whatever the relays do, waits while Redis is down."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tbot.adapters.jobs_queue import ArqJobQueue, queue_name
from tbot.adapters.postgres.engine import create_session_factory
from tbot.adapters.postgres.tables import outbox
from tbot.adapters.postgres.unit_of_work import PostgresUnitOfWork
from tbot.adapters.redis.client import create_redis
from tbot.application.jobs.relay_outbox import RelayOutbox, outbox_job_id
from tbot.application.ports.notifications import Notification
from tbot.container import Container


async def _arq(container: Container) -> ArqRedis:
    redis = await container.redis()  # type: ignore[misc]
    return ArqRedis(connection_pool=redis.connection_pool)


async def _queued(container: Container) -> list[str]:
    arq = await _arq(container)
    return [job.job_id or "" for job in await arq.queued_jobs(queue_name=_queue(container))]


def _queue(container: Container) -> str:
    return queue_name(container.config.redis_namespace())


async def test_a_committed_job_is_queued_once_with_its_arguments(container: Container) -> None:
    async with container.uow() as uow:
        entry = await uow.outbox.add("ping", "hello")
        await uow.commit()

    first = await container.relay_outbox()()
    again = await container.relay_outbox()()

    assert (first.queued, again.queued, again.known) == (1, 0, 0)
    arq = await _arq(container)
    info = await Job(outbox_job_id(entry), arq, _queue_name=_queue(container)).info()
    assert info is not None
    assert (info.function, info.args) == ("ping", ("hello",))
    assert await _queued(container) == [outbox_job_id(entry)]


async def test_a_rolled_back_change_leaves_no_job(container: Container) -> None:
    async with container.uow() as uow:
        await uow.outbox.add("ping", "never")
        # leaving without commit: the change failed

    assert (await container.relay_outbox()()).queued == 0
    assert await _queued(container) == []


async def test_a_relay_that_died_after_queuing_does_not_double_the_job(
    container: Container,
) -> None:
    async with container.uow() as uow:
        entry = await uow.outbox.add("ping", "once")
        await uow.commit()
    # The dead relay got this far: the job is queued, the entry not marked.
    assert await container.job_queue().enqueue_once("ping", ("once",), outbox_job_id(entry))

    relayed = await container.relay_outbox()()

    assert (relayed.queued, relayed.known) == (0, 1)
    assert await _queued(container) == [outbox_job_id(entry)]
    assert (await container.relay_outbox()()).moved == 0  # marked now


async def test_while_redis_is_down_entries_wait_and_go_out_when_it_is_back(
    container: Container,
) -> None:
    notifier = container.outbox_notifier()
    job_id = await notifier.notify(Notification(chat_id=42, text="server down"))
    dead = create_redis("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        down = await RelayOutbox(container.uow(), ArqJobQueue(dead, "x"))()
    finally:
        await dead.aclose()

    assert (down.queued, down.failed, down.waiting) == (0, 1, 1)
    async with container.uow() as uow:
        row = (await uow.session.execute(select(outbox))).one()
    assert row.relayed_at is None
    assert row.attempts == 1
    assert "Connection" in row.last_error

    back = await container.relay_outbox()()
    assert (back.queued, back.waiting) == (1, 0)
    assert await _queued(container) == [job_id]


async def test_relayed_entries_are_purged_after_a_day(container: Container) -> None:
    async with container.uow() as uow:
        old = await uow.outbox.add("ping", "old")
        recent = await uow.outbox.add("ping", "recent")
        waiting = await uow.outbox.add("ping", "waiting")
        await uow.outbox.mark_relayed([old.id, recent.id])
        await uow.session.execute(
            update(outbox)
            .where(outbox.c.id == old.id)
            .values(relayed_at=outbox.c.relayed_at - timedelta(days=2))
        )
        await uow.commit()

    assert await container.purge_outbox()() == 1
    async with container.uow() as uow:
        left = set((await uow.session.scalars(select(outbox.c.id))).all())
    assert left == {recent.id, waiting.id}


@pytest.fixture
async def committed_uow_factory(
    engine: AsyncEngine,
) -> AsyncIterator[type[PostgresUnitOfWork] | object]:
    """Units of work that really commit (no outer test transaction): several relays need
    their own connections to compete for rows. The rows are removed after."""
    sessions = create_session_factory(engine)
    marker = f"race-{uuid.uuid4().hex}"
    yield lambda: PostgresUnitOfWork(sessions, node="test"), marker
    async with engine.begin() as connection:
        await connection.execute(delete(outbox).where(outbox.c.payload[0].astext == marker))


async def test_concurrent_relays_share_the_backlog_and_queue_each_job_once(
    container: Container, committed_uow_factory: tuple[object, str]
) -> None:
    new_uow, marker = committed_uow_factory
    async with new_uow() as uow:  # type: ignore[operator]
        for _ in range(300):
            await uow.outbox.add("ping", marker)
        await uow.commit()
    queue = container.job_queue()
    relays = [RelayOutbox(new_uow(), queue) for _ in range(3)]  # type: ignore[operator]

    async def drain(relay: RelayOutbox) -> tuple[int, int]:
        queued = known = 0
        while (relayed := await relay(batch=20)).moved:
            queued, known = queued + relayed.queued, known + relayed.known
        return queued, known

    results = await asyncio.gather(*(drain(relay) for relay in relays))

    assert sum(queued for queued, _ in results) == 300
    assert sum(known for _, known in results) == 0  # no entry was handed to two relays
    assert all(queued > 0 for queued, _ in results)  # SKIP LOCKED: none waited its turn
    jobs = await _queued(container)
    assert len(jobs) == len(set(jobs)) == 300
    arq = await _arq(container)
    status = await Job(jobs[0], arq, _queue_name=_queue(container)).status()
    assert status is JobStatus.queued
