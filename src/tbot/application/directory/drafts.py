"""Directory records as a person or a spreadsheet gives them, and their checking.

A draft holds raw values (text as typed, a department by name or id, workstations by host
name). `validate_*` turns it into clean values or raises one ValidationFailed that names every
bad field at once. Nothing here touches storage or a transport, so the Excel import reuses it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from tbot.application.ports.directory import PhoneNormalizer
from tbot.domain.directory import validation
from tbot.domain.directory.model import Department, Employee, EmployeeStatus, Workstation
from tbot.domain.errors import ValidationFailed

T = TypeVar("T")

# What people write in the status column, in either language.
_STATUS_WORDS: dict[str, EmployeeStatus] = {
    "": EmployeeStatus.ACTIVE,
    "active": EmployeeStatus.ACTIVE,
    "работает": EmployeeStatus.ACTIVE,
    "активен": EmployeeStatus.ACTIVE,
    "on_leave": EmployeeStatus.ON_LEAVE,
    "on leave": EmployeeStatus.ON_LEAVE,
    "в отпуске": EmployeeStatus.ON_LEAVE,
    "отпуск": EmployeeStatus.ON_LEAVE,
    "dismissed": EmployeeStatus.DISMISSED,
    "уволен": EmployeeStatus.DISMISSED,
    "уволена": EmployeeStatus.DISMISSED,
}
_LIST_SEPARATORS = re.compile(r"[,;\s]+")
_MAX_POSITION = 200
_MAX_ROOM = 50
_MAX_PERSONNEL_NUMBER = 32
_MAX_FREE_TEXT = 200


@dataclass(frozen=True, slots=True)
class EmployeeDraft:
    """An employee as typed. Give the department by name or by id, not both; workstations by
    host name (an item may hold several, separated by commas or spaces, as a cell does)."""

    last_name: str
    first_name: str
    middle_name: str = ""
    position: str = ""
    department: str | None = None
    department_id: int | None = None
    work_phone: str | None = None
    mobile_phone: str | None = None
    extension: str | None = None
    email: str | None = None
    telegram_username: str | None = None
    room: str = ""
    workstations: tuple[str, ...] = ()
    personnel_number: str | None = None
    status: str = EmployeeStatus.ACTIVE
    hired_on: date | str | None = None
    dismissed_on: date | str | None = None

    @classmethod
    def of(cls, employee: Employee, hosts: tuple[str, ...] = ()) -> EmployeeDraft:
        """The stored employee as a draft, so a partial change can be checked as a whole."""
        return cls(
            last_name=employee.last_name,
            first_name=employee.first_name,
            middle_name=employee.middle_name,
            position=employee.position,
            department_id=employee.department_id,
            work_phone=employee.work_phone,
            mobile_phone=employee.mobile_phone,
            extension=employee.extension,
            email=employee.email,
            telegram_username=employee.telegram_username,
            room=employee.room,
            workstations=hosts,
            personnel_number=employee.personnel_number,
            status=employee.status,
            hired_on=employee.hired_on,
            dismissed_on=employee.dismissed_on,
        )


@dataclass(frozen=True, slots=True)
class ValidEmployee:
    """Clean field values; the department (by name) and workstations (by host name) are still
    to be looked up, which needs storage and so belongs to the use case."""

    last_name: str
    first_name: str
    middle_name: str
    position: str
    department: str | None
    department_id: int | None
    work_phone: str | None
    mobile_phone: str | None
    extension: str | None
    email: str | None
    telegram_username: str | None
    room: str
    workstations: tuple[str, ...]
    personnel_number: str | None
    status: EmployeeStatus
    hired_on: date | None
    dismissed_on: date | None

    def to_employee(
        self,
        *,
        employee_id: int | None,
        department_id: int | None,
        workstation_ids: tuple[int, ...],
        version: int = 1,
    ) -> Employee:
        return Employee(
            id=employee_id,
            last_name=self.last_name,
            first_name=self.first_name,
            middle_name=self.middle_name,
            position=self.position,
            department_id=department_id,
            work_phone=self.work_phone,
            mobile_phone=self.mobile_phone,
            extension=self.extension,
            email=self.email,
            telegram_username=self.telegram_username,
            room=self.room,
            workstation_ids=workstation_ids,
            personnel_number=self.personnel_number,
            status=self.status,
            hired_on=self.hired_on,
            dismissed_on=self.dismissed_on,
            version=version,
        )


def validate_employee(draft: EmployeeDraft, phones: PhoneNormalizer) -> ValidEmployee:
    errors: dict[str, str] = {}

    def check(rule: Callable[[], T]) -> T | None:
        return _collect(errors, rule)

    last_name = check(lambda: validation.required_name(draft.last_name, "last_name"))
    first_name = check(lambda: validation.required_name(draft.first_name, "first_name"))
    middle_name = check(lambda: _optional_name(draft.middle_name, "middle_name"))
    position = check(lambda: _free_text(draft.position, "position", _MAX_POSITION))
    department = check(lambda: _department_name(draft.department, draft.department_id))
    work_phone = check(lambda: _optional(draft.work_phone, phones.normalize, "work_phone"))
    mobile_phone = check(lambda: _optional(draft.mobile_phone, phones.normalize, "mobile_phone"))
    extension = check(lambda: _optional(draft.extension, validation.extension, "extension"))
    email = check(lambda: _optional(draft.email, validation.email, "email"))
    telegram = check(
        lambda: _optional(
            draft.telegram_username, validation.telegram_username, "telegram_username"
        )
    )
    room = check(lambda: _free_text(draft.room, "room", _MAX_ROOM))
    hosts = check(lambda: hostnames(draft.workstations))
    personnel_number = check(lambda: _personnel_number(draft.personnel_number))
    status = check(lambda: _status(draft.status))
    hired_on = check(lambda: _date(draft.hired_on, "hired_on"))
    dismissed_on = check(lambda: _date(draft.dismissed_on, "dismissed_on"))
    if hired_on and dismissed_on and dismissed_on < hired_on:
        errors["dismissed_on"] = f"{dismissed_on.isoformat()} is before hired_on"
    if errors:
        raise ValidationFailed(errors, "employee not valid")
    assert last_name is not None
    assert first_name is not None
    assert status is not None
    return ValidEmployee(
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name or "",
        position=position or "",
        department=department,
        department_id=draft.department_id,
        work_phone=work_phone,
        mobile_phone=mobile_phone,
        extension=extension,
        email=email,
        telegram_username=telegram,
        room=room or "",
        workstations=hosts or (),
        personnel_number=personnel_number,
        status=status,
        hired_on=hired_on,
        dismissed_on=dismissed_on,
    )


@dataclass(frozen=True, slots=True)
class WorkstationDraft:
    """A workstation as typed; `addresses` items may hold several, like a spreadsheet cell."""

    hostname: str
    addresses: tuple[str, ...] = ()
    mac: str | None = None
    os: str = ""
    location: str = ""
    inventory_number: str | None = None

    @classmethod
    def of(cls, workstation: Workstation) -> WorkstationDraft:
        return cls(
            hostname=workstation.hostname,
            addresses=workstation.addresses,
            mac=workstation.mac,
            os=workstation.os,
            location=workstation.location,
            inventory_number=workstation.inventory_number,
        )


def validate_workstation(draft: WorkstationDraft) -> Workstation:
    """A clean, not yet stored workstation (id None): it has nothing to look up."""
    errors: dict[str, str] = {}
    hostname = _collect(errors, lambda: validation.hostname(draft.hostname))
    addresses = _collect(errors, lambda: _addresses(draft.addresses))
    mac = _collect(errors, lambda: _optional(draft.mac, validation.mac_address, "mac"))
    os_name = _collect(errors, lambda: _free_text(draft.os, "os", _MAX_FREE_TEXT))
    location = _collect(errors, lambda: _free_text(draft.location, "location", _MAX_FREE_TEXT))
    inventory = _collect(
        errors, lambda: _short_code(draft.inventory_number, "inventory_number", 64)
    )
    if errors:
        raise ValidationFailed(errors, "workstation not valid")
    assert hostname is not None
    return Workstation(
        id=None,
        hostname=hostname,
        addresses=addresses or (),
        mac=mac,
        os=os_name or "",
        location=location or "",
        inventory_number=inventory,
    )


@dataclass(frozen=True, slots=True)
class DepartmentDraft:
    """A department as typed; the parent by name (a top-level department) or by id."""

    name: str
    parent: str | None = None
    parent_id: int | None = None
    head_employee_id: int | None = None

    @classmethod
    def of(cls, department: Department) -> DepartmentDraft:
        return cls(
            name=department.name,
            parent_id=department.parent_id,
            head_employee_id=department.head_employee_id,
        )


@dataclass(frozen=True, slots=True)
class ValidDepartment:
    name: str
    parent: str | None  # a name still to look up
    parent_id: int | None
    head_employee_id: int | None


def validate_department(draft: DepartmentDraft) -> ValidDepartment:
    errors: dict[str, str] = {}
    name = _collect(errors, lambda: validation.required_name(draft.name, "name"))
    parent = _collect(errors, lambda: _parent_name(draft.parent, draft.parent_id))
    if errors:
        raise ValidationFailed(errors, "department not valid")
    assert name is not None
    return ValidDepartment(name, parent, draft.parent_id, draft.head_employee_id)


def _collect(errors: dict[str, str], rule: Callable[[], T]) -> T | None:
    try:
        return rule()
    except ValidationFailed as error:
        errors.update(error.errors)
        return None


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _optional(value: str | None, rule: Callable[[str, str], str], field: str) -> str | None:
    """An empty cell means "none"; anything else must pass the field's rule."""
    return None if value is None or _blank(value) else rule(value, field)


