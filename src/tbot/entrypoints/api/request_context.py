"""Request id, metrics and the access log for every HTTP request, unmatched ones included.

A raw ASGI wrapper around the Litestar app rather than a Litestar middleware: Litestar runs
its middleware only on matched routes, and a 404 must carry its request id too. It runs on
every /health poll, so it must cost next to nothing.
"""

from __future__ import annotations

import os
import time

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import Counter, Histogram

from tbot.adapters.observability.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
QUIET_ROUTES = frozenset({"/health", "/metrics"})
UNMATCHED = "unmatched"
_log = structlog.get_logger("tbot.api")


def _incoming_request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            # Bounded and printable: the id lands in logs and audit rows.
            text = value.decode("latin-1")[:64]
            if text and text.isprintable():
                return text
    # 128 random bits in hex, as uuid4().hex reads, without building a UUID per request.
    return os.urandom(16).hex()


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self._app = app
        self._metrics = metrics
        # The metrics' children by (route, method, status): `labels()` checks and locks on
        # every call; the set is the routes' templates, as the metrics' own is.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
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
                await self._app(scope, receive, send_with_id)
            finally:
                # Litestar's router writes the matched template into the shared scope.
                route = scope.get("path_template") or UNMATCHED
                self._record(route, str(scope.get("method", "")), status, started)

    def _record(self, route: str, method: str, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        requests, latency = self._metric_children(route, method, status)
        requests.inc()
        latency.observe(elapsed)
        if route not in QUIET_ROUTES:
            _log.info("http_request", route=route, method=method, status=status, ms=elapsed * 1000)

    def _metric_children(self, route: str, method: str, status: int) -> tuple[Counter, Histogram]:
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self._metrics.http_requests.labels(route, method, str(status)),
                self._metrics.http_latency.labels(route),
            )
            self._children[key] = children
        return children
