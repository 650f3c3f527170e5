from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from arq.connections import RedisSettings
from arq.cron import CronJob, cron
from arq.worker import Worker, func

from tbot.adapters.jobs_queue import queue_name
from tbot.adapters.observability.metrics import Metrics
from tbot.entrypoints.worker.jobs import (
    JOBS,
    Job,
    counted,
    purge_outbox,
    purge_telegram_data,
    retried,
)

if TYPE_CHECKING:
    from tbot.container import Container

__all__ = ["create_worker", "periodic", "queue_name"]

# An import of 100,000 rows takes minutes; a node killed -9 meanwhile leaves it to be run
# again once this timeout has expired (it is all-or-nothing, so running it again is safe).
LONG_JOBS = {"run_import_job": 900}
MAX_TRIES = 5
# Results (and so failures, for `tbot jobs failed`) are kept over a long weekend.
KEEP_RESULTS_S = 3 * 24 * 3600
# A periodic job's result is what makes its tick id taken: it must outlive the spread between
# the moments the nodes enqueue the same tick (their clocks' skew plus a scheduler's delay).
PERIODIC_KEEP_RESULT_S = 3600
PERIODIC_MAX_TRIES = 3  # arq's default for cron is 1: one crash would skip the tick


def periodic(
    job: Job,
    metrics: Metrics,
    *,
    namespace: str,
    timeout_s: float = 60,
    **when: Any,
) -> CronJob:
    """A job every node's worker schedules, run once per cluster per tick: arq enqueues it
    under the id `<name>:<tick in ms>`, which Redis takes once (WATCH/MULTI), and keeps the
    id taken while the job waits, runs and for PERIODIC_KEEP_RESULT_S after. The name carries
    the namespace: two clusters on one Redis must not take each other's ticks."""
    return cron(
        counted(metrics, retried(job, PERIODIC_MAX_TRIES)),
        name=f"{namespace}:{job.__name__}",
        unique=True,
        run_at_startup=False,
        timeout=timeout_s,
        keep_result=PERIODIC_KEEP_RESULT_S,
        max_tries=PERIODIC_MAX_TRIES,
        **when,
    )


def create_worker(
    redis_url: str,
    *,
    namespace: str,
    node_id: str,
    metrics: Metrics,
    password: str | None = None,
    container: Container | None = None,
    burst: bool = False,
    extra_periodic: Sequence[CronJob] = (),
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
    ctx: dict[str, Any] = {"node_id": node_id, "container": container}
    return Worker(
        functions=functions,
        cron_jobs=[
            # At 03:17 every night.
            periodic(purge_telegram_data, metrics, namespace=namespace, hour={3}, minute={17}),
            periodic(purge_outbox, metrics, namespace=namespace, minute={41}),
            *extra_periodic,
        ],
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
