"""Imports a directory workbook: every row validated before anything is written, then one
transaction that creates, updates or leaves each employee, creating departments and
workstations on the way. A dry run reports the same counts and writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import TypeVar

from tbot.application.directory.drafts import (
    EmployeeDraft,
    ValidEmployee,
    WorkstationDraft,
    validate_employee,
    validate_workstation,
)
from tbot.application.directory.history import DirectoryEntity, diff
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.clock import Clock
from tbot.application.ports.directory import FieldChange, HistoryEntry, PhoneNormalizer
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.directory.model import Department, Employee, EmployeeStatus, Workstation
from tbot.domain.directory.text import fold
from tbot.domain.errors import ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission

T = TypeVar("T")
MATCH_KEYS = ("personnel_number", "email", "name_department")
# Validation reports a draft's field; the user knows the column it came from.
_FIELD_TO_COLUMN = {"workstations": "workstation", "hostname": "workstation", "addresses": "ip"}


@dataclass(frozen=True, slots=True)
class ImportRow:
    sheet: str
    row: int
    values: Mapping[str, str]  # canonical field -> cell text
    headers: Mapping[str, str] = field(default_factory=dict)  # canonical field -> header


@dataclass(frozen=True, slots=True)
class ImportOptions:
    dry_run: bool = False
    dismiss_missing: bool = False
    match_by: tuple[str, ...] = MATCH_KEYS


@dataclass(frozen=True, slots=True)
class RowError:
    sheet: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.row} [{self.column}]: {self.reason}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dismissed: int = 0
    departments_created: int = 0
    workstations_created: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)


class ImportRejected(ValidationFailed):
    """Bad rows: nothing was written. `report.errors` names each sheet, row and column."""

    def __init__(self, report: ImportReport) -> None:
        shown = {f"{e.sheet}!{e.row}:{e.column}": e.reason for e in report.errors[:50]}
        super().__init__(shown, f"{len(report.errors)} bad cell(s); nothing was imported")
        self.report = report


@dataclass(frozen=True, slots=True)
class _Checked:
    row: ImportRow
    employee: ValidEmployee
    workstation: Workstation | None


class ImportEmployees:
    def __init__(
        self,
        uow: UnitOfWork,
        authorizer: Authorizer,
        phones: PhoneNormalizer,
        clock: Clock,
        *,
        timezone: tzinfo = UTC,
    ) -> None:
        self._uow = uow
        self._authorizer = authorizer
        self._phones = phones
        self._clock = clock
        self._timezone = timezone

    async def __call__(
        self,
        rows: Sequence[ImportRow],
        options: ImportOptions,
        caller: Caller,
        progress: Callable[[int], None] | None = None,
        *,
        unreadable: Sequence[RowError] = (),
    ) -> ImportReport:
        self._authorizer.require(caller, Permission.DIRECTORY_WRITE)
        if any(_value(row, name) for row in rows for name in NETWORK_COLUMNS):
            # Workstations, IPs and MACs are network data, as in the editing use cases.
            self._authorizer.require(caller, Permission.DIRECTORY_NETWORK)
        unknown = set(options.match_by) - set(MATCH_KEYS)
        if unknown:
            raise ValidationFailed({"match_by": f"unknown key(s): {', '.join(sorted(unknown))}"})
        checked = _check_all(rows, self._phones, options.match_by, unreadable)
        async with self._uow:
            run = _ImportRun(self._uow, caller, self._clock.now(), options, self._timezone)
            report = await run.apply(checked, progress)
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="employee.import",
                    target_type="employee",
                    target_id="*",
                    after={
                        "rows": len(rows),
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                        "dismissed": report.dismissed,
                        "departments_created": report.departments_created,
                        "workstations_created": report.workstations_created,
                        "dismiss_missing": options.dismiss_missing,
                    },
                )
            )
            if not options.dry_run:
                await self._uow.commit()
        return report


def _check_all(
    rows: Sequence[ImportRow],
    phones: PhoneNormalizer,
    match_by: tuple[str, ...],
    unreadable: Sequence[RowError] = (),
) -> list[_Checked]:
    """Every row, every field: the report lists all bad cells, not the first one. Cells the
    workbook reader could not read (`unreadable`) are reported with them, and their rows are
    not checked further (a cell left out would read as empty)."""
    errors: list[RowError] = list(unreadable)
    skipped = {(e.sheet, e.row) for e in unreadable}
    checked: list[_Checked] = []
    seen: dict[tuple[str, str], ImportRow] = {}
    for row in rows:
        if (row.sheet, row.row) in skipped:
            continue
        row_errors: dict[str, str] = {}
        employee = _collect(row_errors, partial(validate_employee, _draft(row), phones))
        workstation = _collect(row_errors, partial(_workstation, row))
        if employee is not None:
            _check_duplicates(row, employee, seen, match_by, row_errors)
        errors += [_error(row, field_name, reason) for field_name, reason in row_errors.items()]
        if employee is not None and not row_errors:
            checked.append(_Checked(row, employee, workstation))
    if errors:
        raise ImportRejected(ImportReport(errors=_in_file_order(rows, errors)))
    return checked


def _in_file_order(rows: Sequence[ImportRow], errors: list[RowError]) -> list[RowError]:
    sheets: dict[str, int] = {}
    for name in [r.sheet for r in rows] + [e.sheet for e in errors]:
        sheets.setdefault(name, len(sheets))
    return sorted(errors, key=lambda e: (sheets[e.sheet], e.row))


def _collect(errors: dict[str, str], check: Callable[[], T]) -> T | None:
    try:
        return check()
    except ValidationFailed as error:
        errors.update(error.errors)
        return None


def _value(row: ImportRow, name: str) -> str | None:
    text = row.values.get(name)
    return text.strip() if text and text.strip() else None


def _draft(row: ImportRow) -> EmployeeDraft:
    host = _value(row, "workstation")
    return EmployeeDraft(
        last_name=_value(row, "last_name") or "",
        first_name=_value(row, "first_name") or "",
        middle_name=_value(row, "middle_name") or "",
        position=_value(row, "position") or "",
        department=_value(row, "department"),
        work_phone=_value(row, "work_phone"),
        mobile_phone=_value(row, "mobile_phone"),
        extension=_value(row, "extension"),
        email=_value(row, "email"),
        telegram_username=_value(row, "telegram_username"),
        room=_value(row, "room") or "",
        workstations=(host,) if host else (),
        personnel_number=_value(row, "personnel_number"),
        status=_value(row, "status") or EmployeeStatus.ACTIVE,
        hired_on=_value(row, "hired_on"),
        dismissed_on=_value(row, "dismissed_on"),
    )


def _workstation(row: ImportRow) -> Workstation | None:
    host, ip, mac = (_value(row, name) for name in ("workstation", "ip", "mac"))
    if host is None:
        if ip or mac:
            raise ValidationFailed({"workstation": "an IP or MAC needs the workstation's name"})
        return None
    addresses = tuple(ip.replace(";", ",").replace(",", " ").split()) if ip else ()
    return validate_workstation(WorkstationDraft(host, addresses=addresses, mac=mac))


def _keys(
    match_by: tuple[str, ...],
    *,
    personnel_number: str | None,
    email: str | None,
    full_name: str,
    department: str,
) -> list[tuple[str, str]]:
    """The identities of an employee, in the order the options try them."""
    keys = []
    for name in match_by:
        if name == "personnel_number" and personnel_number:
            keys.append((name, personnel_number))
        elif name == "email" and email:
            keys.append((name, email))
        elif name == "name_department":
            keys.append((name, f"{fold(full_name)}|{fold(department)}"))
    return keys


def _row_keys(employee: ValidEmployee, match_by: tuple[str, ...]) -> list[tuple[str, str]]:
    return _keys(
        match_by,
        personnel_number=employee.personnel_number,
        email=employee.email,
        full_name=f"{employee.last_name} {employee.first_name} {employee.middle_name}",
        department=employee.department or "",
    )


def _check_duplicates(
    row: ImportRow,
    employee: ValidEmployee,
    seen: dict[tuple[str, str], ImportRow],
    match_by: tuple[str, ...],
    errors: dict[str, str],
) -> None:
    for key in _row_keys(employee, match_by)[:1]:  # the key that will identify the row
        first = seen.setdefault(key, row)
        if first is not row:
            column = "full_name" if key[0] == "name_department" else key[0]
            errors[column] = f"same {key[0].replace('_', ' ')} as {first.sheet}!{first.row}"


def _error(row: ImportRow, field_name: str, reason: str) -> RowError:
    column = _FIELD_TO_COLUMN.get(field_name, field_name)
    if column in {"last_name", "first_name", "middle_name"} and "full_name" in row.headers:
        column = "full_name"
    return RowError(row.sheet, row.row, row.headers.get(column, column), reason)


class _ImportRun:
    """The write phase: everything the file says, in the caller's one transaction."""

    def __init__(
        self,
        uow: UnitOfWork,
        caller: Caller,
        now: datetime,
        options: ImportOptions,
        timezone: tzinfo,
    ) -> None:
        self._uow = uow
        self._caller = caller
        self._now = now
        self._today = now.astimezone(timezone).date()
        self._options = options
        self.report = ImportReport(dry_run=options.dry_run)
        self._departments: dict[str, int] = {}
        self._workstations: dict[str, Workstation] = {}
        self._by_key: dict[tuple[str, str], Employee] = {}
        self._department_names: dict[int, str] = {}

    async def apply(
        self, checked: list[_Checked], progress: Callable[[int], None] | None
    ) -> ImportReport:
        await self._load()
        seen: set[int] = set()
        for done, item in enumerate(checked, start=1):
            employee_id = await self._apply_row(item)
            seen.add(employee_id)
            if progress is not None and done % 1000 == 0:
                progress(done)
        if self._options.dismiss_missing:
            await self._dismiss_missing(seen)
        if progress is not None:
            progress(len(checked))
        return self.report

    async def _load(self) -> None:
        after: int | None = None
        while page := await self._uow.departments.list(limit=500, after_id=after):
            for department in page:
                assert department.id is not None
                self._departments.setdefault(fold(department.name), department.id)
                self._department_names[department.id] = department.name
            after = page[-1].id
        after = None
        while stations := await self._uow.workstations.list(limit=500, after_id=after):
            self._workstations.update({w.hostname: w for w in stations})
            after = stations[-1].id
        for employee in await self._uow.employees.all_for_import():
            self._index(employee)

    def _index(self, employee: Employee) -> None:
        keys = _keys(
            self._options.match_by,
            personnel_number=employee.personnel_number,
            email=employee.email,
            full_name=employee.full_name,
            department=self._department_names.get(employee.department_id or 0, ""),
        )
        for key in keys:
            self._by_key[key] = employee

    async def _apply_row(self, item: _Checked) -> int:
        department_id = await self._department(item.employee.department)
        workstation_ids = await self._workstation_ids(item.workstation)
        existing = self._match(item.employee)
        wanted = item.employee.to_employee(
            employee_id=existing.id if existing else None,
            department_id=department_id,
            workstation_ids=workstation_ids,
            version=existing.version if existing else 1,
        )
        if existing is not None:
            wanted = _keep_absent_columns(wanted, existing, item.row)
        if existing is None:
            stored = await self._uow.employees.add(wanted)
            self.report.created += 1
            await self._history(stored, diff(None, stored))
        elif changes := diff(existing, wanted):
            stored = await self._uow.employees.update(wanted)
            self.report.updated += 1
            await self._history(stored, changes)
        else:
            stored = existing
            self.report.unchanged += 1
        self._index(stored)
        assert stored.id is not None
        return stored.id

    def _match(self, employee: ValidEmployee) -> Employee | None:
        """The stored employee the row describes. A weaker key (email, name) never matches
        someone whose personnel number or email says they are another person: namesakes
        in one department stay two people."""
        for key in _row_keys(employee, self._options.match_by):
            found = self._by_key.get(key)
            if found is not None and not _contradicts(employee, found):
                return found
        return None

    async def _department(self, name: str | None) -> int | None:
        if not name:
            return None
        key = fold(name)
        if key not in self._departments:
            created = await self._uow.departments.add(Department(id=None, name=name))
            assert created.id is not None
            self._departments[key] = created.id
            self._department_names[created.id] = created.name
            self.report.departments_created += 1
        return self._departments[key]

    async def _workstation_ids(self, workstation: Workstation | None) -> tuple[int, ...]:
        if workstation is None:
            return ()
        known = self._workstations.get(workstation.hostname)
        if known is None:
            known = await self._uow.workstations.add(workstation)
            self.report.workstations_created += 1
        elif _network_differs(known, workstation):
            known = await self._uow.workstations.update(
                replace(known, addresses=workstation.addresses or known.addresses,
                        mac=workstation.mac or known.mac)
            )  # fmt: skip
        self._workstations[known.hostname] = known
        assert known.id is not None
        return (known.id,)

    async def _dismiss_missing(self, seen: set[int]) -> None:
        for employee in await self._uow.employees.all_for_import():
            if employee.id in seen or employee.status is EmployeeStatus.DISMISSED:
                continue
            dismissed = replace(employee, status=EmployeeStatus.DISMISSED, dismissed_on=self._today)
            stored = await self._uow.employees.update(dismissed)
            await self._history(stored, diff(employee, dismissed))
            self.report.dismissed += 1

    async def _history(self, employee: Employee, changes: tuple[FieldChange, ...]) -> None:
        assert employee.id is not None
        await self._uow.history.add(
            HistoryEntry(
                id=None,
                entity=DirectoryEntity.EMPLOYEE.value,
                entity_id=employee.id,
                changes=changes,
                actor=self._caller.actor.name,
                channel=self._caller.channel.value,
                request_id=self._caller.request_id,
                at=self._now,
            )
        )


