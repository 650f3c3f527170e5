"""`tbot migrate`: bring data over from the old single-node bot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tbot.entrypoints.cli.common import DataDirOption
from tbot.entrypoints.cli.directory import import_command

app = typer.Typer(help="Bring data over from the old bot.", no_args_is_help=True)


@app.command()
def excel(
    file: Annotated[Path, typer.Argument(help="The old bot's .xlsx workbook.", show_default=False)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count; write nothing.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Import the old bot's employee workbook: one sheet per department, named after it
    (`tbot directory import FILE --legacy`). Running it again changes nothing."""
    import_command(file, dry_run=dry_run, dismiss_missing=False, legacy=True, data_dir=data_dir)
