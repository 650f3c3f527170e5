from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from tbot.entrypoints.cli.common import DataDirOption, cli_actor, console, open_app, run

app = typer.Typer(help="Secrets in the OS keyring (never in the database).", no_args_is_help=True)


@app.command("list")
def list_(data_dir: DataDirOption = None) -> None:
    """Secret names, whether each is set and where from; values are masked."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            infos = await tbot.list_secrets()
        table = Table("name", "set", "source", "value", "description")
        for info in infos:
            source = info.source.value if info.source else ""
            table.add_row(
                info.name, "yes" if info.is_set else "no", source, info.masked, info.description
            )
        console.print(table)

    run(work)


@app.command("set")
def set_(
    name: str,
    from_stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the value from standard input (for scripts).")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Store a secret in the keyring. The value is asked for without echo, or read with
    --stdin; it is never taken as an argument, where it would land in shell history."""
    value = sys.stdin.readline().strip() if from_stdin else typer.prompt(name, hide_input=True)

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            await tbot.set_secret(name, value, cli_actor())
        console.print(f"{name}: stored in the keyring")

    run(work)


@app.command()
def delete(name: str, data_dir: DataDirOption = None) -> None:
    """Remove a secret from the keyring."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            removed = await tbot.delete_secret(name, cli_actor())
        console.print(f"{name}: {'removed' if removed else 'was not set'}")

    run(work)
