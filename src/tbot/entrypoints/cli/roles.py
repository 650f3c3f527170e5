from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tbot.domain.identity.permissions import Permission
from tbot.domain.identity.roles import Role
from tbot.entrypoints.cli.common import DataDirOption, cli_caller, console, open_app, run

app = typer.Typer(help="Roles and the permissions they grant.", no_args_is_help=True)

Permissions = Annotated[list[str], typer.Argument(help="Permission names, e.g. directory.write.")]


def _show(role: Role) -> None:
    console.print(f"{role.name}: {', '.join(sorted(role.permissions)) or '(none)'}")


@app.command("list")
def list_(data_dir: DataDirOption = None) -> None:
    """Every role and what it may do; and every permission there is."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            roles = await tbot.container.list_roles()(cli_caller())
        table = Table("role", "permissions", "description")
        for role in roles:
            table.add_row(role.name, "\n".join(sorted(role.permissions)), role.description)
        console.print(table)
        console.print("permissions: " + ", ".join(p.value for p in Permission))

    run(work)


@app.command()
def grant(role: str, permissions: Permissions, data_dir: DataDirOption = None) -> None:
    """Grant permissions to a role (holders get them at their next token refresh)."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            change = tbot.container.change_role_permissions()
            _show(await change(role, grant=permissions, caller=cli_caller()))

    run(work)


@app.command()
def revoke(role: str, permissions: Permissions, data_dir: DataDirOption = None) -> None:
    """Take permissions away from a role."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            change = tbot.container.change_role_permissions()
            _show(await change(role, revoke=permissions, caller=cli_caller()))

    run(work)


@app.command()
def create(
    name: str,
    permissions: Permissions,
    description: Annotated[str, typer.Option("--description")] = "",
    data_dir: DataDirOption = None,
) -> None:
    """Create a custom role."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            create_role = tbot.container.create_role()
            _show(await create_role(name, permissions, description, cli_caller()))

    run(work)
