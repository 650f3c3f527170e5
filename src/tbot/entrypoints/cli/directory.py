"""`tbot directory`: import, export and search the employee directory from a node's shell."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from contextlib import aclosing
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from tbot.adapters.excel.directory_writer import write_directory
from tbot.adapters.excel.reader_process import read_in_process
from tbot.application.directory.import_employees import (
    ImportOptions,
    ImportRejected,
    ImportReport,
)
from tbot.application.directory.paging import MAX_PAGE, every_item
from tbot.application.directory.search_employees import EmployeeSearch
from tbot.application.ports.directory import EmployeeFilter
from tbot.bootstrap import TBotApp
from tbot.entrypoints.api.directory.workbook import (
    ImportNotes,
    StreamedImport,
    csv_bytes,
    directory_snapshot,
    export_rows,
    import_streamed,
)
from tbot.entrypoints.cli.common import (
    DataDirOption,
    cli_caller,
    console,
    err_console,
    open_app,
    run,
)

app = typer.Typer(help="The employee directory: import, export, search.", no_args_is_help=True)

REJECTED_EXIT = 3  # the exit code of any validation error
Format = Literal["xlsx", "csv"]


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    )


def _ticker(progress: Progress, task: TaskID) -> Callable[[int], None]:
    def tick(done: int) -> None:
        progress.update(task, completed=done)

    return tick


# --- import -------------------------------------------------------------------------------------


def import_command(
    file: Path,
    *,
    dry_run: bool,
    dismiss_missing: bool,
    legacy: bool,
    data_dir: Path | None,
) -> None:
    """The import behind `tbot directory import` and `tbot migrate excel`."""
    options = ImportOptions(dry_run=dry_run, dismiss_missing=dismiss_missing)

    async def work() -> None:
        async with open_app(data_dir) as tbot:
            done = await _import(tbot, file, options, legacy)
        _show_notes(done.notes)
        _show_report(done.report, done.rows)

    run(work)


async def _import(
    tbot: TBotApp, file: Path, options: ImportOptions, legacy: bool
) -> StreamedImport:
    """The workbook is read in a process of its own while the rows read so far are checked and
    written: the two bars move together."""
    max_bytes = tbot.container.runtime().directory_import_max_mb * 1024 * 1024
    with _progress() as progress:
        reading = progress.add_task("Reading", total=None)
        writing = progress.add_task("Checking" if options.dry_run else "Importing", total=None)
        chunks = read_in_process(
            file, max_bytes=max_bytes, legacy=legacy, progress=_ticker(progress, reading)
        )
        try:
            async with aclosing(chunks):
                done = await import_streamed(
                    tbot.container.import_employees(),
                    chunks,
                    options,
                    cli_caller(),
                    _ticker(progress, writing),
                )
        except ImportRejected as rejected:
            progress.stop()
            _show_rejected(rejected)
            raise typer.Exit(REJECTED_EXIT) from None
        for task in (reading, writing):
            progress.update(task, total=done.rows, completed=done.rows)
    return done


def _show_rejected(rejected: ImportRejected) -> None:
    errors = rejected.report.errors
    err_console.print(f"[red]Error:[/] {len(errors)} bad cell(s); nothing was imported")
    for error in errors:
        err_console.print(f"  {error}", markup=False)


def _show_notes(notes: ImportNotes) -> None:
    for sheet, detail in notes.skipped_sheets:
        err_console.print(f"skipped sheet {sheet!r}: {detail}", markup=False)
    for sheet, detail in notes.ignored_columns:
        err_console.print(f"ignored in sheet {sheet!r}: {detail}", markup=False)


def _show_report(report: ImportReport, rows: int) -> None:
    title = f"{rows} rows" + (" (dry run: nothing was written)" if report.dry_run else "")
    table = Table("", "count", title=title, title_justify="left")
    for label, count in (
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("dismissed", report.dismissed),
        ("departments created", report.departments_created),
        ("workstations created", report.workstations_created),
    ):
        table.add_row(label, str(count))
    console.print(table)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The .xlsx workbook.", show_default=False)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count; write nothing.")
    ] = False,
    dismiss_missing: Annotated[
        bool,
        typer.Option("--dismiss-missing", help="Dismiss active employees the file does not list."),
    ] = False,
    legacy: Annotated[
        bool,
        typer.Option("--legacy", help="The old bot's workbook: a sheet per department."),
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Import employees from an .xlsx workbook (layouts: docs/migration.md). Every row is
    checked first; one bad cell refuses the whole file, each bad cell is listed, exit code 3."""
    import_command(
        file, dry_run=dry_run, dismiss_missing=dismiss_missing, legacy=legacy, data_dir=data_dir
    )


