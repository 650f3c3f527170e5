from __future__ import annotations

from typing import Annotated

from litestar import Router, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from tbot.application.identity.create_user import CreateUser, NewUser
from tbot.application.identity.manage_users import (
    ListUsers,
    ResetPassword,
    SetTelegramBlocked,
    SetUserDisabled,
    SetUserRoles,
)
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.entrypoints.api.identity.schemas import (
    TelegramBlockIn,
    UserCreateIn,
    UserDisabledIn,
    UserOut,
    UserPasswordIn,
    UserRolesIn,
)
from tbot.entrypoints.api.responses import GUARDED, errors
from tbot.entrypoints.api.security import needs

MANAGE = needs(Permission.USERS_MANAGE)


@get("/", opt=MANAGE, summary="List users", responses=errors(*GUARDED))
async def list_users(
    caller: NamedDependency[Caller],
    list_users: NamedDependency[ListUsers],
    after_id: Annotated[int | None, QueryParameter(ge=0)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> list[UserOut]:
    users = await list_users(caller, after_id=after_id, limit=limit)
    return [UserOut.of(user) for user in users]


@post("/", opt=MANAGE, summary="Create a user", responses=errors(*GUARDED, 409, 422))
async def create_user(
    data: JSONBody[UserCreateIn],
    caller: NamedDependency[Caller],
    create_user: NamedDependency[CreateUser],
) -> UserOut:
    new = NewUser(data.display_name, data.login, data.email, data.password, tuple(data.roles))
    return UserOut.of(await create_user(new, caller))


@put(
    "/{user_id:int}/roles",
    opt=MANAGE,
    summary="Replace a user's roles (ends their sessions)",
    responses=errors(*GUARDED, 404, 409, 422),
)
async def set_roles(
    user_id: FromPath[int],
    data: JSONBody[UserRolesIn],
    caller: NamedDependency[Caller],
    set_user_roles: NamedDependency[SetUserRoles],
) -> UserOut:
    return UserOut.of(await set_user_roles(user_id, tuple(data.roles), caller))


@put(
    "/{user_id:int}/password",
    opt=MANAGE,
    summary="Set a new password for a user (ends their sessions)",
    responses=errors(*GUARDED, 404, 422),
)
async def reset_password(
    user_id: FromPath[int],
    data: JSONBody[UserPasswordIn],
    caller: NamedDependency[Caller],
    reset_password: NamedDependency[ResetPassword],
) -> UserOut:
    return UserOut.of(await reset_password(user_id, data.password, caller))


@patch(
    "/{user_id:int}/disabled",
    opt=MANAGE,
    summary="Disable or enable a user",
    responses=errors(*GUARDED, 404, 409),
)
async def set_disabled(
    user_id: FromPath[int],
    data: JSONBody[UserDisabledIn],
    caller: NamedDependency[Caller],
    set_user_disabled: NamedDependency[SetUserDisabled],
) -> UserOut:
    return UserOut.of(await set_user_disabled(user_id, data.disabled, caller))


@patch(
    "/telegram/{telegram_id:int}/blocked",
    opt=MANAGE,
    summary="Block or unblock a Telegram user",
    responses=errors(*GUARDED, 404),
)
async def set_telegram_blocked(
    telegram_id: FromPath[int],
    data: JSONBody[TelegramBlockIn],
    caller: NamedDependency[Caller],
    set_telegram_blocked: NamedDependency[SetTelegramBlocked],
) -> UserOut:
    return UserOut.of(await set_telegram_blocked(telegram_id, data.blocked, caller))


router = Router(
    "/api/v1/users",
    route_handlers=[
        list_users,
        create_user,
        set_roles,
        reset_password,
        set_disabled,
        set_telegram_blocked,
    ],
    tags=["users"],
)
