from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tbot.application.settings.change_settings import SettingChange
from tbot.entrypoints.cli.common import DataDirOption, cli_actor, console, open_app, run

app = typer.Typer(help="Settings (stored in the database, audited).", no_args_is_help=True)


@app.command("list")
def list_(data_dir: DataDirOption = None) -> None:
    """Every setting with its effective value and where it comes from."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            rows = await tbot.list_settings()
        table = Table("name", "value", "source", "version", "description")
        for row in rows:
            version = "" if row.version is None else str(row.version)
            table.add_row(row.name, repr(row.value), row.source.value, version, row.description)
        console.print(table)
        for row in rows:
            if row.problem:
                console.print(f"[yellow]{row.name}: {row.problem}[/]")

    run(work)


@app.command()
def get(name: str, data_dir: DataDirOption = None) -> None:
    """Print one setting's effective value and its source."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            row = await tbot.get_setting(name)
        console.print(f"{row.name} = {row.value!r}  (from {row.source.value})")

    run(work)


@app.command("set")
def set_(
    name: str,
    value: str,
    expected_version: Annotated[
        int | None,
        typer.Option("--expected-version", help="Refuse if someone changed it since this version."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Store NAME=VALUE in the database (highest priority layer). Validated and audited."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            change = SettingChange(name, value, expected_version)
            (stored,) = await tbot.change_settings([change], cli_actor())
        console.print(f"{stored.name} = {stored.value!r}  (version {stored.version})")

    run(work)


@app.command()
def reset(name: str, data_dir: DataDirOption = None) -> None:
    """Remove the database value so the keyring, environment or default applies again."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            await tbot.reset_setting(name, cli_actor())
        console.print(f"{name}: database value removed")

    run(work)
