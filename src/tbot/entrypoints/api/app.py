"""The Litestar application. Built from an initialised container; owns no resources."""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.types import ASGIApp

from tbot import __version__
from tbot.application.health.check_health import CheckHealth
from tbot.container import Container
from tbot.entrypoints.api.errors import EXCEPTION_HANDLERS
from tbot.entrypoints.api.health import health, metrics
from tbot.entrypoints.api.request_context import RequestContext


def create_app(container: Container) -> Litestar:
    check_health: CheckHealth = container.check_health()
    metrics_registry = container.metrics()

    def provide_check_health() -> CheckHealth:
        return check_health

    return Litestar(
        route_handlers=[health, metrics],
        dependencies={"check_health": Provide(provide_check_health, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"metrics": metrics_registry, "container": container}),
        openapi_config=OpenAPIConfig(
            title="TBot API",
            version=__version__,
            description="The IT department's assistant: directory, identity, monitoring, tickets.",
        ),
        debug=False,
        # Logging is ours (structlog JSON); Litestar must not install its own handlers.
        logging_config=None,
    )


def create_asgi(container: Container) -> ASGIApp:
    """What the server runs: the app inside the request-context layer."""
    return RequestContext(create_app(container), container.metrics())
