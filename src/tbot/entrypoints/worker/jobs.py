"""Job functions. Each is thin: it takes the use cases from ctx and calls one."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from tbot.adapters.observability.metrics import Metrics

Job = Callable[..., Coroutine[Any, Any, Any]]


def counted(metrics: Metrics, job: Job) -> Job:
    """Counts every outcome, so /metrics shows the worker doing work and failing."""

    @wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        name = job.__name__
        try:
            result = await job(ctx, *args, **kwargs)
        except Exception:
            metrics.jobs.labels(name, "failed").inc()
            raise
        metrics.jobs.labels(name, "succeeded").inc()
        return result

    return run


async def ping(ctx: dict[str, Any], note: str = "") -> dict[str, Any]:
    """Round trip through Redis and a worker: operators use it to prove the queue works."""
    return {"node": ctx.get("node_id", ""), "note": note, "at": time.time()}


JOBS: tuple[Job, ...] = (ping,)
