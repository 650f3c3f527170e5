"""`tbot`: start a node and administer it."""

from __future__ import annotations

import typer

from tbot import __version__
from tbot.entrypoints.cli import (
    cluster,
    db,
    directory,
    jobs,
    migrate,
    roles,
    secrets,
    settings,
    tokens,
    users,
)
from tbot.entrypoints.cli.up import up

app = typer.Typer(
    name="tbot",
    help="TBot, the IT department's assistant.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command()(up)
app.add_typer(db.app, name="db")
app.add_typer(settings.app, name="settings")
app.add_typer(secrets.app, name="secrets")
app.add_typer(cluster.app, name="cluster")
app.add_typer(jobs.app, name="jobs")
app.add_typer(users.app, name="users")
app.add_typer(roles.app, name="roles")
app.add_typer(tokens.app, name="tokens")
app.add_typer(directory.app, name="directory")
app.add_typer(migrate.app, name="migrate")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"tbot {__version__}")


def main() -> None:
    app()
