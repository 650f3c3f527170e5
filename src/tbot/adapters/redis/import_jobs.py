"""Import jobs in Redis: the record (JSON) for a week, the workbook for an hour; every node's
API and worker see the same."""

from __future__ import annotations

import msgspec
from redis.asyncio import Redis

from tbot.application.ports.import_jobs import ImportJob
from tbot.domain.identity.caller import Caller

RECORD_TTL_S = 7 * 24 * 3600
WORKBOOK_TTL_S = 3600


class RedisImportJobStore:
    def __init__(self, redis: Redis, namespace: str) -> None:
        self._redis = redis
        self._namespace = namespace

    async def create(self, job: ImportJob, workbook: bytes, caller: Caller) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(job.id, "workbook"), workbook, ex=WORKBOOK_TTL_S)
            pipe.set(self._key(job.id, "caller"), msgspec.json.encode(caller), ex=RECORD_TTL_S)
            pipe.set(self._key(job.id), msgspec.json.encode(job), ex=RECORD_TTL_S)
            await pipe.execute()

    async def get(self, job_id: str) -> ImportJob | None:
        raw = await self._redis.get(self._key(job_id))
        # The job and its report are plain dataclasses: msgspec encodes and checks them as such.
        return msgspec.json.decode(raw, type=ImportJob) if raw else None

    async def save(self, job: ImportJob) -> None:
        await self._redis.set(self._key(job.id), msgspec.json.encode(job), ex=RECORD_TTL_S)

    async def workbook(self, job_id: str) -> bytes | None:
        raw = await self._redis.get(self._key(job_id, "workbook"))
        return bytes(raw) if raw is not None else None

    async def caller(self, job_id: str) -> Caller | None:
        raw = await self._redis.get(self._key(job_id, "caller"))
        return msgspec.json.decode(raw, type=Caller) if raw else None

    async def forget_workbook(self, job_id: str) -> None:
        await self._redis.delete(self._key(job_id, "workbook"))

    def _key(self, job_id: str, part: str = "record") -> str:
        return f"{self._namespace}:import:{job_id}:{part}"
