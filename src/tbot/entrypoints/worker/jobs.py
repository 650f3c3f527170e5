"""Job functions. Each is thin: it takes the use cases from ctx and calls one."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from contextlib import aclosing
from functools import wraps
from typing import TYPE_CHECKING, Any

from arq.worker import Retry

from tbot.adapters.observability.metrics import Metrics
from tbot.adapters.telegram.notifier import decode
from tbot.domain.errors import DomainError

if TYPE_CHECKING:
    from tbot.container import Container

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


def retried(job: Job, max_tries: int) -> Job:
    """arq retries a job only when it raises Retry. An error that may pass (network, Redis,
    PostgreSQL, Telegram's 5xx: anything but a domain error, which would fail the same way)
    is retried with exponential backoff; the last try's error is kept as the job's result,
    where `tbot jobs failed` shows it."""

    @wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await job(ctx, *args, **kwargs)
        except (Retry, DomainError):
            raise
        except Exception as error:
            tries = int(ctx.get("job_try", 1))
            if tries >= max_tries:
                raise
            raise Retry(defer=backoff_s(tries)) from error

    return run


def backoff_s(tries: int) -> float:
    """5, 10, 20, 40 s ... at most 5 minutes: a short outage is ridden out within the tries."""
    return float(min(5 * 2 ** (tries - 1), 300))


async def ping(ctx: dict[str, Any], note: str = "") -> dict[str, Any]:
    """Round trip through Redis and a worker: operators use it to prove the queue works."""
    return {"node": ctx.get("node_id", ""), "note": note, "at": time.time()}


async def send_notification(ctx: dict[str, Any], payload: bytes | str) -> str:
    """Delivers one queued notification; arq retries it when the outcome says so. The payload
    is bytes when queued directly, text when it came through the outbox (JSON in PostgreSQL)."""
    container: Container = ctx["container"]
    raw = payload.encode() if isinstance(payload, str) else payload
    outcome = await container.deliver_notification()(decode(raw), attempt=ctx["job_try"])
    if not outcome.done:
        assert outcome.retry_after_s is not None
        raise Retry(defer=outcome.retry_after_s)
    return "sent" if outcome.sent else f"gave up: {outcome.gave_up}"


async def purge_telegram_data(ctx: dict[str, Any], tick: str = "") -> dict[str, int]:
    """Nightly (`tick`: which night): handled-update ids after 72 h, inbound messages after
    their retention."""
    container: Container = ctx["container"]
    purged = await container.purge_telegram_data()()
    return {"processed_updates": purged.processed_updates, "messages": purged.messages}


async def purge_outbox(ctx: dict[str, Any], tick: str = "") -> int:
    """Hourly (`tick`: which hour): outbox entries relayed more than a day ago."""
    container: Container = ctx["container"]
    return await container.purge_outbox()()


async def run_import_job(ctx: dict[str, Any], job_id: str) -> str:
    """Imports the uploaded workbook, read in a process of its own while the rows read so far
    are checked and written, reporting progress in the job's record."""
    from tbot.adapters.excel.reader_process import read_in_process
    from tbot.entrypoints.api.directory.workbook import import_streamed
    from tbot.entrypoints.worker.workbooks import workbook_file

    container: Container = ctx["container"]
    max_bytes = container.runtime().directory_import_max_mb * 1024 * 1024
    async with container.run_import()(job_id) as run:
        if run is None:
            return "nothing to do"
        with workbook_file(run.workbook) as path:
            chunks = read_in_process(
                path, max_bytes=max_bytes, legacy=run.job.legacy, progress=run.read
            )
            async with aclosing(chunks):
                done = await import_streamed(
                    container.import_employees(), chunks, run.job.options, run.caller, run.progress
                )
        run.rows_total = done.rows
        run.report = done.report
    return "done"


JOBS: tuple[Job, ...] = (
    ping,
    send_notification,
    purge_telegram_data,
    purge_outbox,
    run_import_job,
)
