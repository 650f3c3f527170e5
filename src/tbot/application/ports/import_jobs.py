"""Import jobs: an uploaded workbook waits in shared storage with its job record until a
worker on any node runs it; the record tells the uploader how far it got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from tbot.application.directory.import_report import ImportOptions, ImportReport
from tbot.domain.identity.caller import Caller


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # refused (bad cells, in the report) or broken (`failure`)


@dataclass(frozen=True, slots=True)
class ImportJob:
    id: str
    status: ImportStatus
    submitted_by: str
    submitted_at: datetime
    options: ImportOptions
    legacy: bool = False
    rows_done: int = 0
    rows_total: int | None = None
    report: ImportReport | None = None
    failure: str = ""
    finished_at: datetime | None = None


class ImportJobStore(Protocol):
    async def create(self, job: ImportJob, workbook: bytes, caller: Caller) -> None: ...

    async def get(self, job_id: str) -> ImportJob | None: ...

    async def save(self, job: ImportJob) -> None: ...

    async def workbook(self, job_id: str) -> bytes | None: ...

    async def caller(self, job_id: str) -> Caller | None:
        """Who submitted it, with the rights they had then: the job runs as them."""
        ...

    async def forget_workbook(self, job_id: str) -> None: ...


class JobQueue(Protocol):
    async def enqueue(self, job: str, *args: object) -> str: ...
