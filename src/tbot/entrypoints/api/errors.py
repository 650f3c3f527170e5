"""Every domain error mapped to HTTP once. Unexpected errors answer with a reference id,
never a stack trace; the trace goes to the log under the same id."""

from __future__ import annotations

import math
from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.types import ExceptionHandlersMap
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError

from tbot.application.directory.import_employees import ImportRejected
from tbot.domain.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)

_log = structlog.get_logger("tbot.api")

_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    ValidationFailed: 422,
    PermissionDenied: 403,
    Conflict: 409,
    RateLimited: 429,
    Unauthenticated: 401,
    Unavailable: 503,
}


def _request_id(request: Request[Any, Any, Any]) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def domain_error(request: Request[Any, Any, Any], error: DomainError) -> Response[Any]:
    status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
    body: dict[str, Any] = {"error": type(error).__name__, "detail": error.message}
    headers: dict[str, str] = {}
    if isinstance(error, ValidationFailed):
        body["fields"] = error.errors
    if isinstance(error, ImportRejected):  # `fields` holds the first 50; this holds them all
        body["errors"] = [
            {"sheet": e.sheet, "row": e.row, "column": e.column, "reason": e.reason}
            for e in error.report.errors
        ]
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after_s)))
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="tbot"'
    body["request_id"] = _request_id(request)
    return Response(body, status_code=status, headers=headers, media_type=MediaType.JSON)


def http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    body: dict[str, Any] = {"error": type(error).__name__, "detail": error.detail}
    if error.extra:
        body["extra"] = error.extra
    body["request_id"] = _request_id(request)
    return Response(
        body, status_code=error.status_code, headers=error.headers, media_type=MediaType.JSON
    )


def dependency_down(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """PostgreSQL or Redis unreachable: say so (503), so clients retry instead of reporting
    a bug; the trace goes to the log."""
    _log.error("dependency_unavailable", path=request.url.path, error=type(error).__name__)
    body = {
        "error": "Unavailable",
        "detail": "a dependency is unavailable; try again shortly",
        "request_id": _request_id(request),
    }
    return Response(body, status_code=503, media_type=MediaType.JSON, headers={"Retry-After": "5"})


def unexpected_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    reference = _request_id(request)
    _log.error("unhandled_error", path=request.url.path, exc_info=error)
    body = {"error": "InternalError", "detail": "internal error", "request_id": reference}
    return Response(body, status_code=500, media_type=MediaType.JSON)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: domain_error,
    HTTPException: http_error,
    RedisError: dependency_down,
    InterfaceError: dependency_down,
    OperationalError: dependency_down,
    ConnectionError: dependency_down,
    Exception: unexpected_error,
}
