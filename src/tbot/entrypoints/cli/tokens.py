from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from tbot.entrypoints.cli.common import (
    DataDirOption,
    cli_caller,
    console,
    err_console,
    open_app,
    run,
)

app = typer.Typer(help="API tokens for external systems.", no_args_is_help=True)


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


@app.command()
def create(
    name: str,
    scope: Annotated[list[str], typer.Option("--scope", help="Permission to grant (repeatable).")],
    days: Annotated[
        int | None, typer.Option("--days", min=1, help="Expire after this many days.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a token; its secret is printed once and never again."""
    expires = datetime.now(UTC) + timedelta(days=days) if days else None

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            issued = await tbot.container.create_api_token()(name, scope, cli_caller(), expires)
        err_console.print(f"token {issued.token.id} '{name}': copy the secret now, it is not kept")
        console.print(issued.secret)

    run(work)


@app.command("list")
def list_(data_dir: DataDirOption = None) -> None:
    """Tokens with their scopes and last use (never their secrets)."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            tokens = await tbot.container.list_api_tokens()(cli_caller())
        table = Table("id", "name", "prefix", "scopes", "expires", "last used", "state")
        now = datetime.now(UTC)
        for token in tokens:
            state = "revoked" if token.revoked_at else "active" if token.usable(now) else "expired"
            table.add_row(
                str(token.id), token.name, token.prefix, ", ".join(sorted(token.scopes)),
                _when(token.expires_at), _when(token.last_used_at), state,
            )  # fmt: skip
        console.print(table)

    run(work)


@app.command()
def revoke(token_id: int, data_dir: DataDirOption = None) -> None:
    """Revoke a token at once."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            await tbot.container.revoke_api_token()(token_id, cli_caller())
        console.print(f"token {token_id} revoked")

    run(work)
