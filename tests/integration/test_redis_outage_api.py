"""Redis down, the cluster's degraded mode: the API keeps serving reads from PostgreSQL to
callers it already knows, judged by the revocation list as it was when Redis went away;
writes and logins answer 503; /health says "degraded" with 200. Redis sits behind a TCP
proxy the test closes, as an outage looks to a node (connections refused)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from tbot.container import Container
from tbot.entrypoints.api.app import create_asgi
from tests.integration.conftest import joined_container
from tests.integration.redis_proxy import RedisProxy, redis_proxy
from tests.integration.test_api_identity import bearer, token_for, user


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[RedisProxy]:
    async with redis_proxy(redis_url) as proxy:
        yield proxy


@pytest.fixture
async def container(
    database_url: str,
    redis_url: str,
    proxy: RedisProxy,
    connection: AsyncConnection,
    keyring_file: Path,
) -> AsyncIterator[Container]:
    proxied = proxy.url(redis_url)
    async with joined_container(database_url, proxied, connection, keyring_file) as container:
        yield container


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
    container: Container, client: httpx.AsyncClient, proxy: RedisProxy
) -> None:
    await user(container, "reader", "it_staff")
    await user(container, "revoked", "it_staff")
    reader = bearer((await token_for(client, "reader"))["access_token"])
    gone = await token_for(client, "revoked")
    revoked = bearer(gone["access_token"])
    assert (await client.get("/api/v1/departments/", headers=reader)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=revoked)).status_code == 204
    await _mirror_complete(container)

    await proxy.cut()  # Redis goes away: connections refused from now on

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
