"""Import as a background job: POST the workbook, get 202 and the job's address at once, then
GET it for progress and, at the end, the counts or every bad cell. For workbooks too big to
wait for in one request; any node's worker runs it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, QueryParameter

from tbot.application.directory.import_jobs import GetImport, SubmitImport
from tbot.application.directory.import_report import ImportOptions
from tbot.domain.errors import ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.entrypoints.api.directory.schemas import ImportJobOut
from tbot.entrypoints.api.responses import GUARDED, errors
from tbot.entrypoints.api.security import needs

MULTIPART_SLACK = 1 << 20


@dataclass
class JobUpload:
    file: UploadFile  # the .xlsx


@post(
    "/",
    opt=needs(Permission.DIRECTORY_WRITE),
    status_code=202,
    summary="Start an import job from an .xlsx workbook",
    description="Multipart upload, field `file`; the same options as /employees/import. "
    "Answers at once with the job; GET /employees/import-jobs/{id} follows it.",
    responses={
        **errors(*GUARDED, 400),
        413: ResponseSpec(data_container=None, description="the upload is over the limit"),
    },
)
async def submit_import(
    data: Annotated[JobUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    caller: NamedDependency[Caller],
    submit_import: NamedDependency[SubmitImport],
    import_max_bytes: NamedDependency[int],
    dry_run: Annotated[bool, QueryParameter()] = False,
    dismiss_missing: Annotated[bool, QueryParameter()] = False,
    legacy: Annotated[bool, QueryParameter()] = False,
) -> ImportJobOut:
    try:
        workbook = await data.file.read()
    finally:
        await data.file.close()
    if len(workbook) > import_max_bytes:
        limit = import_max_bytes // (1024 * 1024)
        raise ValidationFailed({"file": f"the file is over the {limit} MB an import accepts"})
    options = ImportOptions(dry_run=dry_run, dismiss_missing=dismiss_missing)
    return ImportJobOut.of(await submit_import(workbook, options, legacy, caller))


@get(
    "/{job_id:str}",
    opt=needs(Permission.DIRECTORY_WRITE),
    summary="An import job: its progress, then its counts or its bad cells",
    responses=errors(*GUARDED, 404),
)
async def get_import(
    job_id: str, caller: NamedDependency[Caller], get_import: NamedDependency[GetImport]
) -> ImportJobOut:
    return ImportJobOut.of(await get_import(job_id, caller))


def router(max_upload_bytes: int) -> Router:
    def provide_limit() -> int:
        return max_upload_bytes

    return Router(
        "/api/v1/employees/import-jobs",
        route_handlers=[submit_import, get_import],
        dependencies={"import_max_bytes": Provide(provide_limit, sync_to_thread=False)},
        request_max_body_size=max_upload_bytes + MULTIPART_SLACK,
        tags=["directory"],
    )