def _optional_name(value: str, field: str) -> str:
    return "" if _blank(value) else validation.required_name(value, field)


def _free_text(value: str, field: str, limit: int) -> str:
    text = " ".join(value.split())
    if len(text) > limit:
        raise ValidationFailed({field: f"at most {limit} characters"})
    return text


def _short_code(value: str | None, field: str, limit: int) -> str | None:
    if value is None or _blank(value):
        return None
    text = value.strip()
    if len(text) > limit or any(ch.isspace() for ch in text):
        raise ValidationFailed({field: f"at most {limit} characters, no spaces: {value!r}"})
    return text


def _telegram(value: str | None) -> str | None:
    return _optional(value, validation.telegram_username, "telegram_username")


def _personnel_number(value: str | None) -> str | None:
    return _short_code(value, "personnel_number", _MAX_PERSONNEL_NUMBER)


def _department_name(name: str | None, department_id: int | None) -> str | None:
    if name is None or _blank(name):
        return None
    if department_id is not None:
        raise ValidationFailed({"department": "give the department's name or its id, not both"})
    return validation.required_name(name, "department")


def _parent_name(name: str | None, parent_id: int | None) -> str | None:
    if name is None or _blank(name):
        return None
    if parent_id is not None:
        raise ValidationFailed({"parent": "give the parent's name or its id, not both"})
    return validation.required_name(name, "parent")


