"""Failed background jobs, for operators: list them, run one again."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter

from tbot.application.jobs.failed_jobs import MANAGE_JOBS, ListFailedJobs, RetryFailedJob
from tbot.application.ports.jobs import FailedJob
from tbot.domain.identity.caller import Caller
from tbot.entrypoints.api.responses import GUARDED, errors
from tbot.entrypoints.api.security import needs

MANAGE = needs(MANAGE_JOBS)


class FailedJobOut(msgspec.Struct):
    id: str
    job: str
    args: str
    error: str
    tries: int
    enqueued_at: datetime
    failed_at: datetime

    @classmethod
    def of(cls, job: FailedJob) -> FailedJobOut:
        return cls(
            job.id, job.job, job.args, job.error, job.tries, job.enqueued_at, job.finished_at
        )


class RetriedOut(msgspec.Struct):
    job_id: str  # the new job's id


@get("/failed", opt=MANAGE, summary="Failed jobs, newest first", responses=errors(*GUARDED))
async def list_failed(
    caller: NamedDependency[Caller],
    list_failed_jobs: NamedDependency[ListFailedJobs],
    limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
) -> list[FailedJobOut]:
    return [FailedJobOut.of(job) for job in await list_failed_jobs(caller, limit)]


@post(
    "/{job_id:str}/retry",
    opt=MANAGE,
    status_code=202,
    summary="Queue a failed job again with the same arguments",
    responses=errors(*GUARDED, 404),
)
async def retry_failed(
    job_id: FromPath[str],
    caller: NamedDependency[Caller],
    retry_failed_job: NamedDependency[RetryFailedJob],
) -> RetriedOut:
    return RetriedOut(await retry_failed_job(job_id, caller))


router = Router("/api/v1/jobs", route_handlers=[list_failed, retry_failed], tags=["jobs"])
