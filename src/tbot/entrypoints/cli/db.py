from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from tbot.adapters.postgres import migrations
from tbot.bootstrap import build_container, database_url, start_servers
from tbot.entrypoints.cli.common import DataDirOption, console, run, settings_for

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


async def _on_database(data_dir: Path | None, action: str, revision: str = "head") -> str:
    """Runs one Alembic action on the configured (or embedded) PostgreSQL; Redis is not needed."""
    settings = settings_for(data_dir)
    servers = await start_servers(settings, need_redis=False)
    try:
        url = await database_url(build_container(settings, servers), servers)
        if action == "upgrade":
            await migrations.upgrade_async(url, revision)
        elif action == "downgrade":
            await migrations.downgrade_async(url, revision)
        elif action == "history":
            return await asyncio.to_thread(migrations.history, url)
        current = await migrations.current_revision(url)
        head = migrations.head_revision()
        return f"current revision: {current or '(empty database)'}; head: {head}"
    finally:
        await servers.stop()


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    data_dir: DataDirOption = None,
) -> None:
    """Apply migrations up to REVISION (default: head), all in one transaction."""
    console.print(run(lambda: _on_database(data_dir, "upgrade", revision)))


@app.command()
def downgrade(
    revision: Annotated[
        str, typer.Argument(help="Target: a revision id, base, or one step back with `-- -1`.")
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Revert migrations down to REVISION, all in one transaction."""
    console.print(run(lambda: _on_database(data_dir, "downgrade", revision)))


@app.command()
def current(data_dir: DataDirOption = None) -> None:
    """Show the database's revision and the newest one this version knows."""
    console.print(run(lambda: _on_database(data_dir, "current")))


@app.command()
def history(data_dir: DataDirOption = None) -> None:
    """List the migrations."""
    console.print(run(lambda: _on_database(data_dir, "history")))
