"""Wire schemas of the directory endpoints, and their conversions to and from the use cases'
inputs and outputs. A PATCH body names only the fields it changes (msgspec.UNSET elsewhere)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from tbot.application.directory.drafts import DepartmentDraft, EmployeeDraft, WorkstationDraft
from tbot.application.directory.import_employees import ImportReport, RowError
from tbot.application.directory.patches import DepartmentPatch, EmployeePatch, WorkstationPatch
from tbot.application.ports.directory import HistoryEntry, SearchHit
from tbot.application.ports.import_jobs import ImportJob
from tbot.domain.directory.model import Department, Employee, EmployeeStatus, Workstation

Name = Annotated[str, msgspec.Meta(max_length=100)]
Text = Annotated[str, msgspec.Meta(max_length=200)]
Version = Annotated[int, msgspec.Meta(ge=1)]
Id = Annotated[int, msgspec.Meta(ge=1)]


def _given(struct: msgspec.Struct) -> dict[str, Any]:
    """The fields of a PATCH body that were sent (version aside)."""
    return {
        name: getattr(struct, name)
        for name in struct.__struct_fields__
        if name != "version" and getattr(struct, name) is not msgspec.UNSET
    }


def _tuples(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: tuple(v) if k in names and isinstance(v, list) else v for k, v in values.items()}


# --- employees --------------------------------------------------------------------------------


class EmployeeOut(msgspec.Struct):
    id: int
    last_name: str
    first_name: str
    middle_name: str
    full_name: str
    position: str
    department_id: int | None
    work_phone: str | None
    mobile_phone: str | None
    extension: str | None
    email: str | None
    telegram_username: str | None
    room: str
    # Empty for a caller without directory.network, whatever the employee uses.
    workstation_ids: list[int]
    personnel_number: str | None
    status: EmployeeStatus
    hired_on: date | None
    dismissed_on: date | None
    version: int

    @classmethod
    def of(cls, employee: Employee) -> EmployeeOut:
        assert employee.id is not None
        return cls(
            id=employee.id,
            last_name=employee.last_name,
            first_name=employee.first_name,
            middle_name=employee.middle_name,
            full_name=employee.full_name,
            position=employee.position,
            department_id=employee.department_id,
            work_phone=employee.work_phone,
            mobile_phone=employee.mobile_phone,
            extension=employee.extension,
            email=employee.email,
            telegram_username=employee.telegram_username,
            room=employee.room,
            workstation_ids=list(employee.workstation_ids),
            personnel_number=employee.personnel_number,
            status=employee.status,
            hired_on=employee.hired_on,
            dismissed_on=employee.dismissed_on,
            version=employee.version,
        )


class EmployeePageOut(msgspec.Struct):
    items: list[EmployeeOut]
    next_cursor: int | None


class EmployeeCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new employee. The department by name or by id (not both); workstations by host name
    (needs directory.network)."""

    last_name: Name
    first_name: Name
    middle_name: Name = ""
    position: Text = ""
    department: Name | None = None
    department_id: Id | None = None
    work_phone: Text | None = None
    mobile_phone: Text | None = None
    extension: Text | None = None
    email: Text | None = None
    telegram_username: Text | None = None
    room: Text = ""
    workstations: list[Text] = msgspec.field(default_factory=list)
    personnel_number: Text | None = None
    status: EmployeeStatus = EmployeeStatus.ACTIVE
    hired_on: date | None = None
    dismissed_on: date | None = None

    def draft(self) -> EmployeeDraft:
        values = {name: getattr(self, name) for name in self.__struct_fields__}
        values["status"] = self.status.value
        return EmployeeDraft(**_tuples(values, "workstations"))


class EmployeePatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """A change to the employee as of `version`; fields left out keep their value, null clears
    an optional one. Setting `workstations` needs directory.network."""

    version: Version
    last_name: Name | msgspec.UnsetType = msgspec.UNSET
    first_name: Name | msgspec.UnsetType = msgspec.UNSET
    middle_name: Name | msgspec.UnsetType = msgspec.UNSET
    position: Text | msgspec.UnsetType = msgspec.UNSET
    department: Name | msgspec.UnsetType | None = msgspec.UNSET
    department_id: Id | msgspec.UnsetType | None = msgspec.UNSET
    work_phone: Text | msgspec.UnsetType | None = msgspec.UNSET
    mobile_phone: Text | msgspec.UnsetType | None = msgspec.UNSET
    extension: Text | msgspec.UnsetType | None = msgspec.UNSET
    email: Text | msgspec.UnsetType | None = msgspec.UNSET
    telegram_username: Text | msgspec.UnsetType | None = msgspec.UNSET
    room: Text | msgspec.UnsetType = msgspec.UNSET
    workstations: list[Text] | msgspec.UnsetType = msgspec.UNSET
    personnel_number: Text | msgspec.UnsetType | None = msgspec.UNSET
    status: EmployeeStatus | msgspec.UnsetType = msgspec.UNSET
    hired_on: date | msgspec.UnsetType | None = msgspec.UNSET
    dismissed_on: date | msgspec.UnsetType | None = msgspec.UNSET

    def patch(self) -> EmployeePatch:
        values = _given(self)
        if "status" in values:
            values["status"] = values["status"].value
        return EmployeePatch(**_tuples(values, "workstations"))


class WorkstationsIn(msgspec.Struct, forbid_unknown_fields=True):
    """The whole set of workstations the employee uses, as of `version`; empty frees them."""

    version: Version
    workstation_ids: list[Id]


class SearchHitOut(msgspec.Struct):
    employee: EmployeeOut
    score: float
    matched: str  # which field matched: name, phone, hostname, ip, mac, department

    @classmethod
    def of(cls, hit: SearchHit) -> SearchHitOut:
        return cls(EmployeeOut.of(hit.employee), hit.score, hit.matched)


class SearchPageOut(msgspec.Struct):
    kind: str  # how the query was read: name, phone, hostname, ip, ip_prefix, cidr, mac, department
    hits: list[SearchHitOut]
    next_cursor: str | None  # opaque: pass it back as `cursor`


# --- departments ------------------------------------------------------------------------------


class DepartmentOut(msgspec.Struct):
    id: int
    name: str
    parent_id: int | None
    head_employee_id: int | None
    version: int

    @classmethod
    def of(cls, department: Department) -> DepartmentOut:
        assert department.id is not None
        return cls(
            department.id,
            department.name,
            department.parent_id,
            department.head_employee_id,
            department.version,
        )


class DepartmentPageOut(msgspec.Struct):
    items: list[DepartmentOut]
    next_cursor: int | None


class DepartmentCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    """A department; its parent by name or by id (not both), none for a top-level one."""

    name: Name
    parent: Name | None = None
    parent_id: Id | None = None
    head_employee_id: Id | None = None

    def draft(self) -> DepartmentDraft:
        return DepartmentDraft(self.name, self.parent, self.parent_id, self.head_employee_id)


class DepartmentPatchIn(msgspec.Struct, forbid_unknown_fields=True):
    version: Version
    name: Name | msgspec.UnsetType = msgspec.UNSET
    parent: Name | msgspec.UnsetType | None = msgspec.UNSET
    parent_id: Id | msgspec.UnsetType | None = msgspec.UNSET
    head_employee_id: Id | msgspec.UnsetType | None = msgspec.UNSET

    def patch(self) -> DepartmentPatch:
        return DepartmentPatch(**_given(self))


# --- workstations -----------------------------------------------------------------------------


class WorkstationOut(msgspec.Struct):
    id: int
    hostname: str
    addresses: list[str]
    mac: str | None
    os: str
    location: str
    inventory_number: str | None
    version: int

    @classmethod
    def of(cls, workstation: Workstation) -> WorkstationOut:
        assert workstation.id is not None
        return cls(
            workstation.id,
            workstation.hostname,
            list(workstation.addresses),
            workstation.mac,
            workstation.os,
            workstation.location,
            workstation.inventory_number,
            workstation.version,
        )


class WorkstationPageOut(msgspec.Struct):
    items: list[WorkstationOut]
    next_cursor: int | None


class WorkstationCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    hostname: Text
    addresses: list[Text] = msgspec.field(default_factory=list)
    mac: Text | None = None
    os: Text = ""
    location: Text = ""
    inventory_number: Text | None = None

    def draft(self) -> WorkstationDraft:
        return WorkstationDraft(
            self.hostname,
            tuple(self.addresses),
            self.mac,
            self.os,
            self.location,
            self.inventory_number,
        )


