from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from tbot.config import ALL_ROLES, Role
from tbot.entrypoints.cli.common import DataDirOption, settings_for
from tbot.entrypoints.node.banner import Banner
from tbot.entrypoints.node.run import NodeOptions, run_node


def up(
    data_dir: DataDirOption = None,
    port: Annotated[
        int | None,
        typer.Option("--port", help="API port (also TBOT_API_PORT).", show_default=False),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option("--host", help="API address (also TBOT_API_HOST).", show_default=False),
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help="Run only these roles: api, bot, worker (repeatable)."),
    ] = None,
) -> None:
    """Start a TBot node. With nothing configured: embedded PostgreSQL and Redis under the
    data folder. With TBOT_DATABASE_URL / TBOT_REDIS_URL: those servers."""
    roles = _roles(role)
    settings = settings_for(data_dir, api_port=port, api_host=host)
    code = asyncio.run(run_node(settings, NodeOptions(roles=roles), Banner()))
    raise typer.Exit(code)


def _roles(chosen: list[str] | None) -> tuple[Role, ...]:
    if not chosen:
        return ALL_ROLES
    unknown = sorted(set(chosen) - set(ALL_ROLES))
    if unknown:
        raise typer.BadParameter(f"unknown role {', '.join(unknown)}; use api, bot or worker")
    return tuple(r for r in ALL_ROLES if r in chosen)
