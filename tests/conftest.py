"""Real servers for the tests.

PostgreSQL: `TBOT_TEST_DATABASE_URL` (a server URL; each session creates its own database on
it) if set, else an embedded PostgreSQL started once per session. Redis: `TBOT_TEST_REDIS_URL`
if set, else an embedded Redis. The schema is built by the real Alembic migrations, once.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tbot.adapters.embedded import EmbeddedPostgres, EmbeddedRedis
from tbot.adapters.postgres.migrations import upgrade_async
from tbot.container import Container, configure


def _plain(url: str) -> str:
    """asyncpg wants postgresql://, without SQLAlchemy's +driver."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def embedded_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    with EmbeddedPostgres(tmp_path_factory.mktemp("pg"), database="postgres") as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server_url(request: pytest.FixtureRequest) -> str:
    url = os.environ.get("TBOT_TEST_DATABASE_URL")
    if url:
        return _plain(url)
    server: EmbeddedPostgres = request.getfixturevalue("embedded_postgres")
    return with_database(server.url, "postgres")


async def create_database(server_url: str) -> str:
    name = f"tbot_test_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return with_database(server_url, name)


async def drop_database(server_url: str, database_url: str) -> None:
    name = make_url(database_url).database
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def database_url(postgres_server_url: str) -> AsyncIterator[str]:
    """A fresh database for this session, migrated to head by Alembic."""
    url = await create_database(postgres_server_url)
    await upgrade_async(url)
    yield url
    await drop_database(postgres_server_url, url)


@pytest.fixture(scope="session")
def embedded_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def redis_url(request: pytest.FixtureRequest) -> str:
    url = os.environ.get("TBOT_TEST_REDIS_URL")
    if url:
        return url
    server: EmbeddedRedis = request.getfixturevalue("embedded_redis")
    return server.url


@pytest.fixture
def keyring_file(tmp_path: Path) -> Path:
    """A real keyring backend (keyrings.alt's file backend) in a folder of this test's own."""
    return tmp_path / "keyring" / "keyring_pass.cfg"


KEYRING_BACKEND = "keyrings.alt.file.PlaintextKeyring"


@pytest.fixture
async def fresh_database_url(postgres_server_url: str) -> AsyncIterator[str]:
    """A database of this test's own, migrated, for tests whose writes really commit
    (subprocesses cannot join the outer transaction)."""
    url = await create_database(postgres_server_url)
    await upgrade_async(url)
    yield url
    await drop_database(postgres_server_url, url)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Tests that configure logging bind handlers to their captured stdout; later tests must
    not write to those closed streams."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


def configured_container(
    database_url: str, redis_url: str, keyring_file: Path, node_id: str = "test-node"
) -> Container:
    """A container wired to the test servers, each test in a Redis namespace of its own."""
    container = Container()
    configure(
        container,
        database_url=database_url,
        redis_url=redis_url,
        node_id=node_id,
        environ={},
        development=True,
        keyring_backend=KEYRING_BACKEND,
        keyring_file=str(keyring_file),
        redis_namespace=f"test-{uuid.uuid4().hex[:8]}",
    )
    return container


async def run_jobs_until_idle(container: Container, redis_url: str, timeout: float = 120) -> None:
    """An arq worker in this process until the queue is empty, deferred retries included."""
    from tbot.entrypoints.worker.runner import create_worker

    worker = create_worker(
        redis_url,
        namespace=container.config.redis_namespace(),
        node_id="test-worker",
        metrics=container.metrics(),
        container=container,
        burst=True,
    )
    try:
        await asyncio.wait_for(worker.async_run(), timeout=timeout)
    finally:
        await worker.close()
