"""A periodic job runs once per cluster per tick: three workers (three nodes' schedulers and
executors, in-process) on the real Redis, one of them killed halfway."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections import Counter
from typing import Any

import pytest
from arq.worker import Worker

from tbot.adapters.observability.metrics import Metrics
from tbot.entrypoints.worker.runner import create_worker, periodic

WINDOW_S = 60
KILL_AT_S = 20


async def tick(ctx: dict[str, Any]) -> None:
    """Records which tick ran on which node; the tick is in the job id (`<name>:<ms>`)."""
    await ctx["redis"].rpush(ctx["runs_key"], f"{ctx['job_id']}|{ctx['node_id']}")


def _kill(worker: Worker, task: asyncio.Task[None]) -> None:
    """As abrupt as an in-process kill gets: the loop and its running jobs are cancelled,
    nothing is closed or released (a kill -9 also leaves its Redis keys behind)."""
    task.cancel()
    for job in list(worker.tasks.values()):
        job.cancel()


@pytest.mark.timeout(120)
async def test_a_job_every_second_for_60_s_on_3_nodes_runs_60_times_through_a_node_kill(
    redis_url: str,
) -> None:
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    runs_key = f"{namespace}:runs"
    metrics = Metrics()
    workers: list[Worker] = []
    for node in ("node-a", "node-b", "node-c"):
        every_second = periodic(tick, metrics, namespace=namespace, second=None, timeout_s=5)
        worker = create_worker(
            redis_url,
            namespace=namespace,
            node_id=node,
            metrics=metrics,
            extra_periodic=[every_second],
        )
        worker.ctx["runs_key"] = runs_key
        workers.append(worker)
    tasks = [asyncio.create_task(w.async_run()) for w in workers]
    # The window starts on a whole second, after every scheduler has had time to start.
    start = math.ceil(time.time()) + 3
    end = start + WINDOW_S
    redis = None
    try:
        await asyncio.sleep(start + KILL_AT_S - time.time())
        redis = workers[0].pool
        last = (await redis.lrange(runs_key, -1, -1))[0].decode()
        victim = ["node-a", "node-b", "node-c"].index(last.split("|")[1])
        _kill(workers[victim], tasks[victim])  # the node that ran the latest tick
        await asyncio.sleep(end + 3 - time.time())  # the last tick of the window has run
        runs = [entry.decode() for entry in await redis.lrange(runs_key, 0, -1)]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if redis is not None:
            await redis.delete(runs_key)
        for worker in workers:
            await worker.close()

    ticks = Counter(int(run.split("|")[0].rsplit(":", 1)[1]) // 1000 for run in runs)
    in_window = {second: n for second, n in ticks.items() if start <= second < end}
    # Tolerance: none. Every whole second of the window is one tick, run exactly once,
    # whichever node enqueued or ran it and although one node died a third of the way in.
    assert sum(in_window.values()) == WINDOW_S, sorted(in_window.items())
    assert set(in_window) == set(range(start, end))
    assert max(in_window.values()) == 1
    nodes = Counter(run.split("|")[1] for run in runs)
    assert len(nodes) >= 2  # the work was spread, and went on after the kill
