from __future__ import annotations

import typer
from rich.table import Table

from tbot.entrypoints.cli.common import DataDirOption, console, open_app, run

app = typer.Typer(help="The nodes of this TBot cluster.", no_args_is_help=True)


@app.command()
def status(data_dir: DataDirOption = None) -> None:
    """Nodes as their heartbeats show them."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            nodes = await tbot.list_nodes()
        table = Table("node", "host", "pid", "version", "roles", "last seen", "state")
        for view in nodes:
            beat = view.beat
            table.add_row(
                beat.node_id,
                beat.host,
                str(beat.pid),
                beat.version,
                ",".join(beat.roles),
                beat.last_seen.isoformat(timespec="seconds"),
                "[green]up[/]" if view.up else "[red]down[/]",
            )
        console.print(table)

    run(work)
