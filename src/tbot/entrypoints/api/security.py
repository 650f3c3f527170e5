"""Authentication, authorization and rate limiting for every route, in one app-level guard.

A route must say what it needs in its `opt`: `public=True`, `authenticated=True`, or
`permission=Permission.X`. A route that says nothing is refused (fail closed), so a new
endpoint cannot be reachable by accident; a test walks the OpenAPI schema to prove it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from tbot.application.identity.authenticate import Authenticate
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.identity import RateLimit, RateLimiter
from tbot.domain.actor import Channel
from tbot.domain.errors import PermissionDenied, Unauthenticated
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission

PUBLIC = {"public": True}
AUTHENTICATED = {"authenticated": True}


def needs(permission: Permission) -> dict[str, Any]:
    return {"permission": permission}


# Requests that change nothing: served in the degraded mode (Redis down) too.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class AccessControl:
    authenticate: Callable[[], Authenticate]  # the process's one Authenticate
    authorizer: Authorizer
    limiter: RateLimiter
    api_rule: RateLimit
    login_rule: RateLimit

    async def guard(
        self, connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        opt = handler.opt
        if opt.get("public"):
            # /health and /metrics are polled hard: nothing to do for them here; the
            # anonymous caller of login and refresh is built on demand (current_caller).
            if opt.get("login"):
                await self.limiter.hit(client_address(connection), self.login_rule)
            return
        principal = await self.authenticate()(
            bearer_token(connection),
            self.api_rule,
            read_only=connection.scope.get("method") in SAFE_METHODS,
        )
        caller = Caller(principal, Channel.API, _request_id(connection))
        _scope_state(connection)["caller"] = caller
        permission = opt.get("permission")
        if permission is not None:
            self.authorizer.require(caller, permission)
        elif not opt.get("authenticated"):
            raise PermissionDenied(f"reach {connection.url.path}: the route declares no permission")


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    scheme, _, token = _authorization(connection.scope["headers"]).partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("missing bearer token")
    return token.strip()


def _authorization(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The Authorization header, read off the ASGI scope: `connection.headers` would parse
    every header into a multidict on each request just for this one."""
    for name, value in headers:
        if name.lower() == b"authorization":
            return value.decode("latin-1")
    return ""


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    client = connection.client
    return client.host if client else "unknown"


def _request_id(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return str(_scope_state(connection).get("request_id", ""))


def _scope_state(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    """The request's state, the dict `connection.state` wraps (in a new object per access)."""
    state: dict[str, Any] = connection.scope.setdefault("state", {})
    return state


def current_caller(connection: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    """The authenticated caller, or, on a public route, the anonymous one by address."""
    state = _scope_state(connection)
    caller: Caller | None = state.get("caller")
    if caller is None:
        name = f"ip:{client_address(connection)}"
        caller = Caller.anonymous(Channel.API, _request_id(connection), name=name)
        state["caller"] = caller
    return caller
