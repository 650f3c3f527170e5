"""/health, /metrics and the request id, through the real Litestar app on real servers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar.types import ASGIApp

from tbot.application.health.check_health import CheckHealth
from tbot.application.ports.health import DependencyState, DependencyStatus
from tbot.container import Container
from tbot.entrypoints.api.app import create_asgi

TOKEN = "5555555555:AAE-another-token-never-shown"


def http(app: ASGIApp) -> httpx.AsyncClient:
    # In the test's own event loop: the app shares the container's pools with the test.
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tbot")


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with http(create_asgi(container)) as client:
        yield client


async def test_health_reports_every_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] in {"ok", "degraded"}
    assert body["node_id"] == "test-node"
    assert body["dependencies"]["database"]["state"] == "up"
    assert body["dependencies"]["redis"]["state"] == "up"
    assert body["dependencies"]["keyring"]["state"] == "up"
    assert response.headers["x-request-id"]


class DownDatabase:
    name = "database"
    required = True

    async def check(self) -> DependencyStatus:
        raise ConnectionRefusedError("Connection refused")


async def test_health_is_503_naming_the_failing_dependency(container: Container) -> None:
    real: CheckHealth = container.check_health()
    failing = CheckHealth(
        [DownDatabase(), container.redis_check()],
        container.clock(),
        node_id="test-node",
        version="0",
        role="api",
        cache_s=0,
    )
    container.check_health.override(failing)
    try:
        async with http(create_asgi(container)) as client:
            response = await client.get("/health")
    finally:
        container.check_health.reset_last_overriding()
    assert real is not failing
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert response.json()["dependencies"]["database"]["state"] == DependencyState.DOWN.value


async def test_health_never_shows_a_secret(container: Container) -> None:
    await container.secret_store().set("bot_token", TOKEN)
    from tbot.bootstrap import apply_runtime_settings

    await apply_runtime_settings(container)
    async with http(create_asgi(container)) as client:
        response = await client.get("/health")
    assert TOKEN not in response.text
    assert response.json()["dependencies"]["telegram"]["state"] == "up"
    assert response.json()["dependencies"]["otrs"]["state"] == "not configured"


async def test_metrics_count_requests_by_route_and_status(client: httpx.AsyncClient) -> None:
    await client.get("/health")
    await client.get("/health")
    await client.get("/no-such-page")
    text = (await client.get("/metrics")).text
    assert 'tbot_http_requests_total{method="GET",route="/health",status="200"} 2.0' in text
    assert "tbot_http_request_duration_seconds_bucket" in text
    assert 'tbot_db_pool_connections{state="checked_out"}' in text
    assert 'tbot_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text


async def test_unknown_path_gets_a_json_404_with_its_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope", headers={"X-Request-ID": "lost-1"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "lost-1"
    assert response.json()["request_id"] == "lost-1"


async def test_request_id_is_echoed_and_logged(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    from tbot.adapters.observability.logging import configure_logging

    configure_logging(node_id="test-node")
    response = await client.get("/schema/openapi.json", headers={"X-Request-ID": "trace-abc-123"})
    assert response.headers["x-request-id"] == "trace-abc-123"
    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    request_lines = [line for line in lines if line.get("event") == "http_request"]
    assert request_lines
    assert request_lines[-1]["request_id"] == "trace-abc-123"


async def test_openapi_schema_is_served(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/health" in schema["paths"]
    assert "503" in schema["paths"]["/health"]["get"]["responses"]
