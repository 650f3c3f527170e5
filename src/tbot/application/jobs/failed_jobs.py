"""Failed jobs: operators see them and queue them again once the cause is fixed."""

from __future__ import annotations

from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.jobs import FailedJob, JobBoard
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission

# Running jobs again is an operator's act on the whole node: the settings permission already
# means "may change how TBot runs", so no new permission (and no roles migration) is needed.
MANAGE_JOBS = Permission.SETTINGS_WRITE


class ListFailedJobs:
    def __init__(self, board: JobBoard, authorizer: Authorizer) -> None:
        self._board = board
        self._authorizer = authorizer

    async def __call__(self, caller: Caller, limit: int = 100) -> list[FailedJob]:
        self._authorizer.require(caller, MANAGE_JOBS)
        return await self._board.failed(max(1, min(limit, 1000)))


class RetryFailedJob:
    def __init__(self, board: JobBoard, authorizer: Authorizer, uow: UnitOfWork) -> None:
        self._board = board
        self._authorizer = authorizer
        self._uow = uow

    async def __call__(self, job_id: str, caller: Caller) -> str:
        """Returns the id of the job queued anew."""
        self._authorizer.require(caller, MANAGE_JOBS)
        again = await self._board.retry(job_id)
        async with self._uow:
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="jobs.retried",
                    target_type="job",
                    target_id=job_id,
                    after={"job_id": again},
                )
            )
            await self._uow.commit()
        return again
