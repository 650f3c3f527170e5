"""Departments: a tree by parent; names unique among siblings."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from tbot.application.directory.get_history import GetHistory
from tbot.application.directory.manage_departments import (
    CreateDepartment,
    DeleteDepartment,
    ListDepartments,
    UpdateDepartment,
)
from tbot.domain.directory.model import Department
from tbot.domain.errors import NotFound
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.entrypoints.api.directory.history import Cursor, HistoryLimit, history_page
from tbot.entrypoints.api.directory.schemas import (
    DepartmentCreateIn,
    DepartmentOut,
    DepartmentPageOut,
    DepartmentPatchIn,
    HistoryPageOut,
)
from tbot.entrypoints.api.responses import GUARDED, errors
from tbot.entrypoints.api.security import needs

READ = needs(Permission.DIRECTORY_READ)
WRITE = needs(Permission.DIRECTORY_WRITE)
DepartmentId = FromPath[int]


@get(
    "/",
    opt=READ,
    summary="List departments by id",
    description="Pass `next_cursor` as `cursor` for the next page.",
    responses=errors(*GUARDED, 400),
)
async def list_departments(
    caller: NamedDependency[Caller],
    list_departments: NamedDependency[ListDepartments],
    cursor: Annotated[int | None, QueryParameter(ge=0)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> DepartmentPageOut:
    page = await list_departments(caller, cursor=cursor, limit=limit)
    return DepartmentPageOut([DepartmentOut.of(d) for d in page.items], page.next_cursor)


async def find_department(
    list_departments: ListDepartments, department_id: int, caller: Caller
) -> Department:
    """One department through the listing (the page that starts at its id): there is no
    use case that reads a single department."""
    page = await list_departments(caller, cursor=max(department_id - 1, 0), limit=1)
    if not page.items or page.items[0].id != department_id:
        raise NotFound("department", department_id)
    return page.items[0]


@get("/{department_id:int}", opt=READ, summary="One department", responses=errors(*GUARDED, 404))
async def get_department(
    department_id: DepartmentId,
    caller: NamedDependency[Caller],
    list_departments: NamedDependency[ListDepartments],
) -> DepartmentOut:
    return DepartmentOut.of(await find_department(list_departments, department_id, caller))


@post(
    "/",
    opt=WRITE,
    summary="Create a department",
    responses=errors(*GUARDED, 400, 409, 422),
)
async def create_department(
    data: JSONBody[DepartmentCreateIn],
    caller: NamedDependency[Caller],
    create_department: NamedDependency[CreateDepartment],
) -> DepartmentOut:
    return DepartmentOut.of(await create_department(data.draft(), caller))


@patch(
    "/{department_id:int}",
    opt=WRITE,
    summary="Rename a department, move it, or set its head",
    description="Send the `version` you read; a stale one is refused with 409.",
    responses=errors(*GUARDED, 400, 404, 409, 422),
)
async def update_department(
    department_id: DepartmentId,
    data: JSONBody[DepartmentPatchIn],
    caller: NamedDependency[Caller],
    update_department: NamedDependency[UpdateDepartment],
) -> DepartmentOut:
    changed = await update_department(department_id, data.version, data.patch(), caller)
    return DepartmentOut.of(changed)


@delete(
    "/{department_id:int}",
    opt=WRITE,
    summary="Delete an empty department",
    description="Refused with 409 while it has employees (dismissed included) or sub-departments.",
    responses=errors(*GUARDED, 400, 404, 409),
)
async def delete_department(
    department_id: DepartmentId,
    version: Annotated[int, QueryParameter(ge=1)],
    caller: NamedDependency[Caller],
    delete_department: NamedDependency[DeleteDepartment],
) -> None:
    await delete_department(department_id, version, caller)


@get(
    "/{department_id:int}/history",
    opt=READ,
    summary="A department's changes, newest first",
    responses=errors(*GUARDED, 400),
)
async def department_history(
    department_id: DepartmentId,
    caller: NamedDependency[Caller],
    get_history: NamedDependency[GetHistory],
    cursor: Cursor = None,
    limit: HistoryLimit = 50,
) -> HistoryPageOut:
    return await history_page(get_history, "department", department_id, caller, cursor, limit)


router = Router(
    "/api/v1/departments",
    route_handlers=[
        list_departments,
        get_department,
        create_department,
        update_department,
        delete_department,
        department_history,
    ],
    tags=["directory"],
)
