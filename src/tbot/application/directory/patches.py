"""Partial changes: a field left UNSET keeps its stored value. A change is applied to the
stored record's draft and the result is checked as a whole, so cross-field rules still hold."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from enum import Enum
from typing import Any, Final, TypeVar, overload

from tbot.application.directory.drafts import DepartmentDraft, EmployeeDraft, WorkstationDraft


class Unset(Enum):
    UNSET = "unset"


UNSET: Final = Unset.UNSET

D = TypeVar("D", EmployeeDraft, WorkstationDraft, DepartmentDraft)

# A reference given by name replaces one given by id, and the other way round.
_ALTERNATIVES = {
    "department": "department_id",
    "department_id": "department",
    "parent": "parent_id",
    "parent_id": "parent",
}


@dataclass(frozen=True, slots=True)
class EmployeePatch:
    last_name: str | Unset = UNSET
    first_name: str | Unset = UNSET
    middle_name: str | Unset = UNSET
    position: str | Unset = UNSET
    department: str | Unset | None = UNSET
    department_id: int | Unset | None = UNSET
    work_phone: str | Unset | None = UNSET
    mobile_phone: str | Unset | None = UNSET
    extension: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    telegram_username: str | Unset | None = UNSET
    room: str | Unset = UNSET
    workstations: tuple[str, ...] | Unset = UNSET
    personnel_number: str | Unset | None = UNSET
    status: str | Unset = UNSET
    hired_on: date | str | Unset | None = UNSET
    dismissed_on: date | str | Unset | None = UNSET


@dataclass(frozen=True, slots=True)
class WorkstationPatch:
    hostname: str | Unset = UNSET
    addresses: tuple[str, ...] | Unset = UNSET
    mac: str | Unset | None = UNSET
    os: str | Unset = UNSET
    location: str | Unset = UNSET
    inventory_number: str | Unset | None = UNSET


@dataclass(frozen=True, slots=True)
class DepartmentPatch:
    name: str | Unset = UNSET
    parent: str | Unset | None = UNSET
    parent_id: int | Unset | None = UNSET
    head_employee_id: int | Unset | None = UNSET


def given(patch: EmployeePatch | WorkstationPatch | DepartmentPatch) -> dict[str, Any]:
    """The fields a patch sets."""
    values = {f.name: getattr(patch, f.name) for f in fields(patch)}
    return {name: value for name, value in values.items() if value is not UNSET}


@overload
def apply(draft: EmployeeDraft, patch: EmployeePatch) -> EmployeeDraft: ...
@overload
def apply(draft: WorkstationDraft, patch: WorkstationPatch) -> WorkstationDraft: ...
@overload
def apply(draft: DepartmentDraft, patch: DepartmentPatch) -> DepartmentDraft: ...
def apply(draft: D, patch: EmployeePatch | WorkstationPatch | DepartmentPatch) -> D:
    """The draft with the patch's fields set."""
    changes = given(patch)
    for name in list(changes):
        other = _ALTERNATIVES.get(name)
        if other and other not in changes and changes[name] is not None:
            changes[other] = None
    return replace(draft, **changes)
