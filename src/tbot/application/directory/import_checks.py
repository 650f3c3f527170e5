"""The first phase of an import: every row, every cell checked before anything is written, so
that the report lists all bad cells, not the first one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from tbot.application.directory.drafts import EmployeeDraft, ValidEmployee, validate_employee
from tbot.application.directory.import_keys import Key, row_keys
from tbot.application.directory.import_report import (
    ImportRejected,
    ImportReport,
    ImportRow,
    RowError,
)
from tbot.application.directory.workstation_cells import (
    NetworkCells,
    hostnames_in,
    read_network_cells,
)
from tbot.application.ports.directory import PhoneNormalizer
from tbot.domain.directory.model import EmployeeStatus, Workstation
from tbot.domain.errors import ValidationFailed

T = TypeVar("T")
# Validation reports a draft's field; the user knows the column it came from.
_FIELD_TO_COLUMN = {"workstations": "workstation", "hostname": "workstation", "addresses": "ip"}
# The columns that describe a workstation: network data, behind directory.network.
NETWORK_COLUMNS = frozenset({"workstation", "ip", "mac"})


@dataclass(frozen=True, slots=True)
class CheckedRow:
    row: ImportRow
    employee: ValidEmployee
    workstations: tuple[Workstation, ...]


class CachedPhones:
    """Phone parsing costs tens of microseconds; a file repeats numbers (a department's main
    line, a re-import of the same people), so each distinct text is parsed once."""

    def __init__(self, phones: PhoneNormalizer) -> None:
        self._phones = phones
        self._seen: dict[tuple[str, str], str | dict[str, str]] = {}

    def normalize(self, raw: str, field: str) -> str:
        found = self._seen.get((raw, field))
        if found is None:
            try:
                found = self._phones.normalize(raw, field)
            except ValidationFailed as error:
                found = dict(error.errors)
            self._seen[(raw, field)] = found
        if isinstance(found, dict):
            raise ValidationFailed(found)
        return found


class RowChecker:
    """Checks rows a batch at a time (the import writes one batch while it checks the next),
    remembering what spans batches: the keys seen so far, every bad cell."""

    def __init__(self, phones: PhoneNormalizer, match_by: tuple[str, ...]) -> None:
        self._phones = CachedPhones(phones)
        self._match_by = match_by
        self.errors: list[RowError] = []
        self._skipped: set[tuple[str, int]] = set()
        self._seen: dict[Key, ImportRow] = {}
        self._sheets: dict[str, int] = {}  # sheet -> its place in the file

    def unreadable(self, errors: Sequence[RowError]) -> None:
        """Cells the workbook reader could not read, reported with the others; their rows are
        not checked further (a cell left out would read as empty). Given before their rows."""
        self.errors += errors
        self._skipped.update((error.sheet, error.row) for error in errors)

    def check(self, rows: Sequence[ImportRow]) -> list[CheckedRow]:
        """The good rows; the bad cells go to `errors`."""
        checked: list[CheckedRow] = []
        for row in rows:
            self._sheets.setdefault(row.sheet, len(self._sheets))
            if (row.sheet, row.row) in self._skipped:
                continue
            row_errors: dict[str, str] = {}
            draft = _draft(row)
            employee = _collect(row_errors, partial(validate_employee, draft, self._phones))
            workstations = _collect(row_errors, partial(read_network_cells, _network_cells(row)))
            if employee is not None:
                _check_duplicates(row, employee, self._seen, self._match_by, row_errors)
            self.errors += [_error(row, column, reason) for column, reason in row_errors.items()]
            if employee is not None and not row_errors:
                checked.append(CheckedRow(row, employee, workstations or ()))
        return checked

    def rejection(self) -> ImportRejected | None:
        """Every bad cell, in file order; None when there is none."""
        if not self.errors:
            return None
        sheets = dict(self._sheets)
        for error in self.errors:  # a sheet no row came from goes last
            sheets.setdefault(error.sheet, len(sheets))
        in_file_order = sorted(self.errors, key=lambda e: (sheets[e.sheet], e.row))
        return ImportRejected(ImportReport(errors=in_file_order))


def _collect(errors: dict[str, str], check: Callable[[], T]) -> T | None:
    try:
        return check()
    except ValidationFailed as error:
        for name, reason in error.errors.items():
            # by column: a bad workstation name, seen by both checks, is one error
            errors.setdefault(_FIELD_TO_COLUMN.get(name, name), reason)
        return None


def value(row: ImportRow, name: str) -> str | None:
    text = row.values.get(name)
    return (text.strip() or None) if text else None


def _network_cells(row: ImportRow) -> NetworkCells:
    return NetworkCells(value(row, "workstation"), value(row, "ip"), value(row, "mac"))


def _draft(row: ImportRow) -> EmployeeDraft:
    return EmployeeDraft(
        last_name=value(row, "last_name") or "",
        first_name=value(row, "first_name") or "",
        middle_name=value(row, "middle_name") or "",
        position=value(row, "position") or "",
        department=value(row, "department"),
        work_phone=value(row, "work_phone"),
        mobile_phone=value(row, "mobile_phone"),
        extension=value(row, "extension"),
        email=value(row, "email"),
        telegram_username=value(row, "telegram_username"),
        room=value(row, "room") or "",
        workstations=hostnames_in(value(row, "workstation")),
        personnel_number=value(row, "personnel_number"),
        status=value(row, "status") or EmployeeStatus.ACTIVE,
        hired_on=value(row, "hired_on"),
        dismissed_on=value(row, "dismissed_on"),
    )


def _check_duplicates(
    row: ImportRow,
    employee: ValidEmployee,
    seen: dict[Key, ImportRow],
    match_by: tuple[str, ...],
    errors: dict[str, str],
) -> None:
    for key in row_keys(employee, match_by)[:1]:  # the key that will identify the row
        first = seen.setdefault(key, row)
        if first is not row:
            column = "full_name" if key[0] == "name_department" else key[0]
            errors[column] = f"same {key[0].replace('_', ' ')} as {first.sheet}!{first.row}"


def _error(row: ImportRow, column: str, reason: str) -> RowError:
    if column in {"last_name", "first_name", "middle_name"} and "full_name" in row.headers:
        column = "full_name"
    return RowError(row.sheet, row.row, row.headers.get(column, column), reason)