class WorkstationPatchIn(msgspec.Struct, forbid_unknown_fields=True):
    version: Version
    hostname: Text | msgspec.UnsetType = msgspec.UNSET
    addresses: list[Text] | msgspec.UnsetType = msgspec.UNSET
    mac: Text | msgspec.UnsetType | None = msgspec.UNSET
    os: Text | msgspec.UnsetType = msgspec.UNSET
    location: Text | msgspec.UnsetType = msgspec.UNSET
    inventory_number: Text | msgspec.UnsetType | None = msgspec.UNSET

    def patch(self) -> WorkstationPatch:
        return WorkstationPatch(**_tuples(_given(self), "addresses"))


# --- history ----------------------------------------------------------------------------------


class FieldChangeOut(msgspec.Struct):
    field: str
    before: Any
    after: Any


class HistoryEntryOut(msgspec.Struct):
    id: int
    at: datetime | None
    actor: str
    channel: str
    request_id: str
    changes: list[FieldChangeOut]

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryOut:
        assert entry.id is not None
        return cls(
            entry.id,
            entry.at,
            entry.actor,
            entry.channel,
            entry.request_id,
            [FieldChangeOut(c.field, c.before, c.after) for c in entry.changes],
        )


class HistoryPageOut(msgspec.Struct):
    entries: list[HistoryEntryOut]
    next_cursor: int | None  # pass it back as `cursor` for older entries


# --- import -----------------------------------------------------------------------------------


class ImportIssueOut(msgspec.Struct):
    sheet: str
    detail: str  # "column D (Примечание): unknown header" / why a sheet was skipped


class ImportReportOut(msgspec.Struct):
    rows: int
    created: int
    updated: int
    unchanged: int
    dismissed: int
    departments_created: int
    workstations_created: int
    dry_run: bool
    ignored_columns: list[ImportIssueOut]
    skipped_sheets: list[ImportIssueOut]

    @classmethod
    def of(
        cls,
        report: ImportReport,
        rows: int,
        ignored: list[ImportIssueOut],
        skipped: list[ImportIssueOut],
    ) -> ImportReportOut:
        return cls(
            rows=rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            dismissed=report.dismissed,
            departments_created=report.departments_created,
            workstations_created=report.workstations_created,
            dry_run=report.dry_run,
            ignored_columns=ignored,
            skipped_sheets=skipped,
        )


class CellErrorOut(msgspec.Struct):
    sheet: str
    row: int
    column: str
    reason: str

    @classmethod
    def of(cls, error: RowError) -> CellErrorOut:
        return cls(error.sheet, error.row, error.column, error.reason)


class ImportRejectedOut(msgspec.Struct):
    """422 of an import: every bad cell; nothing was written."""

    error: str
    detail: str
    errors: list[CellErrorOut]
    request_id: str = ""


class ImportJobOut(msgspec.Struct):
    """An import job: `queued`, `running` (rows_done of rows_total), `succeeded` (the counts)
    or `failed` (`errors`: every bad cell, nothing written; or `failure`: what broke)."""

    id: str
    status: str
    submitted_by: str
    submitted_at: datetime
    dry_run: bool
    dismiss_missing: bool
    rows_done: int
    rows_total: int | None
    created: int | None = None
    updated: int | None = None
    unchanged: int | None = None
    dismissed: int | None = None
    errors: list[CellErrorOut] = msgspec.field(default_factory=list)
    failure: str = ""
    finished_at: datetime | None = None

    @classmethod
    def of(cls, job: ImportJob) -> ImportJobOut:
        report = job.report
        counted = report is not None and not report.errors
        return cls(
            id=job.id,
            status=job.status.value,
            submitted_by=job.submitted_by,
            submitted_at=job.submitted_at,
            dry_run=job.options.dry_run,
            dismiss_missing=job.options.dismiss_missing,
            rows_done=job.rows_done,
            rows_total=job.rows_total,
            created=report.created if counted and report else None,
            updated=report.updated if counted and report else None,
            unchanged=report.unchanged if counted and report else None,
            dismissed=report.dismissed if counted and report else None,
            errors=[CellErrorOut.of(e) for e in report.errors] if report else [],
            failure=job.failure,
            finished_at=job.finished_at,
        )
