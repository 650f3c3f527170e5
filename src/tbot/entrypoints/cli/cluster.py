from __future__ import annotations

import typer
from rich.table import Table

from tbot.entrypoints.cli.common import DataDirOption, console, open_app, run

app = typer.Typer(help="The nodes of this TBot cluster.", no_args_is_help=True)


@app.command()
def status(data_dir: DataDirOption = None) -> None:
    """Nodes as their heartbeats show them, and which one leads."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            view = await tbot.container.view_cluster()()
        leader = view.leader
        table = Table("node", "host", "pid", "version", "roles", "last seen", "state", "role")
        for node in view.nodes:
            beat = node.beat
            table.add_row(
                beat.node_id,
                beat.host,
                str(beat.pid),
                beat.version,
                ",".join(beat.roles),
                beat.last_seen.isoformat(timespec="seconds"),
                "[green]up[/]" if node.up else "[red]down[/]",
                f"[bold]leader[/] (token {beat.fencing_token})" if node is leader else "",
            )
        console.print(table)
        if leader is None:
            console.print("[yellow]No leader[/]: no node up holds the leader's lease.")
        else:
            console.print(
                f"Leader: {leader.beat.node_id} (fencing token {leader.beat.fencing_token}); "
                f"nodes up: {view.up}, down: {view.down}."
            )

    run(work)
