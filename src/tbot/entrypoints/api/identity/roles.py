from __future__ import annotations

from litestar import Router, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from tbot.application.identity.manage_roles import ChangeRolePermissions, CreateRole, ListRoles
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.entrypoints.api.identity.schemas import RoleCreateIn, RoleOut, RolePermissionsIn
from tbot.entrypoints.api.responses import GUARDED, errors
from tbot.entrypoints.api.security import needs

MANAGE = needs(Permission.USERS_MANAGE)


@get("/", opt=MANAGE, summary="List roles and their permissions", responses=errors(*GUARDED))
async def list_roles(
    caller: NamedDependency[Caller], list_roles: NamedDependency[ListRoles]
) -> list[RoleOut]:
    return [RoleOut.of(role) for role in await list_roles(caller)]


@post("/", opt=MANAGE, summary="Create a custom role", responses=errors(*GUARDED, 409, 422))
async def create_role(
    data: JSONBody[RoleCreateIn],
    caller: NamedDependency[Caller],
    create_role: NamedDependency[CreateRole],
) -> RoleOut:
    return RoleOut.of(await create_role(data.name, data.permissions, data.description, caller))


@patch(
    "/{name:str}/permissions",
    opt=MANAGE,
    summary="Grant and revoke permissions of a role",
    responses=errors(*GUARDED, 404, 422),
)
async def change_permissions(
    name: FromPath[str],
    data: JSONBody[RolePermissionsIn],
    caller: NamedDependency[Caller],
    change_role_permissions: NamedDependency[ChangeRolePermissions],
) -> RoleOut:
    role = await change_role_permissions(name, grant=data.grant, revoke=data.revoke, caller=caller)
    return RoleOut.of(role)


router = Router(
    "/api/v1/roles", route_handlers=[list_roles, create_role, change_permissions], tags=["roles"]
)
