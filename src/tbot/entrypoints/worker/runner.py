from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from arq.connections import RedisSettings
from arq.worker import Function, Worker, func

from tbot.adapters.jobs_queue import queue_name
from tbot.adapters.observability.metrics import Metrics
from tbot.entrypoints.worker.jobs import (
    JOBS,
    counted,
    retried,
)

if TYPE_CHECKING:
    from tbot.container import Container

__all__ = ["create_worker", "queue_name"]

# An import of 100,000 rows takes minutes; a node killed -9 meanwhile leaves it to be run
# again once this timeout has expired (it is all-or-nothing, so running it again is safe).
LONG_JOBS = {"run_import_job": 900}
MAX_TRIES = 5
# Results (and so failures, for `tbot jobs failed`) are kept over a long weekend.
KEEP_RESULTS_S = 3 * 24 * 3600


def create_worker(
    redis_url: str,
    *,
    namespace: str,
    node_id: str,
    metrics: Metrics,
    password: str | None = None,
    container: Container | None = None,
    burst: bool = False,
    extra_functions: Sequence[Function] = (),
) -> Worker:
    """An arq worker that leaves signals to the node runner. Short job timeouts: a job whose
    node was killed -9 is retried only after its in-progress key expires."""
    settings = RedisSettings.from_dsn(redis_url)
    if password:
        settings.password = password
    functions = [
        func(
            counted(metrics, retried(job, MAX_TRIES)),
            name=job.__name__,
            timeout=LONG_JOBS.get(job.__name__, 60),
            max_tries=MAX_TRIES,
        )
        for job in JOBS
    ]
    functions.extend(extra_functions)
    ctx: dict[str, Any] = {"node_id": node_id, "container": container}
    return Worker(
        functions=functions,
        burst=burst,
        queue_name=queue_name(namespace),
        redis_settings=settings,
        handle_signals=False,
        ctx=ctx,
        job_timeout=60,
        keep_result=KEEP_RESULTS_S,
        max_jobs=10,
        health_check_key=f"{queue_name(namespace)}:health:{node_id}",
        poll_delay=0.5,
    )
