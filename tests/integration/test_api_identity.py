"""Identity through the real HTTP front door: guards on every route, tokens, audit browsing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tbot.adapters.security.jwt_codec import JwtAccessTokenCodec, generate_signing_key
from tbot.application.identity.create_user import NewUser
from tbot.application.ports.identity import AccessClaims
from tbot.container import Container
from tbot.domain.identity.caller import Caller
from tbot.entrypoints.api.app import create_app, create_asgi

OPERATOR = Caller.operator("cli:test")
PASSWORD = "a long enough passphrase"
PUBLIC = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/refresh"),
          ("GET", "/health"), ("GET", "/metrics")}  # fmt: skip
# Routes any signed-in account may use on itself; everything else needs a permission.
SELF_SERVICE = {
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/logout-everywhere"),
    ("POST", "/api/v1/auth/password"),
}


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_asgi(container), client=("10.1.2.3", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://tbot") as client:
        yield client


async def user(container: Container, login: str, *roles: str) -> int:
    new = NewUser(
        login.title(), login=login, email=f"{login}@corp.example", password=PASSWORD, roles=roles
    )
    created = await container.create_user()(new, OPERATOR)
    assert created.id is not None
    return created.id


async def token_for(client: httpx.AsyncClient, login: str) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def operations(container: Container) -> list[tuple[str, str]]:
    schema = create_app(container).openapi_schema.to_schema()
    found = []
    for path, item in schema["paths"].items():
        for method in item:
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            found.append((method.upper(), concrete))
    return found


async def test_every_route_in_the_schema_is_guarded(
    container: Container, client: httpx.AsyncClient
) -> None:
    await user(container, "nobody")  # no roles: signed in, allowed nothing
    nobody = (await token_for(client, "nobody"))["access_token"]
    routes = operations(container)
    assert len(routes) >= 20
    guarded = [(m, p) for m, p in routes if (m, p) not in PUBLIC]
    for method, path in guarded:
        anonymous = await client.request(method, path, json={})
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        if (method, path) in SELF_SERVICE:
            continue
        forbidden = await client.request(method, path, json={}, headers=bearer(nobody))
        assert forbidden.status_code == 403, (method, path, forbidden.text)


async def test_a_route_without_a_declared_requirement_is_refused(container: Container) -> None:
    from litestar import get

    from tbot.entrypoints.api import app as app_module

    @get("/api/v1/forgotten")
    async def forgotten() -> str:
        return "secret"

    application = app_module.create_app(container)
    application.register(forgotten)
    await user(container, "admin1", "admin")
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://tbot") as client:
        token = (await token_for(client, "admin1"))["access_token"]
        response = await client.get("/api/v1/forgotten", headers=bearer(token))
    assert response.status_code == 403


def codec_claims(user_id: int, expires_at: datetime) -> AccessClaims:
    now = datetime.now(UTC)
    return AccessClaims(user_id, "admin1", ("admin",), ("users.manage",), "s1", now, expires_at)


async def test_bad_tokens_are_rejected(container: Container, client: httpx.AsyncClient) -> None:
    admin_id = await user(container, "admin1", "admin")
    good = (await token_for(client, "admin1"))["access_token"]
    assert (await client.get("/api/v1/users/", headers=bearer(good))).status_code == 200

    head, payload, signature = good.split(".")
    tampered = f"{head}.{payload[:-2]}xx.{signature}"
    stranger = JwtAccessTokenCodec(generate_signing_key())
    wrong_kid = stranger.issue(codec_claims(admin_id, datetime.now(UTC) + timedelta(minutes=5)))
    expired = container.access_tokens().issue(
        codec_claims(admin_id, datetime.now(UTC) - timedelta(minutes=1))
    )
    for token in (tampered, wrong_kid, expired, "tbk_deadbeef_nothing", "garbage"):
        response = await client.get("/api/v1/users/", headers=bearer(token))
        assert response.status_code == 401, token
        assert good not in response.text

    await client.post("/api/v1/auth/logout", headers=bearer(good))
    assert (await client.get("/api/v1/users/", headers=bearer(good))).status_code == 401


async def test_refresh_rotation_detects_reuse_and_revokes_the_family(
    container: Container, client: httpx.AsyncClient
) -> None:
    await user(container, "admin1", "admin")
    first = await token_for(client, "admin1")
    second = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    assert second["refresh_token"] != first["refresh_token"]

    replay = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 401
    assert "reused" in replay.json()["detail"]
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert after.status_code == 401
    assert (
        await client.get("/api/v1/users/", headers=bearer(second["access_token"]))
    ).status_code == 401


async def test_auditor_reads_filters_and_exports_but_writes_nothing(
    container: Container, client: httpx.AsyncClient
) -> None:
    await user(container, "audra", "auditor")
    await user(container, "ivan", "employee")
    token = bearer((await token_for(client, "audra"))["access_token"])

    page = (
        await client.get(
            "/api/v1/audit/", params={"action": "user.create", "limit": 1}, headers=token
        )
    ).json()
    assert len(page["events"]) == 1
    assert page["events"][0]["after"]["login"] == "ivan"
    rest = (
        await client.get(
            "/api/v1/audit/",
            params={"action": "user.create", "cursor": page["next_cursor"]},
            headers=token,
        )
    ).json()
    assert [e["after"]["login"] for e in rest["events"]] == ["audra"]

    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    exported = await client.get(
        "/api/v1/audit/export",
        params={"format": "csv", "actor": "cli:test", "since": since},
        headers=token,
    )
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {r["action"] for r in rows} >= {"user.create"}
    assert all(r["actor"] == "cli:test" for r in rows)

    xlsx = await client.get(
        "/api/v1/audit/export", params={"format": "xlsx", "action": "user.create"}, headers=token
    )
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("id", "at", "actor")
    assert len(values) == 3

    reads = (
        await client.get("/api/v1/audit/", params={"action": "audit.read"}, headers=token)
    ).json()
    assert len(reads["events"]) >= 2  # reading the log is itself in the log
    assert {
        e["action"]
        for e in (
            await client.get("/api/v1/audit/", params={"action": "audit.export"}, headers=token)
        ).json()["events"]
    } == {"audit.export"}

    for method, path, body in (
        ("POST", "/api/v1/users/", {"display_name": "X", "login": "xx"}),
        ("POST", "/api/v1/tokens/", {"name": "t", "scopes": ["audit.read"]}),
        ("PATCH", "/api/v1/roles/employee/permissions", {"grant": ["audit.read"]}),
    ):
        assert (await client.request(method, path, json=body, headers=token)).status_code == 403


async def test_api_token_works_as_bearer_until_revoked(
    container: Container, client: httpx.AsyncClient
) -> None:
    await user(container, "admin1", "admin")
    admin = bearer((await token_for(client, "admin1"))["access_token"])
    created = (
        await client.post(
            "/api/v1/tokens/", json={"name": "zabbix", "scopes": ["audit.read"]}, headers=admin
        )
    ).json()
    secret = created["secret"]
    assert (await client.get("/api/v1/audit/", headers=bearer(secret))).status_code == 200
    assert (await client.get("/api/v1/users/", headers=bearer(secret))).status_code == 403
    listed = (await client.get("/api/v1/tokens/", headers=admin)).json()
    assert secret not in str(listed)
    assert listed[0]["last_used_at"] is not None
    assert (
        await client.delete(f"/api/v1/tokens/{created['token']['id']}", headers=admin)
    ).status_code == 204
    assert (await client.get("/api/v1/audit/", headers=bearer(secret))).status_code == 401


async def test_validation_errors_name_the_field(
    container: Container, client: httpx.AsyncClient
) -> None:
    await user(container, "admin1", "admin")
    admin = bearer((await token_for(client, "admin1"))["access_token"])
    response = await client.post(
        "/api/v1/users/",
        json={"display_name": "P", "login": "petrov", "password": "short"},
        headers=admin,
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"password": "at least 12 characters"}


async def test_request_id_reaches_the_audit_row_of_the_change(
    container: Container, client: httpx.AsyncClient, connection: Any
) -> None:
    from sqlalchemy import text

    await user(container, "admin1", "admin")
    admin = bearer((await token_for(client, "admin1"))["access_token"])
    created = await client.post(
        "/api/v1/users/",
        json={"display_name": "Сидоров", "login": "sidorov"},
        headers={**admin, "X-Request-ID": "trace-user-create"},
    )
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == "trace-user-create"
    rows = (
        await connection.execute(
            text(
                "SELECT actor, channel, request_id FROM core.audit_log WHERE action = 'user.create'"
                " AND target_id = :id"
            ),
            {"id": str(created.json()["id"])},
        )
    ).all()
    assert [(r.actor, r.channel, r.request_id) for r in rows] == [
        ("admin1", "api", "trace-user-create")
    ]
