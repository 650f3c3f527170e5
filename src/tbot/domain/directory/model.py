from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class EmployeeStatus(StrEnum):
    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class Department:
    id: int | None
    name: str
    parent_id: int | None = None
    head_employee_id: int | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Workstation:
    id: int | None
    hostname: str  # lowercased
    addresses: tuple[str, ...] = ()  # IPv4/IPv6, normalised by ipaddress
    mac: str | None = None  # aa:bb:cc:dd:ee:ff
    os: str = ""
    location: str = ""
    inventory_number: str | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Employee:
    id: int | None
    last_name: str
    first_name: str
    middle_name: str = ""
    position: str = ""
    department_id: int | None = None
    work_phone: str | None = None  # E.164
    mobile_phone: str | None = None  # E.164
    extension: str | None = None  # digits
    email: str | None = None  # lowercased
    telegram_username: str | None = None  # without @, lowercased
    room: str = ""
    workstation_ids: tuple[int, ...] = ()
    personnel_number: str | None = None
    status: EmployeeStatus = EmployeeStatus.ACTIVE
    hired_on: date | None = None
    dismissed_on: date | None = None
    version: int = 1

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """Иванов И. И."""
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()
