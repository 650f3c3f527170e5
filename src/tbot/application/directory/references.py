"""Drafts name other records (a department by name, workstations by host name); these look
them up inside the use case's unit of work, reporting what is missing as field errors."""

from __future__ import annotations

from tbot.application.directory.drafts import (
    DepartmentDraft,
    EmployeeDraft,
    ValidDepartment,
    hostnames,
    validate_department,
    validate_employee,
)
from tbot.application.ports.directory import PhoneNormalizer
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.directory.model import Department, Employee
from tbot.domain.directory.text import fold
from tbot.domain.errors import ValidationFailed


async def employee_from_draft(
    uow: UnitOfWork,
    draft: EmployeeDraft,
    phones: PhoneNormalizer,
    *,
    employee_id: int | None = None,
    version: int = 1,
) -> Employee:
    """The employee a draft describes, or one ValidationFailed naming every bad field, those
    that are malformed and those that name a record that does not exist alike."""
    errors: dict[str, str] = {}
    try:
        valid = validate_employee(draft, phones)
    except ValidationFailed as error:
        errors.update(error.errors)
        valid = None
    department_id = await _department_id(uow, draft, errors)
    workstation_ids = await _workstation_ids(uow, draft, errors)
    if valid is None or errors:
        raise ValidationFailed(errors, "employee not saved")
    return valid.to_employee(
        employee_id=employee_id,
        department_id=department_id,
        workstation_ids=workstation_ids,
        version=version,
    )


async def _department_id(
    uow: UnitOfWork, draft: EmployeeDraft, errors: dict[str, str]
) -> int | None:
    if "department" in errors:
        return None
    if draft.department is not None and draft.department.strip():
        return await _named_department(uow, draft.department, "department", errors)
    if draft.department_id is not None and await uow.departments.get(draft.department_id) is None:
        errors["department_id"] = f"no department with id {draft.department_id}"
        return None
    return draft.department_id


async def _workstation_ids(
    uow: UnitOfWork, draft: EmployeeDraft, errors: dict[str, str]
) -> tuple[int, ...]:
    if "workstations" in errors:
        return ()
    ids: list[int] = []
    unknown: list[str] = []
    for name in hostnames(draft.workstations):
        found = await uow.workstations.by_hostname(name)
        if found is None or found.id is None:
            unknown.append(name)
        else:
            ids.append(found.id)
    if unknown:
        errors["workstations"] = f"unknown workstation(s): {', '.join(unknown)}"
    return tuple(sorted(set(ids)))  # a set: stored in id order


async def hostnames_of(uow: UnitOfWork, employee: Employee) -> tuple[str, ...]:
    """The host names of an employee's workstations (for a draft of the stored employee)."""
    found = [await uow.workstations.get(i) for i in employee.workstation_ids]
    return tuple(w.hostname for w in found if w is not None)


async def department_from_draft(
    uow: UnitOfWork,
    draft: DepartmentDraft,
    *,
    department_id: int | None = None,
    version: int = 1,
) -> Department:
    errors: dict[str, str] = {}
    try:
        valid: ValidDepartment | None = validate_department(draft)
    except ValidationFailed as error:
        errors.update(error.errors)
        valid = None
    parent_id = await _parent_id(uow, draft, errors)
    if (
        draft.head_employee_id is not None
        and await uow.employees.get(draft.head_employee_id) is None
    ):
        errors["head_employee_id"] = f"no employee with id {draft.head_employee_id}"
    if valid is None or errors:
        raise ValidationFailed(errors, "department not saved")
    return Department(
        id=department_id,
        name=valid.name,
        parent_id=parent_id,
        head_employee_id=valid.head_employee_id,
        version=version,
    )


async def _parent_id(uow: UnitOfWork, draft: DepartmentDraft, errors: dict[str, str]) -> int | None:
    if "parent" in errors:
        return None
    if draft.parent is not None and draft.parent.strip():
        return await _named_department(uow, draft.parent, "parent", errors)
    if draft.parent_id is not None and await uow.departments.get(draft.parent_id) is None:
        errors["parent_id"] = f"no department with id {draft.parent_id}"
        return None
    return draft.parent_id


async def _named_department(
    uow: UnitOfWork, name: str, field: str, errors: dict[str, str]
) -> int | None:
    """A department by name at any level (case and ё/е aside). The port's `by_name` looks
    under one parent only, and a draft names a department without its parent; departments
    number in the hundreds, so reading them all is cheap."""
    wanted = fold(name)
    found = [d for d in await all_departments(uow) if fold(d.name) == wanted]
    if not found:
        errors[field] = f"no department named {' '.join(name.split())!r}"
        return None
    if len(found) > 1:
        errors[field] = (
            f"{len(found)} departments are named {' '.join(name.split())!r}; give the id"
        )
        return None
    return found[0].id


async def all_departments(uow: UnitOfWork, batch: int = 500) -> list[Department]:
    rows: list[Department] = []
    after: int | None = None
    while True:
        page = await uow.departments.list(limit=batch, after_id=after)
        rows.extend(page)
        if len(page) < batch or page[-1].id is None:
            return rows
        after = page[-1].id