def _items(values: Iterable[str]) -> list[str]:
    return [item for value in values for item in _LIST_SEPARATORS.split(value) if item]


def hostnames(values: tuple[str, ...]) -> tuple[str, ...]:
    """Host names from draft items (each may hold several), checked, without repeats."""
    names = (validation.hostname(item, "workstations") for item in _items(values))
    return tuple(dict.fromkeys(names))


def _addresses(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(validation.ip_address(item) for item in _items(values)))


def _status(value: str) -> EmployeeStatus:
    found = _STATUS_WORDS.get(" ".join(value.lower().replace("ё", "е").split()))
    if found is None:
        choices = ", ".join(s.value for s in EmployeeStatus)
        raise ValidationFailed({"status": f"one of {choices}; got {value!r}"})
    return found


def _date(value: date | str | None, field: str) -> date | None:
    """A date, a datetime (a spreadsheet cell), "2024-03-01" or "01.03.2024"."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    for parse in (_iso_date, _russian_date):
        try:
            return parse(text)
        except ValueError:
            continue
    raise ValidationFailed({field: f"not a date (YYYY-MM-DD or DD.MM.YYYY): {value!r}"})


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.fromisoformat(text).date()


def _russian_date(text: str) -> date:
    return datetime.strptime(text, "%d.%m.%Y").date()