# --- export -------------------------------------------------------------------------------------


@app.command()
def export(
    file: Annotated[Path, typer.Argument(help="Where to write.", show_default=False)],
    fmt: Annotated[
        Format | None,
        typer.Option("--format", help="xlsx or csv; by default from FILE's extension."),
    ] = None,
    include_dismissed: Annotated[
        bool, typer.Option("--include-dismissed", help="Dismissed employees too.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Export the directory in the columns an import reads (importing it changes nothing)."""
    chosen: Format = fmt or ("csv" if file.suffix.lower() == ".csv" else "xlsx")

    async def work() -> int:
        async with open_app(data_dir) as tbot:
            with _progress() as progress:
                reading = progress.add_task("Reading", total=None)
                snapshot = await directory_snapshot(
                    EmployeeFilter(include_dismissed=include_dismissed),
                    cli_caller(),
                    list_employees=tbot.container.list_employees(),
                    list_departments=tbot.container.list_departments(),
                    list_workstations=tbot.container.list_workstations(),
                    progress=_ticker(progress, reading),
                )
                count = len(snapshot.employees)
                progress.update(reading, total=count, completed=count)
                writing = progress.add_task("Writing", total=count)
                rows = _counted(export_rows(snapshot), _ticker(progress, writing))
                if chosen == "csv":
                    await asyncio.to_thread(file.write_bytes, csv_bytes(rows, snapshot.fields))
                else:
                    await asyncio.to_thread(write_directory, rows, file, fields=snapshot.fields)
                progress.update(writing, completed=count)
        return count

    count = run(work)
    console.print(f"{count} employees written to {file}")


def _counted(
    rows: Iterator[dict[str, str | None]], tick: Callable[[int], None]
) -> Iterator[Mapping[str, str | None]]:
    for done, row in enumerate(rows, start=1):
        yield row
        if done % 1000 == 0:
            tick(done)


# --- search -------------------------------------------------------------------------------------


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="A name, phone, host name, IP, MAC or отдел:…")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=100)] = 20,
    include_dismissed: Annotated[
        bool, typer.Option("--include-dismissed", help="Dismissed employees too.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Search the directory the way the bot's search box does (syntax: docs/directory.md)."""

    async def work() -> None:
        caller = cli_caller()
        where = EmployeeFilter(include_dismissed=include_dismissed)
        async with open_app(data_dir) as tbot:
            result = await tbot.container.search_employees()(
                EmployeeSearch(query, where, limit), caller
            )
            departments = await _department_names(tbot)
        if not result.hits:
            console.print(f"nothing found (searched by {result.kind.value})")
            return
        table = Table(
            "id", "name", "position", "department", "phones", "email", "matched", "score",
            title=f"searched by {result.kind.value}", title_justify="left",
        )  # fmt: skip
        for hit in result.hits:
            e = hit.employee
            phones = ", ".join(p for p in (e.work_phone, e.mobile_phone) if p)
            if e.extension:
                phones = f"{phones}, ext. {e.extension}" if phones else f"ext. {e.extension}"
            name = e.full_name + ("" if e.status.value == "active" else f" ({e.status.value})")
            table.add_row(
                str(e.id), name, e.position, departments.get(e.department_id or 0, ""),
                phones, e.email or "", hit.matched, f"{hit.score:.2f}",
            )  # fmt: skip
        console.print(table)

    run(work)


async def _department_names(tbot: TBotApp) -> dict[int, str]:
    list_departments = tbot.container.list_departments()
    caller = cli_caller()
    departments = await every_item(
        lambda cursor: list_departments(caller, cursor=cursor, limit=MAX_PAGE)
    )
    return {d.id: d.name for d in departments if d.id is not None}
