"""Import and export of the whole directory as a workbook.

This import runs inside the request: the upload is read, checked and written before the answer
(import_jobs.py runs it in the background instead, with progress). The request body may be a little
larger than `directory_import_max_mb` (multipart framing); the reader enforces the file's own
limit with a clear message."""

from __future__ import annotations

import asyncio
import io
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Literal

from litestar import Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, QueryParameter

from tbot.adapters.excel.directory_writer import write_directory
from tbot.adapters.excel.reader_process import read_in_process
from tbot.application.directory.import_employees import ImportEmployees, ImportOptions
from tbot.application.directory.manage_departments import ListDepartments
from tbot.application.directory.manage_workstations import ListWorkstations
from tbot.application.directory.read_employees import ListEmployees
from tbot.application.ports.directory import EmployeeFilter
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.entrypoints.api.directory.employees import FILTER
from tbot.entrypoints.api.directory.schemas import (
    ImportIssueOut,
    ImportRejectedOut,
    ImportReportOut,
)
from tbot.entrypoints.api.directory.workbook import (
    XLSX,
    csv_bytes,
    directory_snapshot,
    export_rows,
    import_streamed,
)
from tbot.entrypoints.api.responses import GUARDED, errors
from tbot.entrypoints.api.security import needs

MULTIPART_SLACK = 1 << 20  # room for the multipart framing around the file


@dataclass
class WorkbookUpload:
    file: UploadFile  # the .xlsx


@post(
    "/import",
    opt=needs(Permission.DIRECTORY_WRITE),
    status_code=200,
    summary="Import employees from an .xlsx workbook",
    description="Multipart upload, field `file`. Every row is checked before anything is "
    "written; one bad cell refuses the whole file (422, every bad cell in `errors`). "
    "`dry_run` reports the same counts and writes nothing; `dismiss_missing` dismisses "
    "active employees the file does not list; `legacy` reads the old bot's workbook (a "
    "sheet per department). See docs/migration.md for the accepted layouts.",
    responses={
        **errors(*GUARDED, 400),
        413: ResponseSpec(data_container=None, description="the upload is over the limit"),
        422: ResponseSpec(
            data_container=ImportRejectedOut,
            description="bad cells (each in `errors`: sheet, row, column, reason) or a file "
            "that is no usable workbook; nothing was written",
        ),
    },
)
async def import_employees(
    data: Annotated[WorkbookUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    caller: NamedDependency[Caller],
    import_employees: NamedDependency[ImportEmployees],
    import_max_bytes: NamedDependency[int],
    dry_run: Annotated[bool, QueryParameter()] = False,
    dismiss_missing: Annotated[bool, QueryParameter()] = False,
    legacy: Annotated[bool, QueryParameter()] = False,
) -> ImportReportOut:
    options = ImportOptions(dry_run=dry_run, dismiss_missing=dismiss_missing)
    path = await _spool_upload(data.file)
    try:
        # The workbook is read in a process of its own while the rows read so far are
        # checked and written; it has stopped when the block is left.
        chunks = read_in_process(path, max_bytes=import_max_bytes, legacy=legacy)
        async with aclosing(chunks):
            done = await import_streamed(import_employees, chunks, options, caller)
    finally:
        path.unlink(missing_ok=True)
    return ImportReportOut.of(
        done.report,
        rows=done.rows,
        ignored=[ImportIssueOut(sheet, detail) for sheet, detail in done.notes.ignored_columns],
        skipped=[ImportIssueOut(sheet, detail) for sheet, detail in done.notes.skipped_sheets],
    )


async def _spool_upload(upload: UploadFile) -> Path:
    """The reader wants a file on disk: the upload is copied to one of ours (the caller
    removes it)."""
    try:
        return await asyncio.to_thread(_spool, upload.file)
    finally:
        await upload.close()


def _spool(source: IO[bytes]) -> Path:
    source.seek(0)
    with tempfile.NamedTemporaryFile(prefix="tbot-import-", suffix=".xlsx", delete=False) as out:
        shutil.copyfileobj(source, out, length=1 << 20)
    return Path(out.name)


@get(
    "/export",
    opt=needs(Permission.DIRECTORY_READ),
    dependencies=FILTER,
    summary="Export employees as .xlsx or CSV",
    description="The columns an import reads, so importing an export changes nothing. "
    "Workstation, IP and MAC columns only for callers with directory.network. Same filters "
    "as the listing (dismissed employees only when asked for).",
    responses=errors(*GUARDED, 400),
    media_type=XLSX,
)
async def export_employees(
    where: NamedDependency[EmployeeFilter],
    caller: NamedDependency[Caller],
    list_employees: NamedDependency[ListEmployees],
    list_departments: NamedDependency[ListDepartments],
    list_workstations: NamedDependency[ListWorkstations],
    fmt: Annotated[Literal["xlsx", "csv"], QueryParameter(name="format")] = "xlsx",
) -> Response[bytes]:
    snapshot = await directory_snapshot(
        where,
        caller,
        list_employees=list_employees,
        list_departments=list_departments,
        list_workstations=list_workstations,
    )
    rows, fields = export_rows(snapshot), snapshot.fields
    if fmt == "xlsx":
        body, media = await asyncio.to_thread(_xlsx, rows, fields), XLSX
    else:
        body, media = csv_bytes(rows, fields), "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="tbot-employees.{fmt}"'},
    )


def _xlsx(rows: Iterable[Mapping[str, str | None]], fields: tuple[str, ...]) -> bytes:
    buffer = io.BytesIO()
    write_directory(rows, buffer, fields=fields)
    return buffer.getvalue()


def router(max_upload_bytes: int) -> Router:
    """The import/export routes; the import's body limit follows directory_import_max_mb."""

    def provide_limit() -> int:
        return max_upload_bytes

    return Router(
        "/api/v1/employees",
        route_handlers=[import_employees, export_employees],
        dependencies={"import_max_bytes": Provide(provide_limit, sync_to_thread=False)},
        request_max_body_size=max_upload_bytes + MULTIPART_SLACK,
        tags=["directory"],
    )
