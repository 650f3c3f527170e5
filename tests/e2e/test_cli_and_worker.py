"""The operator's CLI and a whole node on external servers: migrations by hand, the worker
taking a job, the heartbeat in the cluster view."""

from __future__ import annotations

import contextlib
import time
import uuid
from pathlib import Path

import httpx
from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis

from tbot.adapters.postgres.migrations import head_revision
from tbot.entrypoints.worker.runner import MAX_TRIES, queue_name
from tests.e2e.node import Node, cli, tbot_env


def external_env(database_url: str, redis_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return tbot_env(
        tmp_path / "data",
        tmp_path / "keyring.cfg",
        TBOT_DATABASE_URL=database_url,
        TBOT_REDIS_URL=redis_url,
        **extra,
    )


async def _failed_job(redis_url: str, namespace: str) -> str:
    """A notification whose payload cannot be read, on its last try: it fails for good."""
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        job = await pool.enqueue_job(
            "send_notification",
            "not a notification",
            _queue_name=queue_name(namespace),
            _job_try=MAX_TRIES,
        )
        assert job is not None
        with contextlib.suppress(Exception):
            await job.result(timeout=30)
        return job.job_id
    finally:
        await pool.aclose()


def test_db_commands_move_the_schema(
    fresh_database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = external_env(fresh_database_url, redis_url, tmp_path)
    head = head_revision()
    assert f"current revision: {head}" in cli(env, "db", "current").stdout
    assert f"{head} (head)" in cli(env, "db", "history").stdout

    one_back = cli(env, "db", "downgrade", "--", "-1")
    assert one_back.returncode == 0, one_back.stderr
    assert f"current revision: {head}" not in one_back.stdout

    down = cli(env, "db", "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert "current revision: (empty database)" in down.stdout

    refused = cli(env, "settings", "list")
    assert refused.returncode == 7
    assert "run `tbot db upgrade`" in refused.stderr

    up = cli(env, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert f"current revision: {head}" in up.stdout
    assert cli(env, "settings", "list").returncode == 0


async def test_worker_runs_jobs_and_the_node_shows_in_the_cluster(
    fresh_database_url: str, redis_url: str, tmp_path: Path
) -> None:
    namespace = f"e2e-{uuid.uuid4().hex[:8]}"
    env = external_env(
        fresh_database_url, redis_url, tmp_path, TBOT_REDIS_NAMESPACE=namespace, TBOT_NODE_ID="n-7"
    )
    node = Node(env)
    node.start()
    try:
        node.wait_for_health(200, timeout=60)
        pool = await create_pool(RedisSettings.from_dsn(redis_url))
        try:
            job = await pool.enqueue_job("ping", "hello", _queue_name=queue_name(namespace))
            assert job is not None
            result = await job.result(timeout=30)
        finally:
            await pool.aclose()
        assert result["node"] == "n-7"
        assert result["note"] == "hello"
        failing = await _failed_job(redis_url, namespace)

        # The operator sees the failed job and runs it again, from the CLI.
        listed = cli(env, "jobs", "failed")
        assert listed.returncode == 0, listed.stderr
        assert failing in listed.stdout
        assert "send_notification" in listed.stdout
        again = cli(env, "jobs", "retry", failing)
        assert again.returncode == 0, again.stderr
        assert "Queued again as" in again.stdout
        assert failing not in cli(env, "jobs", "failed").stdout
        unknown = cli(env, "jobs", "retry", "no-such-job")
        assert unknown.returncode != 0

        metrics = httpx.get(f"{node.base_url}/metrics", timeout=5).text
        assert 'tbot_jobs_total{function="ping",outcome="succeeded"} 1.0' in metrics
        assert 'tbot_heartbeats_total{outcome="written"}' in metrics

        # The only node leads, and says so in /health, its metrics and the cluster status.
        deadline = time.monotonic() + 30
        while True:
            body = httpx.get(f"{node.base_url}/health", timeout=5).json()
            cluster = body.get("cluster") or {}
            if body.get("leadership") == "leader" and cluster.get("leader") == "n-7":
                break
            assert time.monotonic() < deadline, body
            time.sleep(0.2)
        assert cluster["nodes_up"] == 1
        assert cluster["fencing_token"] > 0
        assert "tbot_is_leader 1.0" in httpx.get(f"{node.base_url}/metrics", timeout=5).text

        status = cli(env, "cluster", "status")
        assert status.returncode == 0, status.stderr
        assert "n-7" in status.stdout
        assert "up" in status.stdout
        assert "Leader: n-7" in status.stdout
        assert node.interrupt() == 0
        # A graceful stop gave the lease up: the next node need not wait out the TTL.
        redis = Redis.from_url(redis_url)
        try:
            assert await redis.exists(f"{namespace}:leader:leader") == 0
            assert await redis.exists(f"{namespace}:leader:leader:token") == 1
        finally:
            await redis.aclose()
    finally:
        node.kill()
