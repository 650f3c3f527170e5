"""Failed jobs, read from the results arq keeps (`keep_result`), and retried by queuing the same
function with the same arguments again."""

from __future__ import annotations

import uuid
from datetime import UTC

from arq.connections import ArqRedis
from arq.constants import result_key_prefix
from arq.jobs import Job, JobResult
from redis.asyncio import Redis

from tbot.adapters.jobs_queue import queue_name
from tbot.application.ports.jobs import FailedJob
from tbot.domain.errors import NotFound

ARGS_SUMMARY_CHARS = 120
ERROR_CHARS = 300


class ArqJobBoard:
    def __init__(self, redis: Redis, namespace: str) -> None:
        self._arq = ArqRedis(connection_pool=redis.connection_pool)
        self._queue_name = queue_name(namespace)

    async def failed(self, limit: int) -> list[FailedJob]:
        # SCAN, not arq's all_job_results (KEYS): Redis keeps serving while we look, and
        # other namespaces' results on the same Redis are skipped by their queue name.
        failed: list[FailedJob] = []
        async for key in self._arq.scan_iter(match=f"{result_key_prefix}*", count=500):
            job_id = key.decode().removeprefix(result_key_prefix)
            info = await self._result(job_id)
            if info is not None and not info.success:
                failed.append(_failed(job_id, info))
        failed.sort(key=lambda job: job.finished_at, reverse=True)
        return failed[:limit]

    async def retry(self, job_id: str) -> str:
        info = await self._result(job_id)
        if info is None or info.success:
            raise NotFound("failed job", job_id)
        again = await self._arq.enqueue_job(
            info.function,
            *info.args,
            _job_id=f"retry:{uuid.uuid4().hex}",
            _queue_name=self._queue_name,
            **info.kwargs,
        )
        if again is None:  # a fresh random id cannot exist; say so loudly if it ever does
            raise RuntimeError(f"job {job_id} was not queued again")
        # The failure is dealt with: it leaves the list. The new job's own result tells
        # whether the retry worked.
        await self._arq.delete(result_key_prefix + job_id)
        return again.job_id

    async def _result(self, job_id: str) -> JobResult | None:
        info = await Job(job_id, self._arq, _queue_name=self._queue_name).result_info()
        if info is None or info.queue_name != self._queue_name:
            return None
        return info


def _failed(job_id: str, info: JobResult) -> FailedJob:
    return FailedJob(
        id=job_id,
        job=info.function,
        args=_summary(info),
        error=_error(info.result),
        tries=info.job_try,
        enqueued_at=info.enqueue_time.astimezone(UTC),
        finished_at=info.finish_time.astimezone(UTC),
    )


def _summary(info: JobResult) -> str:
    parts = [repr(arg) for arg in info.args]
    parts += [f"{name}={value!r}" for name, value in info.kwargs.items()]
    text = ", ".join(parts)
    return text if len(text) <= ARGS_SUMMARY_CHARS else text[: ARGS_SUMMARY_CHARS - 1] + "…"


def _error(result: object) -> str:
    text = (
        f"{type(result).__name__}: {result}" if isinstance(result, BaseException) else str(result)
    )
    return text[:ERROR_CHARS]
