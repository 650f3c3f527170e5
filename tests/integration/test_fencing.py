"""Fencing on the real PostgreSQL: a leader-only write carrying an older token than one
already seen is refused, with everything else in its transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tbot.adapters.postgres.engine import async_url, create_engine, create_session_factory
from tbot.adapters.postgres.unit_of_work import PostgresUnitOfWork
from tbot.container import Container
from tbot.domain.cluster.errors import FencedOut


def refused_count(container: Container) -> float:
    value = container.metrics().registry.get_sample_value(
        "tbot_fenced_writes_refused_total", {"lease": "leader", "by": "postgres"}
    )
    return value or 0.0


async def test_an_older_token_is_refused_and_its_transaction_rolled_back(
    container: Container,
) -> None:
    async with container.uow() as uow:
        await uow.leadership.fence("leader", 7, "n2#new")
        await uow.commit()

    async def old_leader_writes() -> None:
        async with container.uow() as uow:
            # The old leader's write, then the fence check that must undo it.
            await uow.settings.put("log_level", "DEBUG", expected_version=None, by="n1#old")
            await uow.leadership.fence("leader", 6, "n1#old")
            await uow.commit()

    with pytest.raises(FencedOut) as refused:
        await old_leader_writes()
    assert refused.value.newest == 7
    assert refused.value.token == 6
    assert refused_count(container) == 1

    async with container.uow() as uow:
        assert await uow.settings.get("log_level") is None
        assert await uow.leadership.newest("leader") == 7


async def test_the_same_token_again_and_newer_tokens_are_accepted(container: Container) -> None:
    for token in (7, 7, 8, 12):
        async with container.uow() as uow:
            await uow.leadership.fence("leader", token, f"n#{token}")
            await uow.commit()
    async with container.uow() as uow:
        assert await uow.leadership.newest("leader") == 12
    assert refused_count(container) == 0


async def test_a_first_write_creates_the_record(container: Container) -> None:
    async with container.uow() as uow:
        assert await uow.leadership.newest("scheduler") is None
        await uow.leadership.fence("scheduler", 3, "n1#a")
        await uow.commit()
    async with container.uow() as uow:
        assert await uow.leadership.newest("scheduler") == 3


@pytest.fixture
async def real_engine(fresh_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(async_url(fresh_database_url), pool_size=4)
    yield engine
    await engine.dispose()


async def test_an_old_leader_waits_for_the_new_leaders_transaction_and_is_then_refused(
    real_engine: AsyncEngine,
) -> None:
    """The conditional upsert locks the row: an old leader writing while the new one's
    transaction is open cannot slip in before it commits."""
    sessions = create_session_factory(real_engine)
    new_leader = PostgresUnitOfWork(sessions, node="n2")
    old_leader = PostgresUnitOfWork(sessions, node="n1")
    async with new_leader:
        await new_leader.leadership.fence("leader", 8, "n2#new")

        async def old_write() -> None:
            async with old_leader:
                await old_leader.leadership.fence("leader", 7, "n1#old")
                await old_leader.commit()

        late = asyncio.create_task(old_write())
        await asyncio.sleep(0.3)
        assert not late.done()  # blocked on the row lock
        await new_leader.commit()
    with pytest.raises(FencedOut):
        await late
