"""Migrations up/down/up and no drift, on the local PostgreSQL service (when
TBOT_TEST_DATABASE_URL names one) and always on the embedded PostgreSQL 18."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from tbot.adapters.embedded import EmbeddedPostgres
from tbot.adapters.postgres.engine import async_url
from tbot.adapters.postgres.migrations import (
    current_revision,
    downgrade_async,
    head_revision,
    upgrade_async,
)
from tbot.adapters.postgres.tables import SCHEMAS, metadata
from tests.conftest import _plain, create_database, drop_database, with_database


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "server_kind" in metafunc.fixturenames:
        kinds = ["embedded"]
        if os.environ.get("TBOT_TEST_DATABASE_URL"):
            kinds.insert(0, "service")
        metafunc.parametrize("server_kind", kinds)


@pytest.fixture
async def empty_database(server_kind: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    if server_kind == "service":
        server_url = _plain(os.environ["TBOT_TEST_DATABASE_URL"])
    else:
        server: EmbeddedPostgres = request.getfixturevalue("embedded_postgres")
        server_url = with_database(server.url, "postgres")
    url = await create_database(server_url)
    yield url
    await drop_database(server_url, url)


async def schemas_and_tables(url: str) -> tuple[set[str], set[str]]:
    connection = await asyncpg.connect(url)
    try:
        schemas = {
            r["nspname"]
            for r in await connection.fetch("SELECT nspname FROM pg_namespace")
            if r["nspname"] in SCHEMAS
        }
        tables = {
            f"{r['schemaname']}.{r['tablename']}"
            for r in await connection.fetch(
                "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY($1::text[])",
                list(SCHEMAS),
            )
        }
    finally:
        await connection.close()
    return schemas, tables


async def test_upgrade_downgrade_upgrade(empty_database: str) -> None:
    await upgrade_async(empty_database)
    schemas, tables = await schemas_and_tables(empty_database)
    assert schemas == set(SCHEMAS)
    assert {"core.settings", "core.audit_log", "cluster.nodes"} <= tables
    assert await current_revision(empty_database) == head_revision()

    await downgrade_async(empty_database, "base")
    assert await schemas_and_tables(empty_database) == (set(), set())
    assert await current_revision(empty_database) is None

    await upgrade_async(empty_database)
    assert (await schemas_and_tables(empty_database))[1] == tables


async def test_models_and_migrations_do_not_drift(empty_database: str) -> None:
    await upgrade_async(empty_database)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": lambda name, kind, _: name in SCHEMAS if kind == "schema" else True,
                "compare_server_default": True,
                "target_metadata": metadata,
            },
        )
        return list(compare_metadata(context, metadata))

    engine = create_async_engine(async_url(empty_database))
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


async def test_embedded_server_has_the_search_extensions(empty_database: str) -> None:
    connection = await asyncpg.connect(empty_database)
    try:
        available = {
            r["name"] for r in await connection.fetch("SELECT name FROM pg_available_extensions")
        }
    finally:
        await connection.close()
    assert {"pg_trgm", "unaccent"} <= available
