"""The arq queue TBot's jobs travel through, shared by whoever enqueues and the workers."""

from __future__ import annotations

from collections.abc import Sequence

from arq.connections import ArqRedis
from redis.asyncio import Redis


def queue_name(namespace: str) -> str:
    return f"{namespace}:jobs"


class ArqJobQueue:
    """Enqueues into the queue every node's worker takes jobs from."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self._arq = ArqRedis(connection_pool=redis.connection_pool)
        self._queue_name = queue_name(namespace)

    async def enqueue(self, job: str, *args: object) -> str:
        queued = await self._arq.enqueue_job(job, *args, _queue_name=self._queue_name)
        if queued is None:  # only with an explicit job id that exists; we never pass one
            raise RuntimeError(f"job {job} was not queued")
        return queued.job_id

    async def enqueue_once(self, job: str, args: Sequence[object], job_id: str) -> bool:
        # arq checks the id and queues in one WATCH/MULTI transaction: of two relays racing
        # with the same id, one gets None.
        queued = await self._arq.enqueue_job(
            job, *args, _job_id=job_id, _queue_name=self._queue_name
        )
        return queued is not None
