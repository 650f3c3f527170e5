"""The directory workbook at the edge, shared by the API and the CLI: a read workbook handed
to the import use case, and the directory read back through the use cases as export rows.

The reader (adapters/excel) turns cells into text and names the cells it cannot use; the
import use case checks the rest. A caller is told about every bad cell of both at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass

from tbot.adapters.excel.columns import COLUMN_BY_FIELD, DEFAULT_EXPORT_FIELDS, HeaderLanguage
from tbot.adapters.excel.directory_reader import WorkbookRows
from tbot.application.directory.import_employees import (
    NETWORK_COLUMNS,
    ImportBatch,
    ImportEmployees,
    ImportOptions,
    ImportReport,
    ImportRow,
    RowError,
)
from tbot.application.directory.manage_departments import ListDepartments
from tbot.application.directory.manage_workstations import ListWorkstations
from tbot.application.directory.paging import MAX_PAGE, every_item
from tbot.application.directory.read_employees import ListEmployees
from tbot.application.directory.workstation_cells import write_network_cells
from tbot.application.ports.directory import EmployeeFilter
from tbot.domain.directory.model import Department, Employee, Workstation
from tbot.domain.errors import PermissionDenied
from tbot.domain.identity.caller import Caller

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# --- import -------------------------------------------------------------------------------------


def import_rows(read: WorkbookRows) -> list[ImportRow]:
    """The reader's rows as the use case takes them. The reader does not hand back the header
    text of each column, so errors name a column by its canonical field (`email`, `full_name`);
    a name part read from a full-name column is reported against `full_name`."""
    headers: dict[tuple[str, ...], dict[str, str]] = {}  # one per set of columns, shared
    return [
        ImportRow(row.sheet, row.row, row.values, _headers(headers, row.values))
        for row in read.rows
    ]


def _headers(
    known: dict[tuple[str, ...], dict[str, str]], values: Mapping[str, str]
) -> dict[str, str]:
    columns = tuple(values)
    found = known.get(columns)
    if found is None:
        found = known[columns] = {name: name for name in columns}
    return found


def reader_errors(read: WorkbookRows) -> list[RowError]:
    return [RowError(e.sheet, e.row, e.column_header, e.reason) for e in read.errors]


@dataclass(frozen=True, slots=True)
class StreamedImport:
    report: ImportReport
    notes: ImportNotes
    rows: int  # rows read


async def import_streamed(
    import_employees: ImportEmployees,
    chunks: AsyncIterable[WorkbookRows],
    options: ImportOptions,
    caller: Caller,
    progress: Callable[[int], None] | None = None,
) -> StreamedImport:
    """Imports the rows as the reader hands them over (`read_in_process`), so that reading
    overlaps checking and writing. The outcome is that of the whole file at once:
    ImportRejected naming every bad cell, the reader's and the use case's alike, in file order;
    nothing written when any cell is bad."""
    rows = 0
    notes = ImportNotes([], [])

    async def batches() -> AsyncIterator[ImportBatch]:
        nonlocal rows, notes
        async for chunk in chunks:
            rows += len(chunk.rows)
            if chunk.ignored_columns or chunk.skipped_sheets:  # only in the last chunk
                notes = import_notes(chunk)
            yield ImportBatch(import_rows(chunk), reader_errors(chunk))

    report = await import_employees.stream(batches(), options, caller, progress)
    return StreamedImport(report, notes, rows)


@dataclass(frozen=True, slots=True)
class ImportNotes:
    """What the reader left aside without refusing the file."""

    ignored_columns: list[tuple[str, str]]  # (sheet, "column D (Примечание): unknown header")
    skipped_sheets: list[tuple[str, str]]  # (sheet, reason)


def import_notes(read: WorkbookRows) -> ImportNotes:
    return ImportNotes(
        [(c.sheet, f"column {c.column} ({c.header}): {c.reason}") for c in read.ignored_columns],
        [(s.sheet, s.reason) for s in read.skipped_sheets],
    )


# --- export -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DirectorySnapshot:
    employees: list[Employee]
    departments: dict[int, Department]
    workstations: dict[int, Workstation] | None  # None: the caller may not see the network

    @property
    def fields(self) -> tuple[str, ...]:
        """The columns of an export: those an import reads; the network ones only for a caller
        who may see them."""
        if self.workstations is not None:
            return DEFAULT_EXPORT_FIELDS
        return tuple(f for f in DEFAULT_EXPORT_FIELDS if f not in NETWORK_COLUMNS)


async def directory_snapshot(
    where: EmployeeFilter,
    caller: Caller,
    *,
    list_employees: ListEmployees,
    list_departments: ListDepartments,
    list_workstations: ListWorkstations,
    progress: Callable[[int], None] | None = None,
) -> DirectorySnapshot:
    """Everything an export shows, read page by page through the use cases (their permission
    checks included). `progress(n)` gets the number of employees read so far after each page."""
    employees = await every_item(
        lambda cursor: list_employees(where, caller, cursor=cursor, limit=MAX_PAGE), progress
    )
    departments = await every_item(
        lambda cursor: list_departments(caller, cursor=cursor, limit=MAX_PAGE)
    )
    return DirectorySnapshot(
        employees,
        {d.id: d for d in departments if d.id is not None},
        await _workstations(list_workstations, caller),
    )


async def _workstations(
    list_workstations: ListWorkstations, caller: Caller
) -> dict[int, Workstation] | None:
    try:
        found = await every_item(
            lambda cursor: list_workstations(caller, cursor=cursor, limit=MAX_PAGE)
        )
    except PermissionDenied:
        return None
    return {w.id: w for w in found if w.id is not None}


def export_rows(snapshot: DirectorySnapshot) -> Iterator[dict[str, str | None]]:
    """One mapping per employee, in the values an import reads back unchanged."""
    for employee in snapshot.employees:
        department = snapshot.departments.get(employee.department_id or 0)
        row: dict[str, str | None] = {
            "last_name": employee.last_name,
            "first_name": employee.first_name,
            "middle_name": employee.middle_name,
            "position": employee.position,
            "department": department.name if department else None,
            "work_phone": employee.work_phone,
            "mobile_phone": employee.mobile_phone,
            "extension": employee.extension,
            "email": employee.email,
            "telegram_username": employee.telegram_username,
            "room": employee.room,
            "personnel_number": employee.personnel_number,
            "status": employee.status.value,
            "hired_on": employee.hired_on.isoformat() if employee.hired_on else None,
            "dismissed_on": employee.dismissed_on.isoformat() if employee.dismissed_on else None,
        }
        if snapshot.workstations is not None:
            row.update(_network_cells(employee, snapshot.workstations))
        yield row


def _network_cells(
    employee: Employee, workstations: Mapping[int, Workstation]
) -> dict[str, str | None]:
    used = [workstations[i] for i in employee.workstation_ids if i in workstations]
    cells = write_network_cells(used)
    return {"workstation": cells.workstation, "ip": cells.ip, "mac": cells.mac}


def csv_bytes(
    rows: Iterable[Mapping[str, str | None]],
    fields: Sequence[str],
    headers: HeaderLanguage = "ru",
) -> bytes:
    """The export as CSV, with the workbook's headers. A cell that a spreadsheet would take for
    a formula (= + - @) gets a leading apostrophe, so "+7495..." shows as "'+7495..."."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([COLUMN_BY_FIELD[name].header(headers) for name in fields])
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in fields])
    # BOM: Excel opens UTF-8 CSV with Cyrillic correctly only with it.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_CSV_FORMULA_START) else value
