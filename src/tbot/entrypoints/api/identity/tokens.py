from __future__ import annotations

from litestar import Router, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from tbot.application.identity.api_tokens import CreateApiToken, ListApiTokens, RevokeApiToken
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.entrypoints.api.identity.schemas import ApiTokenCreatedOut, ApiTokenCreateIn, ApiTokenOut
from tbot.entrypoints.api.responses import GUARDED, errors
from tbot.entrypoints.api.security import needs

MANAGE = needs(Permission.TOKENS_MANAGE)


@get("/", opt=MANAGE, summary="List API tokens (never their secrets)", responses=errors(*GUARDED))
async def list_tokens(
    caller: NamedDependency[Caller], list_api_tokens: NamedDependency[ListApiTokens]
) -> list[ApiTokenOut]:
    return [ApiTokenOut.of(token) for token in await list_api_tokens(caller)]


@post(
    "/",
    opt=MANAGE,
    summary="Create an API token; its secret is shown once",
    responses=errors(*GUARDED, 422),
)
async def create_token(
    data: JSONBody[ApiTokenCreateIn],
    caller: NamedDependency[Caller],
    create_api_token: NamedDependency[CreateApiToken],
) -> ApiTokenCreatedOut:
    issued = await create_api_token(data.name, data.scopes, caller, expires_at=data.expires_at)
    return ApiTokenCreatedOut(ApiTokenOut.of(issued.token), issued.secret)


@delete(
    "/{token_id:int}", opt=MANAGE, summary="Revoke an API token", responses=errors(*GUARDED, 404)
)
async def revoke_token(
    token_id: FromPath[int],
    caller: NamedDependency[Caller],
    revoke_api_token: NamedDependency[RevokeApiToken],
) -> None:
    await revoke_api_token(token_id, caller)


router = Router(
    "/api/v1/tokens", route_handlers=[list_tokens, create_token, revoke_token], tags=["tokens"]
)
