"""Redis down, the cluster's degraded mode: the API keeps serving reads from PostgreSQL to
callers it already knows, judged by the revocation list as it was when Redis went away;
writes and logins answer 503; /health says "degraded" with 200. Redis sits behind a TCP
proxy the test closes, as an outage looks to a node (connections refused)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker

from tbot.adapters.security.jwt_codec import generate_signing_key
from tbot.bootstrap import prepare_identity
from tbot.container import Container, close_resources, open_resources
from tbot.entrypoints.api.app import create_asgi
from tests.conftest import configured_container
from tests.integration.redis_proxy import FreezableProxy
from tests.integration.test_api_identity import bearer, token_for, user


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[FreezableProxy]:
    upstream = urlsplit(redis_url)
    proxy = FreezableProxy(upstream.hostname or "127.0.0.1", upstream.port or 6379)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def container(
    database_url: str,
    redis_url: str,
    proxy: FreezableProxy,
    connection: AsyncConnection,
    keyring_file: Path,
) -> AsyncIterator[Container]:
    proxied = f"redis://127.0.0.1:{proxy.port}{urlsplit(redis_url).path}"
    container = configured_container(database_url, proxied, keyring_file)
    await open_resources(container)
    container.session_factory.override(
        providers.Object(
            async_sessionmaker(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
        )
    )
    await container.secret_store().set("jwt_signing_key", generate_signing_key())
    await prepare_identity(container)
    yield container
    container.session_factory.reset_last_overriding()
    await close_resources(container)


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_asgi(container), client=("10.1.2.3", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://tbot") as client:
        yield client


async def _mirror_complete(container: Container) -> None:
    for _ in range(100):
        if container.revocation_mirror().complete_once:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the revocation feed never loaded the list")


async def test_with_redis_down_reads_are_served_writes_refused_and_health_degraded(
    container: Container, client: httpx.AsyncClient, proxy: FreezableProxy
) -> None:
    await user(container, "reader", "it_staff")
    await user(container, "revoked", "it_staff")
    reader = bearer((await token_for(client, "reader"))["access_token"])
    gone = await token_for(client, "revoked")
    revoked = bearer(gone["access_token"])
    assert (await client.get("/api/v1/departments/", headers=reader)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=revoked)).status_code == 204
    await _mirror_complete(container)

    await proxy.close()  # Redis goes away: connections refused from now on

    read = await client.get("/api/v1/departments/", headers=reader)
    assert read.status_code == 200, read.text
    still_revoked = await client.get("/api/v1/departments/", headers=revoked)
    assert still_revoked.status_code == 401
    write = await client.post("/api/v1/departments/", json={"name": "ИТ"}, headers=reader)
    assert write.status_code == 503
    assert write.headers["retry-after"]
    login = await client.post(
        "/api/v1/auth/login", json={"login": "reader", "password": "a long enough passphrase"}
    )
    assert login.status_code == 503
    health = await client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["dependencies"]["redis"]["state"] == "down"
