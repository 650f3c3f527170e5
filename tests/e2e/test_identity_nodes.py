"""Identity across two API processes sharing PostgreSQL and Redis, set up with the CLI the
way an operator would: lockout and rate limits hold cluster-wide."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tbot.adapters.security.jwt_codec import generate_signing_key
from tests.e2e.node import Node, cli, tbot_env

PASSWORD = "operators sleep at night"


@pytest.fixture
def env(fresh_database_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    return tbot_env(
        tmp_path / "data",
        tmp_path / "keyring.cfg",
        TBOT_DATABASE_URL=fresh_database_url,
        TBOT_REDIS_URL=redis_url,
        TBOT_REDIS_NAMESPACE=f"e2e-{uuid.uuid4().hex[:8]}",
    )


@pytest.fixture
def nodes(env: dict[str, str]) -> Iterator[tuple[Node, Node]]:
    # Every node must sign with the same key: the operator sets it once, before start.
    assert (
        cli(
            env, "secrets", "set", "jwt_signing_key", "--stdin", stdin=generate_signing_key()
        ).returncode
        == 0
    )
    for login, role in (("boss", "admin"), ("ops", "admin")):
        made = cli(
            env, "users", "create", login, "--role", role, "--password-stdin", stdin=PASSWORD + "\n"
        )
        assert made.returncode == 0, made.stderr
    assert cli(env, "settings", "set", "api_requests_per_minute", "10").returncode == 0
    first = Node({**env, "TBOT_NODE_ID": "node-a"})
    second = Node({**env, "TBOT_NODE_ID": "node-b"})
    first.start("--role", "api")
    second.start("--role", "api")
    try:
        first.wait_for_health(200, timeout=60)
        second.wait_for_health(200, timeout=60)
        yield first, second
    finally:
        first.kill()
        second.kill()


def login(node: Node, password: str, who: str = "boss") -> httpx.Response:
    return httpx.post(
        f"{node.base_url}/api/v1/auth/login", json={"login": who, "password": password}, timeout=10
    )


def test_lockout_and_rate_limit_hold_across_two_processes(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    for attempt in range(4):
        wrong = login(a if attempt % 2 else b, "not the password")
        assert wrong.status_code == 401
    locking = login(a, "not the password")
    assert locking.status_code == 429
    refused = login(b, PASSWORD)  # the right password, on the other process
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 800

    token = login(b, PASSWORD, who="ops").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [
        httpx.get(f"{node.base_url}/api/v1/roles/", headers=headers, timeout=10).status_code
        for node in (a, b) * 5
    ]
    assert statuses == [200] * 10
    limited = httpx.get(f"{a.base_url}/api/v1/roles/", headers=headers, timeout=10)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["error"] == "RateLimited"


def test_a_logout_on_one_process_is_refused_on_the_other_within_a_second(
    nodes: tuple[Node, Node],
) -> None:
    a, b = nodes
    token = login(a, PASSWORD, who="ops").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{b.base_url}/api/v1/roles/", headers=headers, timeout=10).status_code == 200
    time.sleep(0.5)  # b's copy of the revocation list is live by now (it asks Redis until then)

    assert httpx.post(f"{a.base_url}/api/v1/auth/logout", headers=headers, timeout=10).is_success
    logged_out = time.monotonic()
    assert httpx.get(f"{a.base_url}/api/v1/roles/", headers=headers, timeout=10).status_code == 401
    # Each answer that is still 200 counts against the 10 calls a minute of this fixture.
    statuses = []
    while time.monotonic() - logged_out < 1.0 and 401 not in statuses:
        statuses.append(
            httpx.get(f"{b.base_url}/api/v1/roles/", headers=headers, timeout=10).status_code
        )
        time.sleep(0.1)
    assert statuses[-1] == 401, statuses


def test_cli_manages_users_roles_and_tokens(env: dict[str, str]) -> None:
    made = cli(
        env,
        "users",
        "create",
        "first",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    weak = cli(env, "users", "create", "weak", "--password-stdin", stdin="123\n")
    assert weak.returncode == 3
    assert "password: at least 12 characters" in weak.stderr

    listed = cli(env, "users", "list")
    assert "first" in listed.stdout
    assert "admin" in listed.stdout
    last_admin = cli(env, "users", "disable", "1")
    assert last_admin.returncode == 5
    assert "last enabled admin" in last_admin.stderr

    granted = cli(env, "roles", "grant", "employee", "directory.network")
    assert "directory.network" in granted.stdout
    assert cli(env, "roles", "grant", "admin", "audit.read").returncode == 3

    created = cli(env, "tokens", "create", "zabbix", "--scope", "audit.read", "--days", "30")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("tbk_")
    tokens = cli(env, "tokens", "list")
    assert "zabbix" in tokens.stdout
    assert secret not in tokens.stdout
    assert cli(env, "tokens", "revoke", "1").returncode == 0
    assert "revoked" in cli(env, "tokens", "list").stdout
