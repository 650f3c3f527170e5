from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from tbot.application.identity.create_user import NewUser
from tbot.domain.identity.users import User
from tbot.entrypoints.cli.common import DataDirOption, cli_caller, console, open_app, run

app = typer.Typer(help="Web/API and Telegram accounts.", no_args_is_help=True)

RoleOption = Annotated[
    list[str] | None, typer.Option("--role", help="Role to grant (repeatable).", show_default=False)
]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _show(user: User) -> None:
    console.print(
        f"user {user.id}: {user.login or '-'} <{user.email or '-'}> roles {', '.join(user.roles)}"
        f"{' (disabled)' if user.disabled else ''}"
    )


@app.command()
def create(
    login: str,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    role: RoleOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="An account that cannot log in with a password.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create an account. The first admin of a new installation is made this way:
    `tbot users create admin --role admin`."""
    password = None if no_password else _read_password(password_stdin)

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            new = NewUser(name or login, login, email, password, tuple(role or ["employee"]))
            _show(await tbot.container.create_user()(new, cli_caller()))

    run(work)


@app.command("list")
def list_(data_dir: DataDirOption = None) -> None:
    """Every account, with its roles."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            users, after = [], None
            while page := await tbot.container.list_users()(cli_caller(), after_id=after):
                users += page
                after = page[-1].id
        table = Table("id", "login", "email", "name", "roles", "telegram", "state")
        for user in users:
            state = "disabled" if user.disabled else "active"
            if user.telegram_blocked:
                state += ", telegram blocked"
            telegram = "" if user.telegram_id is None else str(user.telegram_id)
            table.add_row(
                str(user.id), user.login or "", user.email or "", user.display_name,
                ", ".join(user.roles), telegram, state,
            )  # fmt: skip
        console.print(table)

    run(work)


@app.command("set-role")
def set_role(
    user_id: int,
    role: Annotated[list[str], typer.Option("--role", help="The full new set (repeatable).")],
    data_dir: DataDirOption = None,
) -> None:
    """Replace an account's roles; its sessions end so the change applies at once."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            _show(await tbot.container.set_user_roles()(user_id, tuple(role), cli_caller()))

    run(work)


@app.command("reset-password")
def reset_password(
    user_id: int,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Set a new password for an account; its sessions end."""
    password = _read_password(password_stdin)

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            _show(await tbot.container.reset_password()(user_id, password, cli_caller()))

    run(work)


@app.command()
def disable(
    user_id: int,
    enable: Annotated[bool, typer.Option("--enable", help="Enable it again.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Disable an account (its sessions end) or, with --enable, enable it again."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            _show(await tbot.container.set_user_disabled()(user_id, not enable, cli_caller()))

    run(work)
