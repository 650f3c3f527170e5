"""`tbot up` on its embedded default, as an operator runs it: a subprocess on an empty data
folder, real PostgreSQL and Redis from the wheels, stopped with Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.node import Node, cli, embedded_pid, gone, tbot_env

pytestmark = pytest.mark.embedded

TOKEN = "8888888888:AAH-e2e-token-that-must-stay-secret"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def env(workdir: Path) -> dict[str, str]:
    return tbot_env(workdir / "data", workdir / "keyring" / "keyring.cfg")


@pytest.fixture
def node(env: dict[str, str]) -> Iterator[Node]:
    node = Node(env)
    yield node
    node.kill()


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_up_serves_health_survives_redis_death_and_stops_clean(node: Node, workdir: Path) -> None:
    data = workdir / "data"
    node.start()
    body = node.wait_for_health(200).json()
    assert body["dependencies"]["database"]["state"] == "up"
    assert body["dependencies"]["redis"]["state"] == "up"
    assert body["dependencies"]["telegram"]["state"] == "not configured"
    assert "Telegram:   not started: no bot token" in node.output()

    redis_pid = embedded_pid(data, "redis")
    os.kill(redis_pid, signal.SIGKILL)
    # Degraded, not failing: the API still serves reads from PostgreSQL.
    down = node.wait_for_health(200, timeout=15, said="degraded").json()
    assert down["dependencies"]["redis"]["state"] == "down"
    assert down["failing"] == []
    assert down["dependencies"]["database"]["state"] == "up"
    node.wait_for_health(200, timeout=30, said="ok")
    assert embedded_pid(data, "redis") != redis_pid

    children = node.descendants() + [
        __import__("psutil").Process(embedded_pid(data, s)) for s in ("postgres", "redis")
    ]
    assert len(children) >= 2
    assert node.interrupt() == 0
    wait_for(lambda: all(gone(c.pid) for c in children), 10, "every child process to exit")
    assert "TBot stopped." in node.output()


def test_second_up_reuses_the_data_and_the_cli_attaches(
    node: Node, env: dict[str, str], workdir: Path
) -> None:
    node.start()
    node.wait_for_health(200)
    changed = cli(env, "settings", "set", "log_level", "DEBUG")
    assert changed.returncode == 0, changed.stderr
    assert "version 1" in changed.stdout
    assert node.interrupt() == 0

    stored = cli(env, "secrets", "set", "bot_token", "--stdin", stdin=TOKEN + "\n")
    assert stored.returncode == 0, stored.stderr + stored.stdout
    assert TOKEN not in stored.stdout + stored.stderr

    second = Node(env)
    second.start()
    try:
        body = second.wait_for_health(200, timeout=60)
        assert TOKEN not in body.text
        assert body.json()["dependencies"]["telegram"]["state"] == "up"
        got = cli(env, "settings", "get", "log_level")
        assert "'DEBUG'" in got.stdout
        assert "from database" in got.stdout
        listed = cli(env, "secrets", "list")
        assert "****cret" in listed.stdout
        assert TOKEN not in listed.stdout
        assert second.interrupt() == 0
    finally:
        second.kill()
    logs = (workdir / "data" / "logs" / "tbot.log").read_text()
    assert TOKEN not in logs + node.output() + second.output()


def test_bad_setting_from_cli_is_refused_with_the_reason(env: dict[str, str]) -> None:
    result = cli(env, "settings", "set", "smtp_port", "seventy")
    assert result.returncode == 3
    assert "smtp_port: expected an integer" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_taken_port_is_a_clear_error(node: Node, env: dict[str, str]) -> None:
    import socket

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", node.port))
        blocker.listen()
        result = cli(env, "up", "--port", str(node.port))
    assert result.returncode != 0
    assert f"API port 127.0.0.1:{node.port} is taken" in result.stderr + result.stdout


def test_external_servers_are_used_and_nothing_embedded_starts(
    fresh_database_url: str, redis_url: str, workdir: Path
) -> None:
    env = tbot_env(
        workdir / "data",
        workdir / "keyring.cfg",
        TBOT_DATABASE_URL=fresh_database_url,
        TBOT_REDIS_URL=redis_url,
        TBOT_REDIS_NAMESPACE="e2e-external",
        TBOT_NODE_ID="api-only-node",
    )
    node = Node(env)
    node.start("--role", "api")
    try:
        body = node.wait_for_health(200, timeout=60).json()
        assert body["role"] == "api"
        assert body["node_id"] == "api-only-node"
        assert not (workdir / "data" / "postgres").exists()
        assert not (workdir / "data" / "redis").exists()
        names = {p.name() for p in node.descendants()}
        assert not names & {"postgres", "redis-server"}
        assert "Worker:" not in node.output()
        assert node.interrupt() == 0
    finally:
        node.kill()


def test_data_dir_option_and_a_bad_env_value_do_not_stop_the_node(workdir: Path) -> None:
    env = tbot_env(workdir / "unused", workdir / "keyring.cfg", TBOT_SMTP_PORT="seventy")
    chosen = workdir / "chosen-folder"
    node = Node(env)
    node.start("--data-dir", str(chosen))
    try:
        node.wait_for_health(200, timeout=90)
        assert (chosen / "postgres" / "pgdata").is_dir()
        assert not (workdir / "unused").exists()
        assert "Setting smtp_port: environment value 'seventy' ignored" in node.output()
        listed = cli(env, "settings", "list", "--data-dir", str(chosen))
        assert listed.returncode == 0, listed.stderr
        assert "smtp_port: environment value 'seventy' ignored" in listed.stdout
        assert node.interrupt() == 0
    finally:
        node.kill()


def test_fresh_install_says_how_to_create_the_first_admin(node: Node) -> None:
    node.start()
    node.wait_for_health(200)
    assert (
        "No admin account yet. Create the first one with: tbot users create admin" in node.output()
    )
    assert node.interrupt() == 0
