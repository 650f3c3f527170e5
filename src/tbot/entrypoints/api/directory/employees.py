"""Employees: browse, read, change, dismiss, search, history."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, delete, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from tbot.application.directory.get_history import GetHistory
from tbot.application.directory.manage_employees import (
    AssignWorkstations,
    CreateEmployee,
    DismissEmployee,
    UpdateEmployee,
)
from tbot.application.directory.read_employees import GetEmployee, ListEmployees
from tbot.application.directory.search_employees import EmployeeSearch, SearchEmployees
from tbot.application.ports.directory import EmployeeFilter
from tbot.domain.directory.model import EmployeeStatus
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.entrypoints.api.directory.cursor import decode_cursor, encode_cursor
from tbot.entrypoints.api.directory.history import Cursor, HistoryLimit, history_page
from tbot.entrypoints.api.directory.schemas import (
    EmployeeCreateIn,
    EmployeeOut,
    EmployeePageOut,
    EmployeePatchIn,
    HistoryPageOut,
    SearchHitOut,
    SearchPageOut,
    WorkstationsIn,
)
from tbot.entrypoints.api.responses import GUARDED, errors
from tbot.entrypoints.api.security import current_caller, needs

READ = needs(Permission.DIRECTORY_READ)
WRITE = needs(Permission.DIRECTORY_WRITE)
NETWORK = needs(Permission.DIRECTORY_NETWORK)

Limit = Annotated[int, QueryParameter(ge=1, le=500)]
EmployeeId = FromPath[int]


def employee_filter(
    department_id: Annotated[int | None, QueryParameter(ge=1)] = None,
    status: Annotated[EmployeeStatus | None, QueryParameter()] = None,
    include_dismissed: Annotated[bool, QueryParameter()] = False,
) -> EmployeeFilter:
    """The query string's filters, shared by listing, search and export. Dismissed employees
    are left out unless `include_dismissed` or `status=dismissed` asks for them."""
    return EmployeeFilter(department_id, status, include_dismissed)


FILTER = {"where": Provide(employee_filter, sync_to_thread=False)}


@get(
    "/",
    opt=READ,
    dependencies=FILTER,
    summary="List employees by id",
    description="Pass `next_cursor` as `cursor` for the next page.",
    responses=errors(*GUARDED, 400),
)
async def list_employees(
    where: NamedDependency[EmployeeFilter],
    caller: NamedDependency[Caller],
    list_employees: NamedDependency[ListEmployees],
    cursor: Annotated[int | None, QueryParameter(ge=0)] = None,
    limit: Limit = 100,
) -> EmployeePageOut:
    page = await list_employees(where, caller, cursor=cursor, limit=limit)
    return EmployeePageOut([EmployeeOut.of(e) for e in page.items], page.next_cursor)


@get(
    "/search",
    opt=READ,
    summary="Search employees",
    description="One query string, read as the most specific thing it can be: an IP address, "
    "a network (10.1.0.0/16, 10.1.), a MAC address, a phone or its tail, a host name, "
    "`отдел:` / `dept:` and a department, or a name (typos, ё/е, Latin/Cyrillic and the "
    "wrong keyboard layout are forgiven). Addresses, networks and MACs need "
    "directory.network. Pass `next_cursor` back as `cursor` for the next page.",
    responses=errors(*GUARDED, 400, 422),
)
async def search_employees(
    request: Request[Any, Any, Any],
    q: Annotated[str, QueryParameter(min_length=1, max_length=200)],
    search_employees: NamedDependency[SearchEmployees],
    cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    department_id: Annotated[int | None, QueryParameter(ge=1)] = None,
    status: Annotated[EmployeeStatus | None, QueryParameter()] = None,
    include_dismissed: Annotated[bool, QueryParameter()] = False,
) -> SearchPageOut:
    # The search box is the hottest route: one dependency, so that Litestar resolves it
    # inline; with several it starts a task group per request (~0.1 ms). The filters are the
    # same query parameters as FILTER's; the caller is the one the guard authenticated.
    where = employee_filter(department_id, status, include_dismissed)
    query = EmployeeSearch(q, where, limit, decode_cursor(cursor))
    result = await search_employees(query, current_caller(request))
    return SearchPageOut(
        result.kind.value,
        [SearchHitOut.of(hit) for hit in result.hits],
        encode_cursor(result.next_cursor),
    )


@get(
    "/{employee_id:int}",
    opt=READ,
    summary="One employee, dismissed or not",
    responses=errors(*GUARDED, 404),
)
async def get_employee(
    employee_id: EmployeeId,
    caller: NamedDependency[Caller],
    get_employee: NamedDependency[GetEmployee],
) -> EmployeeOut:
    return EmployeeOut.of(await get_employee(employee_id, caller))


@post(
    "/",
    opt=WRITE,
    summary="Create an employee",
    description="Every bad field is named at once in `fields`. Workstations need "
    "directory.network.",
    responses=errors(*GUARDED, 400, 409, 422),
)
async def create_employee(
    data: JSONBody[EmployeeCreateIn],
    caller: NamedDependency[Caller],
    create_employee: NamedDependency[CreateEmployee],
) -> EmployeeOut:
    return EmployeeOut.of(await create_employee(data.draft(), caller))


@patch(
    "/{employee_id:int}",
    opt=WRITE,
    summary="Change an employee",
    description="Send the `version` you read; a stale one is refused with 409 and nothing "
    "changes. Fields left out keep their value; null clears an optional field.",
    responses=errors(*GUARDED, 400, 404, 409, 422),
)
async def update_employee(
    employee_id: EmployeeId,
    data: JSONBody[EmployeePatchIn],
    caller: NamedDependency[Caller],
    update_employee: NamedDependency[UpdateEmployee],
) -> EmployeeOut:
    return EmployeeOut.of(await update_employee(employee_id, data.version, data.patch(), caller))


@delete(
    "/{employee_id:int}",
    opt=WRITE,
    status_code=200,
    summary="Dismiss an employee (the record stays, marked dismissed today)",
    description="Lists and search leave dismissed employees out unless asked for them.",
    responses=errors(*GUARDED, 400, 404, 409),
)
async def dismiss_employee(
    employee_id: EmployeeId,
    version: Annotated[int, QueryParameter(ge=1)],
    caller: NamedDependency[Caller],
    dismiss_employee: NamedDependency[DismissEmployee],
) -> EmployeeOut:
    return EmployeeOut.of(await dismiss_employee(employee_id, version, caller))


@put(
    "/{employee_id:int}/workstations",
    opt=NETWORK,
    summary="Set the workstations an employee uses (the whole set)",
    description="Needs directory.write and directory.network.",
    responses=errors(*GUARDED, 400, 404, 409, 422),
)
async def assign_workstations(
    employee_id: EmployeeId,
    data: JSONBody[WorkstationsIn],
    caller: NamedDependency[Caller],
    assign_workstations: NamedDependency[AssignWorkstations],
) -> EmployeeOut:
    ids = tuple(data.workstation_ids)
    return EmployeeOut.of(await assign_workstations(employee_id, data.version, ids, caller))


@get(
    "/{employee_id:int}/history",
    opt=READ,
    summary="An employee's changes, newest first",
    description="Workstation changes are shown only with directory.network.",
    responses=errors(*GUARDED, 400),
)
async def employee_history(
    employee_id: EmployeeId,
    caller: NamedDependency[Caller],
    get_history: NamedDependency[GetHistory],
    cursor: Cursor = None,
    limit: HistoryLimit = 50,
) -> HistoryPageOut:
    return await history_page(get_history, "employee", employee_id, caller, cursor, limit)


router = Router(
    "/api/v1/employees",
    route_handlers=[
        list_employees,
        search_employees,
        get_employee,
        create_employee,
        update_employee,
        dismiss_employee,
        assign_workstations,
        employee_history,
    ],
    tags=["directory"],
)
