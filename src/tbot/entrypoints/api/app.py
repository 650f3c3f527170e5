"""The Litestar application. Built from an initialised container; owns no resources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Litestar, Request, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ASGIApp

from tbot import __version__
from tbot.application.health.check_health import CheckHealth
from tbot.application.identity.policy import api_rate_limit, login_rate_limit
from tbot.container import Container
from tbot.domain.identity.caller import Caller
from tbot.entrypoints.api import jobs
from tbot.entrypoints.api.directory import (
    departments,
    employees,
    import_jobs,
    transfer,
    workstations,
)
from tbot.entrypoints.api.errors import EXCEPTION_HANDLERS
from tbot.entrypoints.api.health import health, metrics
from tbot.entrypoints.api.identity import audit, auth, roles, tokens, users
from tbot.entrypoints.api.request_context import RequestContext
from tbot.entrypoints.api.security import PUBLIC, AccessControl, current_caller
from tbot.entrypoints.api.telegram_webhook import webhook_router
from tbot.entrypoints.bot.webhook import WebhookIntake

# Use cases the endpoints take by name; each request gets fresh ones (own unit of work).
USE_CASES = (
    "login",
    "refresh_session",
    "logout",
    "logout_everywhere",
    "change_password",
    "create_user",
    "list_users",
    "set_user_roles",
    "set_user_disabled",
    "set_telegram_blocked",
    "reset_password",
    "list_roles",
    "create_role",
    "change_role_permissions",
    "create_api_token",
    "list_api_tokens",
    "revoke_api_token",
    "browse_audit",
    "export_audit",
    "create_employee",
    "update_employee",
    "dismiss_employee",
    "assign_workstations",
    "get_employee",
    "list_employees",
    "search_employees",
    "get_history",
    "import_employees",
    "submit_import",
    "get_import",
    "create_department",
    "update_department",
    "delete_department",
    "list_departments",
    "create_workstation",
    "update_workstation",
    "delete_workstation",
    "list_workstations",
    "list_failed_jobs",
    "retry_failed_job",
)


def _factory(container: Container, name: str) -> Callable[[], Any]:
    provider = getattr(container, name)

    def build() -> Any:
        return provider()

    return build


def _dependencies(container: Container) -> dict[str, Provide]:
    check_health: CheckHealth = container.check_health()

    def provide_check_health() -> CheckHealth:
        return check_health

    def provide_caller(request: Request[Any, Any, Any]) -> Caller:
        return current_caller(request)

    dependencies = {
        name: Provide(_factory(container, name), sync_to_thread=False) for name in USE_CASES
    }
    dependencies["check_health"] = Provide(provide_check_health, sync_to_thread=False)
    dependencies["caller"] = Provide(provide_caller, sync_to_thread=False)
    return dependencies


def _access_control(container: Container) -> AccessControl:
    runtime = container.runtime()
    return AccessControl(
        authenticate=container.authenticate,
        authorizer=container.authorizer(),
        limiter=container.rate_limiter(),
        api_rule=api_rate_limit(runtime),
        login_rule=login_rate_limit(runtime),
    )


def create_app(container: Container, bot_intake: WebhookIntake | None = None) -> Litestar:
    """`bot_intake` adds the Telegram webhook route (webhook mode)."""
    metrics_registry = container.metrics()
    import_max_bytes = container.runtime().directory_import_max_mb * 1024 * 1024
    webhook = [webhook_router(bot_intake)] if bot_intake is not None else []
    return Litestar(
        route_handlers=[
            *webhook,
            health,
            metrics,
            auth.router,
            users.router,
            roles.router,
            tokens.router,
            audit.router,
            employees.router,
            transfer.router(import_max_bytes),
            import_jobs.router(import_max_bytes),
            departments.router,
            workstations.router,
            jobs.router,
        ],
        guards=[_access_control(container).guard],
        dependencies=_dependencies(container),
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"metrics": metrics_registry, "container": container}),
        openapi_config=OpenAPIConfig(
            title="TBot API",
            version=__version__,
            description="The IT department's assistant: directory, identity, monitoring, tickets.",
            # The schema is public; every operation in it says what it requires.
            openapi_router=Router(
                "/schema", route_handlers=[], opt=PUBLIC, include_in_schema=False
            ),
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT or tbk_ API token",
                    )
                }
            ),
            security=[{"bearer": []}],
        ),
        debug=False,
        # Logging is ours (structlog JSON); Litestar must not install its own handlers.
        logging_config=None,
    )


def create_asgi(container: Container, bot_intake: WebhookIntake | None = None) -> ASGIApp:
    """What the server runs: the app inside the request-context layer."""
    return RequestContext(create_app(container, bot_intake), container.metrics())
