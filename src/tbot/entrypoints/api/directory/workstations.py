"""Workstations. All of it is network detail: every route needs directory.network, and the use
cases also directory.read or directory.write."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from tbot.application.directory.get_history import GetHistory
from tbot.application.directory.manage_workstations import (
    CreateWorkstation,
    DeleteWorkstation,
    ListWorkstations,
    UpdateWorkstation,
)
from tbot.domain.directory.model import Workstation
from tbot.domain.errors import NotFound
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.entrypoints.api.directory.history import Cursor, HistoryLimit, history_page
from tbot.entrypoints.api.directory.schemas import (
    HistoryPageOut,
    WorkstationCreateIn,
    WorkstationOut,
    WorkstationPageOut,
    WorkstationPatchIn,
)
from tbot.entrypoints.api.responses import GUARDED, errors
from tbot.entrypoints.api.security import needs

NETWORK = needs(Permission.DIRECTORY_NETWORK)
WorkstationId = FromPath[int]


@get(
    "/",
    opt=NETWORK,
    summary="List workstations by id",
    description="Needs directory.read and directory.network. Pass `next_cursor` as `cursor` "
    "for the next page.",
    responses=errors(*GUARDED, 400),
)
async def list_workstations(
    caller: NamedDependency[Caller],
    list_workstations: NamedDependency[ListWorkstations],
    cursor: Annotated[int | None, QueryParameter(ge=0)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> WorkstationPageOut:
    page = await list_workstations(caller, cursor=cursor, limit=limit)
    return WorkstationPageOut([WorkstationOut.of(w) for w in page.items], page.next_cursor)


async def find_workstation(
    list_workstations: ListWorkstations, workstation_id: int, caller: Caller
) -> Workstation:
    """One workstation through the listing (the page that starts at its id): there is no
    use case that reads a single workstation."""
    page = await list_workstations(caller, cursor=max(workstation_id - 1, 0), limit=1)
    if not page.items or page.items[0].id != workstation_id:
        raise NotFound("workstation", workstation_id)
    return page.items[0]


@get(
    "/{workstation_id:int}",
    opt=NETWORK,
    summary="One workstation",
    description="Needs directory.read and directory.network.",
    responses=errors(*GUARDED, 404),
)
async def get_workstation(
    workstation_id: WorkstationId,
    caller: NamedDependency[Caller],
    list_workstations: NamedDependency[ListWorkstations],
) -> WorkstationOut:
    return WorkstationOut.of(await find_workstation(list_workstations, workstation_id, caller))


@post(
    "/",
    opt=NETWORK,
    summary="Register a workstation",
    description="Needs directory.write and directory.network.",
    responses=errors(*GUARDED, 400, 409, 422),
)
async def create_workstation(
    data: JSONBody[WorkstationCreateIn],
    caller: NamedDependency[Caller],
    create_workstation: NamedDependency[CreateWorkstation],
) -> WorkstationOut:
    return WorkstationOut.of(await create_workstation(data.draft(), caller))


@patch(
    "/{workstation_id:int}",
    opt=NETWORK,
    summary="Change a workstation",
    description="Needs directory.write and directory.network. Send the `version` you read; a "
    "stale one is refused with 409.",
    responses=errors(*GUARDED, 400, 404, 409, 422),
)
async def update_workstation(
    workstation_id: WorkstationId,
    data: JSONBody[WorkstationPatchIn],
    caller: NamedDependency[Caller],
    update_workstation: NamedDependency[UpdateWorkstation],
) -> WorkstationOut:
    changed = await update_workstation(workstation_id, data.version, data.patch(), caller)
    return WorkstationOut.of(changed)


@delete(
    "/{workstation_id:int}",
    opt=NETWORK,
    summary="Delete a workstation nobody uses",
    description="Needs directory.write and directory.network. Refused with 409 while an "
    "employee uses it.",
    responses=errors(*GUARDED, 400, 404, 409),
)
async def delete_workstation(
    workstation_id: WorkstationId,
    version: Annotated[int, QueryParameter(ge=1)],
    caller: NamedDependency[Caller],
    delete_workstation: NamedDependency[DeleteWorkstation],
) -> None:
    await delete_workstation(workstation_id, version, caller)


@get(
    "/{workstation_id:int}/history",
    opt=NETWORK,
    summary="A workstation's changes, newest first",
    description="Needs directory.read and directory.network.",
    responses=errors(*GUARDED, 400),
)
async def workstation_history(
    workstation_id: WorkstationId,
    caller: NamedDependency[Caller],
    get_history: NamedDependency[GetHistory],
    cursor: Cursor = None,
    limit: HistoryLimit = 50,
) -> HistoryPageOut:
    return await history_page(get_history, "workstation", workstation_id, caller, cursor, limit)


router = Router(
    "/api/v1/workstations",
    route_handlers=[
        list_workstations,
        get_workstation,
        create_workstation,
        update_workstation,
        delete_workstation,
        workstation_history,
    ],
    tags=["directory"],
)
