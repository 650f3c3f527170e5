"""What every command shares: options, the actor, running a coroutine, error mapping."""

from __future__ import annotations

import asyncio
import getpass
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from tbot.bootstrap import SchemaOutOfDate, TBotApp, bootstrap
from tbot.config import BootstrapSettings, load_bootstrap
from tbot.domain.actor import Actor
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
from tbot.domain.identity.caller import Caller

T = TypeVar("T")

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder (also TBOT_DATA_DIR).", show_default=False),
]

# Exit codes a script can branch on, one per kind of domain error.
# 1 is any other error and 2 a usage error (Typer's own).
_EXIT_CODES: dict[type[DomainError], int] = {
    ValidationFailed: 3,
    NotFound: 4,
    Conflict: 5,
    PermissionDenied: 6,
    Unauthenticated: 8,
    Unavailable: 9,
    RateLimited: 10,
}
SCHEMA_OUT_OF_DATE = 7


def cli_actor() -> Actor:
    return cli_caller().actor


def cli_caller() -> Caller:
    """The operator at the node's shell, audited by OS user name."""
    return Caller.operator(f"cli:{getpass.getuser()}", uuid.uuid4().hex)


def settings_for(data_dir: Path | None, **overrides: object) -> BootstrapSettings:
    return load_bootstrap(None, data_dir=data_dir, **overrides)


@asynccontextmanager
async def open_app(data_dir: Path | None) -> AsyncIterator[TBotApp]:
    from tbot.adapters.observability.logging import configure_logging

    settings = settings_for(data_dir)
    configure_logging(level="WARNING", fmt="console", node_id=settings.effective_node_id)
    async with bootstrap(settings) as app:
        yield app


def run(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Runs one command's coroutine and turns a domain error into a clear message and an
    exit code, never a traceback."""
    try:
        return asyncio.run(work())
    except ValidationFailed as error:
        err_console.print("[red]Error:[/] " + error.message.split(":", 1)[0])
        for field, reason in error.errors.items():
            err_console.print(f"  {field}: {reason}")
        raise typer.Exit(_EXIT_CODES[ValidationFailed]) from None
    except DomainError as error:
        err_console.print(f"[red]Error:[/] {error.message}")
        code = next((c for kind, c in _EXIT_CODES.items() if isinstance(error, kind)), 1)
        raise typer.Exit(code) from None
    except SchemaOutOfDate as error:
        err_console.print(f"[red]Error:[/] {error}")
        raise typer.Exit(SCHEMA_OUT_OF_DATE) from None
