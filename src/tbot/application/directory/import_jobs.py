"""The import as a background job: submit a workbook, follow its progress, read its report.
A worker on any node runs it with the rights the uploader had when submitting."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from tbot.application.directory.import_report import ImportOptions, ImportRejected, ImportReport
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.clock import Clock
from tbot.application.ports.import_jobs import ImportJob, ImportJobStore, ImportStatus
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import NotFound, ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission

RUN_JOB = "run_import_job"
PROGRESS_EVERY_S = 0.5  # how often a running job's record is brought up to date


class SubmitImport:
    def __init__(
        self,
        store: ImportJobStore,
        authorizer: Authorizer,
        clock: Clock,
        uow: UnitOfWork,
    ) -> None:
        self._store = store
        self._authorizer = authorizer
        self._clock = clock
        self._uow = uow

    async def __call__(
        self, workbook: bytes, options: ImportOptions, legacy: bool, caller: Caller
    ) -> ImportJob:
        self._authorizer.require(caller, Permission.DIRECTORY_WRITE)
        job = ImportJob(
            id=uuid.uuid4().hex,
            status=ImportStatus.QUEUED,
            submitted_by=caller.principal.name,
            submitted_at=self._clock.now(),
            options=options,
            legacy=legacy,
        )
        await self._store.create(job, workbook, caller)
        async with self._uow:
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="directory.import_submitted",
                    target_type="import_job",
                    target_id=job.id,
                    after={
                        "bytes": len(workbook),
                        "dry_run": options.dry_run,
                        "dismiss_missing": options.dismiss_missing,
                    },
                )
            )
            # The job goes out with the audit event or not at all; the outbox relay queues it.
            await self._uow.outbox.add(RUN_JOB, job.id)
            await self._uow.commit()
        return job


class GetImport:
    def __init__(self, store: ImportJobStore, authorizer: Authorizer) -> None:
        self._store = store
        self._authorizer = authorizer

    async def __call__(self, job_id: str, caller: Caller) -> ImportJob:
        self._authorizer.require(caller, Permission.DIRECTORY_WRITE)
        job = await self._store.get(job_id)
        if job is None:
            raise NotFound("import job", job_id)
        return job


@dataclass
class ImportRun:
    """What the worker needs to run one job, and where it reports."""

    job: ImportJob
    workbook: bytes
    caller: Caller
    rows_total: int | None = None
    rows_done: int = 0
    report: ImportReport | None = field(default=None)

    def progress(self, rows_done: int) -> None:
        self.rows_done = rows_done

    def read(self, rows_read: int) -> None:
        """The reader's count: the total is known once it has read everything."""
        self.rows_total = rows_read


class RunImport:
    def __init__(self, store: ImportJobStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    @asynccontextmanager
    async def __call__(self, job_id: str) -> AsyncIterator[ImportRun | None]:
        """Yields the run (None for a job that is gone or has succeeded: running it again
        does nothing). A failed job runs again when its job is retried, by arq after an
        unexpected error or by an operator (`tbot jobs retry`): the import is all-or-nothing,
        so a try that broke left nothing behind. The block reads and imports; leaving it
        records the outcome: the report, the refused cells, or what broke."""
        run = await self._start(job_id)
        if run is None:
            yield None
            return
        reporter = asyncio.create_task(self._report_progress(run))
        try:
            yield run
        except ImportRejected as rejected:
            await self._finish(run, ImportStatus.FAILED, report=rejected.report)
            return
        except ValidationFailed as refused:  # no usable workbook: too large, not a workbook
            await self._finish(run, ImportStatus.FAILED, failure="; ".join(refused.errors.values()))
            return
        except Exception as error:
            # The uploader is told at once; arq tries again with backoff (the database may
            # have gone for a moment), and each try starts over. (A node killed mid-run leaves
            # the job running; arq runs it again once its timeout has passed.)
            await self._finish(run, ImportStatus.FAILED, failure=repr(error))
            raise
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
        await self._finish(run, ImportStatus.SUCCEEDED, report=run.report)

    async def _start(self, job_id: str) -> ImportRun | None:
        job = await self._store.get(job_id)
        if job is None or job.status is ImportStatus.SUCCEEDED:
            return None
        workbook = await self._store.workbook(job_id)
        caller = await self._store.caller(job_id)
        if workbook is None or caller is None:
            await self._store.save(_ended(job, self._clock, failure="the upload has expired"))
            return None
        await self._store.save(replace(job, status=ImportStatus.RUNNING))
        return ImportRun(replace(job, status=ImportStatus.RUNNING), workbook, caller)

    async def _report_progress(self, run: ImportRun) -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY_S)
            await self._store.save(
                replace(run.job, rows_done=run.rows_done, rows_total=run.rows_total)
            )

    async def _finish(
        self,
        run: ImportRun,
        status: ImportStatus,
        *,
        report: ImportReport | None = None,
        failure: str = "",
    ) -> None:
        done = run.rows_total if status is ImportStatus.SUCCEEDED else run.rows_done
        ended = replace(
            _ended(run.job, self._clock, failure=failure),
            status=status,
            report=report,
            rows_done=done or 0,
            rows_total=run.rows_total,
        )
        await self._store.save(ended)
        await self._store.forget_workbook(run.job.id)


def _ended(job: ImportJob, clock: Clock, failure: str) -> ImportJob:
    return replace(job, status=ImportStatus.FAILED, failure=failure, finished_at=clock.now())
