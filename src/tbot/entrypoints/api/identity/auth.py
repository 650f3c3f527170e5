from __future__ import annotations

from litestar import Router, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from tbot.application.identity.change_password import ChangePassword
from tbot.application.identity.login import Login, LoginRequest
from tbot.application.identity.logout import Logout, LogoutEverywhere
from tbot.application.identity.refresh_session import RefreshSession
from tbot.domain.identity.caller import Caller
from tbot.entrypoints.api.identity.schemas import (
    LoginIn,
    PasswordChangeIn,
    RefreshIn,
    RevokedOut,
    TokenPairOut,
)
from tbot.entrypoints.api.responses import GUARDED, errors
from tbot.entrypoints.api.security import AUTHENTICATED, PUBLIC


@post(
    "/login",
    opt={**PUBLIC, "login": True},
    security=[],
    summary="Log in with a password",
    description="Returns a short-lived access token and a refresh token.",
    responses=errors(400, 401, 422, 429),
    status_code=200,
)
async def login(
    data: JSONBody[LoginIn], caller: NamedDependency[Caller], login: NamedDependency[Login]
) -> TokenPairOut:
    source = caller.principal.name.removeprefix("ip:")
    pair = await login(LoginRequest(data.login, data.password, source), caller)
    return TokenPairOut.of(pair)


@post(
    "/refresh",
    opt={**PUBLIC, "login": True},
    security=[],
    summary="Trade a refresh token for a new pair",
    description="The old refresh token is spent; presenting it again revokes the session.",
    responses=errors(400, 401),
    status_code=200,
)
async def refresh(
    data: JSONBody[RefreshIn],
    caller: NamedDependency[Caller],
    refresh_session: NamedDependency[RefreshSession],
) -> TokenPairOut:
    return TokenPairOut.of(await refresh_session(data.refresh_token, caller))


@post(
    "/logout",
    opt=AUTHENTICATED,
    summary="End this session",
    responses=errors(*GUARDED),
    status_code=204,
)
async def logout(caller: NamedDependency[Caller], logout: NamedDependency[Logout]) -> None:
    await logout(caller)


@post(
    "/logout-everywhere",
    opt=AUTHENTICATED,
    summary="End every session of this account",
    responses=errors(*GUARDED),
    status_code=200,
)
async def logout_everywhere(
    caller: NamedDependency[Caller], logout_everywhere: NamedDependency[LogoutEverywhere]
) -> RevokedOut:
    return RevokedOut(await logout_everywhere(caller))


@post(
    "/password",
    opt=AUTHENTICATED,
    summary="Change my password (ends every session)",
    responses=errors(*GUARDED, 422),
    status_code=204,
)
async def change_password(
    data: JSONBody[PasswordChangeIn],
    caller: NamedDependency[Caller],
    change_password: NamedDependency[ChangePassword],
) -> None:
    await change_password(data.current_password, data.new_password, caller)


router = Router(
    "/api/v1/auth",
    route_handlers=[login, refresh, logout, logout_everywhere, change_password],
    tags=["auth"],
)
