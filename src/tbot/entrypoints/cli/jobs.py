from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tbot.entrypoints.cli.common import DataDirOption, cli_caller, console, open_app, run

app = typer.Typer(help="Background jobs: failed ones, and running them again.")


@app.command()
def failed(
    limit: Annotated[int, typer.Option(help="Show at most this many, newest first.")] = 50,
    data_dir: DataDirOption = None,
) -> None:
    """Jobs that failed on their last try, as long as the queue keeps their results (3 days)."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            jobs = await tbot.container.list_failed_jobs()(cli_caller(), limit)
        if not jobs:
            console.print("No failed jobs.")
            return
        table = Table("id", "job", "args", "error", "tries", "failed at")
        for job in jobs:
            table.add_row(
                escape(job.id),
                escape(job.job),
                escape(job.args),
                escape(job.error),
                str(job.tries),
                job.finished_at.isoformat(timespec="seconds"),
            )
        console.print(table)
        console.print("Run one again with `tbot jobs retry <id>`.")

    run(work)


@app.command()
def retry(
    job_id: Annotated[str, typer.Argument(help="The id `tbot jobs failed` shows.")],
    data_dir: DataDirOption = None,
) -> None:
    """Queues a failed job again with the same arguments; it leaves the failed list."""

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            again = await tbot.container.retry_failed_job()(job_id, cli_caller())
        console.print(f"Queued again as {escape(again)}.")

    run(work)
