"""Real PostgreSQL and Redis started from the wheels, in tmp_path."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import psutil  # type: ignore[import-untyped]
import pytest
import redis

from tbot.adapters.embedded import EmbeddedPostgres, EmbeddedRedis, EmbeddedServerError

pytestmark = pytest.mark.embedded

SRC = Path(__file__).resolve().parents[2] / "src"


def _gone(pid: int | None, timeout: float = 10.0) -> bool:
    """The process has exited (a zombie nobody reaps, as under some container inits, counts)."""
    assert pid is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def _eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


async def _query(url: str, sql: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        rows: list[asyncpg.Record] = await connection.fetch(sql)
        return rows
    finally:
        await connection.close()


def test_postgres_serves_the_database_with_extensions_and_keeps_data(tmp_path: Path) -> None:
    root = tmp_path / "postgres"
    server = EmbeddedPostgres(root)
    server.start()
    pid = server.pid
    try:
        assert server.owned
        assert server.is_running()
        assert server.url == f"postgresql://postgres@127.0.0.1:{server.port}/tbot"
        assert server.psql("select 1").strip() == "1"

        rows = asyncio.run(_query(server.url, "select extname from pg_extension"))
        assert {"pg_trgm", "unaccent"} <= {row["extname"] for row in rows}
        # C.UTF-8 ctype: trigram search and unaccent must work on Cyrillic names.
        rows = asyncio.run(
            _query(server.url, "select similarity('Иванов', 'иванова') s, unaccent('Ёжик') u")
        )
        assert rows[0]["s"] > 0.5
        assert rows[0]["u"] == "Ежик"

        server.psql("create table kept (value text); insert into kept values ('привет')")
    finally:
        server.stop()

    assert _gone(pid)
    assert not server.is_running()
    assert server.pid is None
    server.stop()  # idempotent

    again = EmbeddedPostgres(root)
    with again:
        assert again.pid != pid
        assert again.port == server.port  # last run's port, so URLs stay stable
        assert again.psql("select value from kept").strip() == "привет"
    assert not again.is_running()


def test_redis_keeps_data_and_comes_back_on_the_same_port(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    try:
        assert server.owned
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        client = redis.Redis.from_url(server.url)
        assert client.ping()
        client.set("kept", "value")
        client.close()

        first_pid = server.pid
        server.stop()
        assert _gone(first_pid)
        assert not server.is_running()

        server.start()
        client = redis.Redis.from_url(server.url)
        assert client.get("kept") == b"value"
        client.close()

        port, killed_pid = server.port, server.pid
        assert killed_pid is not None
        os.kill(killed_pid, signal.SIGKILL)
        # The leader shows as a zombie before its threads are gone and waitpid can reap it.
        assert _eventually(lambda: not server.is_running())

        server.start()
        assert server.pid != killed_pid
        assert server.port == port
        client = redis.Redis.from_url(server.url)
        assert client.get("kept") == b"value"
        client.close()
    finally:
        server.stop()


def test_a_second_postgres_handle_attaches_and_leaves_the_server_running(tmp_path: Path) -> None:
    first = EmbeddedPostgres(tmp_path / "postgres")
    first.start()
    try:
        second = EmbeddedPostgres(tmp_path / "postgres")
        second.start()
        assert not second.owned
        assert second.pid == first.pid
        assert second.url == first.url
        assert second.psql("select 1").strip() == "1"

        second.stop()
        assert first.is_running()
        assert first.psql("select 1").strip() == "1"
    finally:
        first.stop()


def test_a_second_redis_handle_attaches_and_leaves_the_server_running(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "redis") as first:
        second = EmbeddedRedis(tmp_path / "redis")
        second.start()
        assert not second.owned
        assert (second.pid, second.port) == (first.pid, first.port)
        second.stop()
        assert first.is_running()
        assert redis.Redis.from_url(first.url).ping()


def test_redis_failing_to_start_reports_the_log(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = EmbeddedRedis(tmp_path / "redis", port=taken.getsockname()[1])
        with pytest.raises(EmbeddedServerError, match="exited") as failure:
            server.start(timeout=10)
    assert "redis.log" in str(failure.value)
    assert "Address already in use" in str(failure.value)
    assert not server.is_running()


_ORPHAN_SCRIPT = """
import sys, threading, time
from pathlib import Path
from tbot.adapters.embedded import EmbeddedPostgres, EmbeddedRedis

kind, root, in_thread = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "thread"
server = EmbeddedPostgres(root) if kind == "postgres" else EmbeddedRedis(root)
if in_thread:
    # The parent-death signal follows the forking *thread*: this one ends right away.
    worker = threading.Thread(target=server.start)
    worker.start()
    worker.join()
    time.sleep(1)
else:
    server.start()
print(server.pid, server.is_running(), flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize(
    ("kind", "started_from"),
    [("redis", "main"), ("redis", "thread"), ("postgres", "thread")],
)
def test_the_server_exits_when_its_parent_is_killed(
    tmp_path: Path, kind: str, started_from: str
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    with subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_SCRIPT, kind, str(tmp_path / kind), started_from],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ) as parent:
        try:
            assert parent.stdout is not None
            pid_text, running = parent.stdout.readline().split()
            server_pid = int(pid_text)
            assert running == "True"
            assert not _gone(server_pid, timeout=0.2)
        finally:
            parent.kill()
    assert _gone(server_pid, timeout=10)
