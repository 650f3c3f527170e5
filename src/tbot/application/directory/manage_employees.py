"""Changes to employees. Each writes the stored change, its history entry and its audit event
in one unit of work, committed together; a refused change writes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, tzinfo

from tbot.application.directory.access import as_seen_by
from tbot.application.directory.drafts import EmployeeDraft
from tbot.application.directory.history import DirectoryEntity, diff, record_change
from tbot.application.directory.patches import EmployeePatch, apply, given
from tbot.application.directory.references import employee_from_draft, hostnames_of
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.clock import Clock
from tbot.application.ports.directory import PhoneNormalizer
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.directory.model import Employee, EmployeeStatus
from tbot.domain.errors import Conflict, NotFound, ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission

_EMPLOYEE = DirectoryEntity.EMPLOYEE


def today(clock: Clock, timezone: tzinfo) -> date:
    """The calendar date where the company is: UTC midnight is 03:00 in Moscow."""
    return clock.now().astimezone(timezone).date()


async def load_employee(uow: UnitOfWork, employee_id: int) -> Employee:
    employee = await uow.employees.get(employee_id)
    if employee is None:
        raise NotFound("employee", employee_id)
    return employee


def _expected(current: Employee, version: int | None) -> int:
    """The version the change is based on; None (a script, the CLI) takes the stored one."""
    return current.version if version is None else version


def _unchanged(current: Employee, version: int | None) -> Employee:
    """Nothing to write; a stale version is still refused, as a write would be."""
    if version is not None and version != current.version:
        raise Conflict(f"employee {current.id} was changed by someone else; reload it")
    return current


class CreateEmployee:
    def __init__(
        self, uow: UnitOfWork, authorizer: Authorizer, phones: PhoneNormalizer, clock: Clock
    ) -> None:
        self._uow = uow
        self._authorizer = authorizer
        self._phones = phones
        self._clock = clock

    async def __call__(self, draft: EmployeeDraft, caller: Caller) -> Employee:
        self._authorizer.require(caller, Permission.DIRECTORY_WRITE)
        if draft.workstations:
            self._authorizer.require(caller, Permission.DIRECTORY_NETWORK)
        async with self._uow:
            employee = await employee_from_draft(self._uow, draft, self._phones)
            stored = await self._uow.employees.add(employee)
            assert stored.id is not None
            await record_change(
                self._uow,
                caller,
                at=self._clock.now(),
                entity=_EMPLOYEE,
                entity_id=stored.id,
                action="employee.create",
                before=None,
                after=stored,
            )
            await self._uow.commit()
        return as_seen_by(stored, self._authorizer, caller)


class UpdateEmployee:
    """A partial change based on the version the editor saw. Dismissing through a status
    change dates it today; bringing someone back clears the dismissal date."""

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
        self, employee_id: int, version: int | None, patch: EmployeePatch, caller: Caller
    ) -> Employee:
        self._authorizer.require(caller, Permission.DIRECTORY_WRITE)
        if "workstations" in given(patch):
            self._authorizer.require(caller, Permission.DIRECTORY_NETWORK)
        async with self._uow:
            current = await load_employee(self._uow, employee_id)
            draft = apply(EmployeeDraft.of(current, await hostnames_of(self._uow, current)), patch)
            changed = await employee_from_draft(
                self._uow,
                draft,
                self._phones,
                employee_id=employee_id,
                version=_expected(current, version),
            )
            changed = self._dated(current, changed, "dismissed_on" in given(patch))
            if not diff(current, changed):
                return as_seen_by(_unchanged(current, version), self._authorizer, caller)
            stored = await self._uow.employees.update(changed)
            await record_change(
                self._uow,
                caller,
                at=self._clock.now(),
                entity=_EMPLOYEE,
                entity_id=employee_id,
                action="employee.update",
                before=current,
                after=stored,
            )
            await self._uow.commit()
        return as_seen_by(stored, self._authorizer, caller)

    def _dated(self, before: Employee, after: Employee, date_given: bool) -> Employee:
        leaving = after.status is EmployeeStatus.DISMISSED
        was_gone = before.status is EmployeeStatus.DISMISSED
        if leaving and not was_gone and after.dismissed_on is None:
            return replace(after, dismissed_on=today(self._clock, self._timezone))
        if was_gone and not leaving and not date_given:
            return replace(after, dismissed_on=None)
        return after


class DismissEmployee:
    """The soft delete: the record stays (history, the import's comparison), marked dismissed
    today; lists and search leave it out unless asked."""

    def __init__(
        self, uow: UnitOfWork, authorizer: Authorizer, clock: Clock, *, timezone: tzinfo = UTC
    ) -> None:
        self._uow = uow
        self._authorizer = authorizer
        self._clock = clock
        self._timezone = timezone

    async def __call__(self, employee_id: int, version: int | None, caller: Caller) -> Employee:
        self._authorizer.require(caller, Permission.DIRECTORY_WRITE)
        async with self._uow:
            current = await load_employee(self._uow, employee_id)
            if current.status is EmployeeStatus.DISMISSED:
                raise Conflict(f"employee {employee_id} is already dismissed")
            stored = await self._uow.employees.update(
                replace(
                    current,
                    status=EmployeeStatus.DISMISSED,
                    dismissed_on=today(self._clock, self._timezone),
                    version=_expected(current, version),
                )
            )
            await record_change(
                self._uow,
                caller,
                at=self._clock.now(),
                entity=_EMPLOYEE,
                entity_id=employee_id,
                action="employee.dismiss",
                before=current,
                after=stored,
            )
            await self._uow.commit()
        return as_seen_by(stored, self._authorizer, caller)


class AssignWorkstations:
    """Sets which workstations an employee uses (the whole set; empty frees them all)."""

    def __init__(self, uow: UnitOfWork, authorizer: Authorizer, clock: Clock) -> None:
        self._uow = uow
        self._authorizer = authorizer
        self._clock = clock

    async def __call__(
        self,
        employee_id: int,
        version: int | None,
        workstation_ids: tuple[int, ...],
        caller: Caller,
    ) -> Employee:
        self._authorizer.require(caller, Permission.DIRECTORY_WRITE)
        self._authorizer.require(caller, Permission.DIRECTORY_NETWORK)
        ids = tuple(sorted(set(workstation_ids)))  # a set: stored in id order
        async with self._uow:
            current = await load_employee(self._uow, employee_id)
            unknown = [str(i) for i in ids if await self._uow.workstations.get(i) is None]
            if unknown:
                raise ValidationFailed(
                    {"workstation_ids": f"unknown workstation(s): {', '.join(unknown)}"},
                    "workstations not assigned",
                )
            changed = replace(current, workstation_ids=ids, version=_expected(current, version))
            if not diff(current, changed):
                return _unchanged(current, version)
            stored = await self._uow.employees.update(changed)
            await record_change(
                self._uow,
                caller,
                at=self._clock.now(),
                entity=_EMPLOYEE,
                entity_id=employee_id,
                action="employee.workstations",
                before=current,
                after=stored,
            )
            await self._uow.commit()
        return stored
