"""The write phase of an import: the file compared with what is stored, in memory, and the
differences written a batch of rows at a time through the repositories' set-wise methods, in
the caller's one transaction.

What is stored is loaded once (departments, workstations, employees: three queries). Each batch
then costs a handful of statements whatever its size: new departments, new and changed
workstations, new employees, changed employees, their history entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, tzinfo

from tbot.application.directory.history import DirectoryEntity, diff, plain
from tbot.application.directory.import_checks import CheckedRow
from tbot.application.directory.import_keys import Key, contradicts, row_keys, stored_keys
from tbot.application.directory.import_report import ImportOptions, ImportReport, ImportRow
from tbot.application.directory.references import all_departments
from tbot.application.ports.directory import FieldChange, HistoryEntry
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.directory.model import Department, Employee, EmployeeStatus, Workstation
from tbot.domain.directory.text import fold
from tbot.domain.identity.caller import Caller

# Rows written per round of statements: big enough that the round trips do not count, small
# enough that progress moves and memory stays flat.
BATCH_ROWS = 5_000

# A column the file does not have says nothing about that field: keep what is stored.
_COLUMNS_OF_FIELD = {
    "last_name": ("last_name", "full_name"),
    "first_name": ("first_name", "full_name"),
    "middle_name": ("middle_name", "full_name"),
    "department_id": ("department",),
    "workstation_ids": ("workstation",),
}
_IMPORTED_FIELDS = (
    "last_name", "first_name", "middle_name", "position", "department_id", "work_phone",
    "mobile_phone", "extension", "email", "telegram_username", "room", "workstation_ids",
    "personnel_number", "status", "hired_on", "dismissed_on",
)  # fmt: skip


# An employee's content fields in declaration order, as history lists them (id and version are
# bookkeeping).
_CONTENT_FIELDS = tuple(f.name for f in fields(Employee) if f.name not in {"id", "version"})


@dataclass(frozen=True, slots=True)
class _Update:
    before: Employee
    after: Employee
    changes: tuple[FieldChange, ...]


class ImportRun:
    """One import's write phase. Rows are applied in file order, as if one after another: a
    later row that names an employee an earlier row created or changed sees that change."""

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
        self._departments: dict[str, int] = {}  # folded name -> id
        self._department_names: dict[int, str] = {}
        self._workstations: dict[str, Workstation] = {}  # hostname -> stored
        self._stored: list[Employee] = []
        self._by_key: dict[Key, Employee] = {}
        self._seen: set[int] = set()
        # planned, not yet written
        self._creating: list[Employee] = []
        self._updating: dict[int, _Update] = {}

    async def load(self) -> None:
        """What is stored, once: departments, workstations, employees."""
        for department in await all_departments(self._uow):
            assert department.id is not None
            self._departments.setdefault(fold(department.name), department.id)
            self._department_names[department.id] = department.name
        for workstation in await self._uow.workstations.all_for_import():
            self._workstations[workstation.hostname] = workstation
        self._stored = list(await self._uow.employees.all_for_import())
        for employee in self._stored:
            self._index(employee)

    async def apply(self, batch: Sequence[CheckedRow]) -> None:
        """Writes what a batch of checked rows changes, in file order."""
        await self._add_departments(batch)
        await self._save_workstations(batch)
        for item in batch:
            await self._plan_employee(item)
        await self._flush()

    async def finish(self) -> ImportReport:
        """After the last batch: the employees the file left out, if asked to."""
        if self._options.dismiss_missing:
            await self._dismiss_missing()
        return self.report

    def _index(self, employee: Employee) -> None:
        department = self._department_names.get(employee.department_id or 0, "")
        for key in stored_keys(employee, department, self._options.match_by):
            self._by_key[key] = employee

    # --- departments and workstations, before the employees that use them ---------------

    async def _add_departments(self, batch: Sequence[CheckedRow]) -> None:
        new: dict[str, Department] = {}
        for item in batch:
            name = item.employee.department
            if name and fold(name) not in self._departments:
                new.setdefault(fold(name), Department(id=None, name=name))
        if not new:
            return
        for department in await self._uow.departments.add_many(list(new.values())):
            assert department.id is not None
            self._departments[fold(department.name)] = department.id
            self._department_names[department.id] = department.name
        self.report.departments_created += len(new)

    async def _save_workstations(self, batch: Sequence[CheckedRow]) -> None:
        """New workstations are created; a known one takes the addresses and MAC the file
        gives it (an empty cell keeps what is stored)."""
        new: dict[str, Workstation] = {}
        changed: dict[str, Workstation] = {}
        for item in batch:
            for wanted in item.workstations:
                host = wanted.hostname
                if host in new:
                    new[host] = _merged(new[host], wanted)
                elif host in self._workstations:
                    known = changed.get(host, self._workstations[host])
                    if _network_differs(known, wanted):
                        changed[host] = _merged(known, wanted)
                else:
                    new[host] = wanted
        stored = [
            *await self._uow.workstations.add_many(list(new.values())),
            *await self._uow.workstations.update_many(list(changed.values())),
        ]
        self._workstations.update((w.hostname, w) for w in stored)
        self.report.workstations_created += len(new)

    # --- employees -------------------------------------------------------------------------

    async def _plan_employee(self, item: CheckedRow) -> None:
        existing = self._match(item)
        if existing is not None and self._pending(existing):
            await self._flush()  # an earlier row of this batch changes them: write it first
            existing = self._match(item)
        wanted = item.employee.to_employee(
            employee_id=existing.id if existing else None,
            department_id=self._department_id(item.employee.department),
            workstation_ids=tuple(
                sorted({self._workstation_id(w.hostname) for w in item.workstations})
            ),
            version=existing.version if existing else 1,
        )
        if existing is None:
            self._creating.append(wanted)
            self._index(wanted)
            return
        wanted = _keep_absent_columns(wanted, existing, item.row)
        assert existing.id is not None
        self._seen.add(existing.id)
        if changes := diff(existing, wanted):
            self._updating[existing.id] = _Update(existing, wanted, changes)
        else:
            self.report.unchanged += 1

    def _match(self, item: CheckedRow) -> Employee | None:
        """The stored employee the row describes. A weaker key (email, name) never matches
        someone whose personnel number or email says they are another person."""
        for key in row_keys(item.employee, self._options.match_by):
            found = self._by_key.get(key)
            if found is not None and not contradicts(item.employee, found):
                return found
        return None

    def _pending(self, employee: Employee) -> bool:
        return employee.id is None or employee.id in self._updating

    def _department_id(self, name: str | None) -> int | None:
        return self._departments[fold(name)] if name else None

    def _workstation_id(self, hostname: str) -> int:
        found = self._workstations[hostname].id
        assert found is not None
        return found

    async def _flush(self) -> None:
        """Writes the planned employees and their history entries."""
        entries: list[HistoryEntry] = []
        if self._creating:
            for stored in await self._uow.employees.add_many(self._creating):
                assert stored.id is not None
                self._index(stored)
                self._seen.add(stored.id)
                entries.append(self._entry(stored.id, _created(stored)))
            self.report.created += len(self._creating)
            self._creating = []
        if self._updating:
            updates = list(self._updating.values())
            self._updating = {}
            for stored in await self._uow.employees.update_many([u.after for u in updates]):
                self._index(stored)
            entries += [self._entry(u.before.id or 0, u.changes) for u in updates]
            self.report.updated += len(updates)
        if entries:
            await self._uow.history.add_many(entries)

    async def _dismiss_missing(self) -> None:
        before = [
            e
            for e in self._stored
            if e.id not in self._seen and e.status is not EmployeeStatus.DISMISSED
        ]
        for start in range(0, len(before), BATCH_ROWS):
            chunk = before[start : start + BATCH_ROWS]
            after = [
                replace(e, status=EmployeeStatus.DISMISSED, dismissed_on=self._today) for e in chunk
            ]
            await self._uow.employees.update_many(after)
            await self._uow.history.add_many(
                [self._entry(b.id or 0, diff(b, a)) for b, a in zip(chunk, after, strict=True)]
            )
        self.report.dismissed += len(before)

    def _entry(self, employee_id: int, changes: tuple[FieldChange, ...]) -> HistoryEntry:
        return HistoryEntry(
            id=None,
            entity=DirectoryEntity.EMPLOYEE.value,
            entity_id=employee_id,
            changes=changes,
            actor=self._caller.actor.name,
            channel=self._caller.channel.value,
            request_id=self._caller.request_id,
            at=self._now,
        )


def _keep_absent_columns(wanted: Employee, stored: Employee, row: ImportRow) -> Employee:
    kept = {
        name: getattr(stored, name)
        for name in _IMPORTED_FIELDS
        if not any(column in row.values for column in _COLUMNS_OF_FIELD.get(name, (name,)))
    }
    return replace(wanted, **kept) if kept else wanted


def _created(employee: Employee) -> tuple[FieldChange, ...]:
    """`diff(None, employee)`, the history of a created employee (every filled field), without
    diff's generic work per call: it runs for every row a first import creates."""
    changes = []
    for name in _CONTENT_FIELDS:
        now = getattr(employee, name)
        if type(now) is not str:  # text, most fields, is JSON-ready as it is
            now = plain(now)
        if now is not None and now != "" and now != []:
            changes.append(FieldChange(name, None, now))
    return tuple(changes)


def _network_differs(known: Workstation, wanted: Workstation) -> bool:
    return bool(
        (wanted.addresses and set(wanted.addresses) != set(known.addresses))
        or (wanted.mac and wanted.mac != known.mac)
    )


def _merged(known: Workstation, wanted: Workstation) -> Workstation:
    return replace(
        known, addresses=wanted.addresses or known.addresses, mac=wanted.mac or known.mac
    )
