"""A container wired to the real servers; each test runs inside an outer transaction that is
rolled back, so use cases commit (to a savepoint) and nothing outlives the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from tbot.adapters.postgres.engine import async_url, create_engine
from tbot.adapters.security.jwt_codec import generate_signing_key
from tbot.bootstrap import prepare_identity
from tbot.container import Container, close_resources, open_resources
from tests.conftest import configured_container


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(async_url(database_url), pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        if transaction.is_active:
            await transaction.rollback()


@asynccontextmanager
async def joined_container(
    database_url: str, redis_url: str, connection: AsyncConnection, keyring_file: Path
) -> AsyncIterator[Container]:
    """A container whose sessions join `connection`'s transaction (the test's outer one)."""
    container = configured_container(database_url, redis_url, keyring_file)
    await open_resources(container)
    # The one test seam: sessions join the test's outer transaction through savepoints.
    container.session_factory.override(
        providers.Object(
            async_sessionmaker(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
        )
    )
    # A key in the keyring up front, as on a configured node: no generation, no audit row.
    await container.secret_store().set("jwt_signing_key", generate_signing_key())
    await prepare_identity(container)
    try:
        yield container
    finally:
        container.session_factory.reset_last_overriding()
        await close_resources(container)


@pytest.fixture
async def container(
    database_url: str, redis_url: str, connection: AsyncConnection, keyring_file: Path
) -> AsyncIterator[Container]:
    async with joined_container(database_url, redis_url, connection, keyring_file) as container:
        yield container