def _contradicts(row: ValidEmployee, stored: Employee) -> bool:
    return any(
        mine is not None and theirs is not None and mine != theirs
        for mine, theirs in (
            (row.personnel_number, stored.personnel_number),
            (row.email, stored.email),
        )
    )


# A column the file does not have says nothing about that field: keep what is stored.
_COLUMNS_OF_FIELD = {
    "last_name": ("last_name", "full_name"),
    "first_name": ("first_name", "full_name"),
    "middle_name": ("middle_name", "full_name"),
    "department_id": ("department",),
    "workstation_ids": ("workstation",),
}
# The columns that describe a workstation: network data, behind directory.network.
NETWORK_COLUMNS = frozenset({"workstation", "ip", "mac"})
_IMPORTED_FIELDS = (
    "last_name", "first_name", "middle_name", "position", "department_id", "work_phone",
    "mobile_phone", "extension", "email", "telegram_username", "room", "workstation_ids",
    "personnel_number", "status", "hired_on", "dismissed_on",
)  # fmt: skip


def _keep_absent_columns(wanted: Employee, stored: Employee, row: ImportRow) -> Employee:
    kept = {
        name: getattr(stored, name)
        for name in _IMPORTED_FIELDS
        if not any(column in row.values for column in _COLUMNS_OF_FIELD.get(name, (name,)))
    }
    return replace(wanted, **kept) if kept else wanted


def _network_differs(known: Workstation, wanted: Workstation) -> bool:
    return bool(
        (wanted.addresses and set(wanted.addresses) != set(known.addresses))
        or (wanted.mac and wanted.mac != known.mac)
    )
