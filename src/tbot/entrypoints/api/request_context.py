"""Request id, metrics and the access log for every HTTP request, as one raw ASGI layer:
it runs on every /health poll, so it must cost next to nothing."""

from __future__ import annotations

import time
import uuid

import structlog
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from tbot.adapters.observability.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
QUIET_ROUTES = frozenset({"/health", "/metrics"})
_log = structlog.get_logger("tbot.api")


def _incoming_request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            # Bounded and printable: the id lands in logs and audit rows.
            text = value.decode("latin-1")[:64]
            if text.isprintable():
                return text
    return uuid.uuid4().hex


class RequestContextMiddleware(ASGIMiddleware):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP:
            await next_app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        route = scope.get("path_template") or "unmatched"
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, request_id.encode("latin-1")),
                ]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await next_app(scope, receive, send_with_id)
            finally:
                elapsed = time.perf_counter() - started
                self._record(route, str(scope.get("method", "")), status, elapsed)

    def _record(self, route: str, method: str, status: int, elapsed: float) -> None:
        self._metrics.http_requests.labels(route, method, str(status)).inc()
        self._metrics.http_latency.labels(route).observe(elapsed)
        if route not in QUIET_ROUTES:
            _log.info("http_request", route=route, method=method, status=status, ms=elapsed * 1000)
