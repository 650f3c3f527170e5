from __future__ import annotations

from typing import Any

from arq.connections import RedisSettings
from arq.worker import Worker, func

from tbot.adapters.observability.metrics import Metrics
from tbot.entrypoints.worker.jobs import JOBS, counted


def queue_name(namespace: str) -> str:
    return f"{namespace}:jobs"


def create_worker(
    redis_url: str, *, namespace: str, node_id: str, metrics: Metrics, password: str | None = None
) -> Worker:
    """An arq worker that leaves signals to the node runner. Short job timeouts: a job whose
    node was killed -9 is retried only after its in-progress key expires."""
    settings = RedisSettings.from_dsn(redis_url)
    if password:
        settings.password = password
    functions = [
        func(counted(metrics, job), name=job.__name__, timeout=60, max_tries=5) for job in JOBS
    ]
    ctx: dict[str, Any] = {"node_id": node_id}
    return Worker(
        functions=functions,
        queue_name=queue_name(namespace),
        redis_settings=settings,
        handle_signals=False,
        ctx=ctx,
        job_timeout=60,
        max_jobs=10,
        health_check_key=f"{queue_name(namespace)}:health:{node_id}",
        poll_delay=0.5,
    )
