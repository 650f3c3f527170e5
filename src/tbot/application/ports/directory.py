"""Ports of the employee directory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from tbot.domain.directory.model import Department, Employee, EmployeeStatus, Workstation


class PhoneNormalizer(Protocol):
    def normalize(self, raw: str, field: str) -> str:
        """E.164 (+74951234567) or ValidationFailed naming the field."""
        ...


class DepartmentRepository(Protocol):
    async def get(self, department_id: int) -> Department | None: ...

    async def names(self, department_ids: Sequence[int]) -> dict[int, str]:
        """The names of those of the departments that exist, by id, in one read."""
        ...

    async def by_name(self, name: str, parent_id: int | None = None) -> Department | None: ...

    async def add(self, department: Department) -> Department: ...

    async def update(self, department: Department) -> Department:
        """Conflict if `department.version` is stale; returns the stored, version+1."""
        ...

    async def delete(self, department_id: int, version: int) -> None: ...

    async def list(self, *, limit: int = 100, after_id: int | None = None) -> list[Department]: ...

    async def add_many(self, departments: Sequence[Department]) -> Sequence[Department]:
        """Stores them in a few statements (an import's new departments); the stored, in the
        order given. Conflict naming a name that is taken."""
        ...


class WorkstationRepository(Protocol):
    async def get(self, workstation_id: int) -> Workstation | None: ...

    async def get_many(self, workstation_ids: Sequence[int]) -> dict[int, Workstation]:
        """Those of the workstations that exist, by id, in one read."""
        ...

    async def by_hostname(self, hostname: str) -> Workstation | None: ...

    async def add(self, workstation: Workstation) -> Workstation: ...

    async def update(self, workstation: Workstation) -> Workstation: ...

    async def delete(self, workstation_id: int, version: int) -> None: ...

    async def list(self, *, limit: int = 100, after_id: int | None = None) -> list[Workstation]: ...

    async def all_for_import(self) -> Sequence[Workstation]:
        """Every workstation: an import compares the file against them."""
        ...

    async def add_many(self, workstations: Sequence[Workstation]) -> Sequence[Workstation]:
        """Stores them in a few statements, whatever their number; the stored, in the order
        given. Conflict naming a host name, MAC or inventory number that is taken."""
        ...

    async def update_many(self, workstations: Sequence[Workstation]) -> Sequence[Workstation]:
        """`update` for each, in a few statements: Conflict if any version is stale."""
        ...


@dataclass(frozen=True, slots=True)
class EmployeeFilter:
    department_id: int | None = None
    status: EmployeeStatus | None = None
    include_dismissed: bool = False


class EmployeeRepository(Protocol):
    async def get(self, employee_id: int) -> Employee | None: ...

    async def by_personnel_number(self, number: str) -> Employee | None: ...

    async def by_email(self, email: str) -> Employee | None: ...

    async def add(self, employee: Employee) -> Employee:
        """Conflict naming the field for a duplicate personnel number or email."""
        ...

    async def update(self, employee: Employee) -> Employee:
        """Conflict if `employee.version` is stale; returns the stored, version+1."""
        ...

    async def list(
        self, where: EmployeeFilter, *, limit: int = 100, after_id: int | None = None
    ) -> list[Employee]: ...

    async def all_for_import(self) -> Sequence[Employee]:
        """Every employee, dismissed included: an import compares the file against them."""
        ...

    async def add_many(self, employees: Sequence[Employee]) -> Sequence[Employee]:
        """`add` for each, in a few statements whatever their number (an import's rows); the
        stored, in the order given."""
        ...

    async def update_many(self, employees: Sequence[Employee]) -> Sequence[Employee]:
        """`update` for each, in a few statements: Conflict if any version is stale."""
        ...


class SearchKind(StrEnum):
    NAME = "name"
    PHONE = "phone"
    HOSTNAME = "hostname"
    IP = "ip"
    IP_PREFIX = "ip_prefix"
    CIDR = "cidr"
    MAC = "mac"
    DEPARTMENT = "department"


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """What a query string means, decided by the application (the parser), run by the
    adapter as index-backed SQL."""

    kind: SearchKind
    # For NAME: the readings of each typed word (see tbot.domain.directory.text.name_variants);
    # an initial ("И.") is a one-letter reading.
    terms: tuple[tuple[str, ...], ...] = ()
    value: str = ""  # phone digits / hostname prefix / ip / prefix / cidr / mac
    where: EmployeeFilter = field(default_factory=EmployeeFilter)
    limit: int = 20
    after: tuple[float, int] | None = None  # cursor: (score, id) of the last result


@dataclass(frozen=True, slots=True)
class SearchHit:
    employee: Employee
    score: float
    matched: str  # which field matched, for the user's eye ("phone", "name", "hostname"...)


class DirectorySearch(Protocol):
    async def search(self, plan: SearchPlan) -> list[SearchHit]: ...


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int | None
    entity: str  # "employee" | "department" | "workstation"
    entity_id: int
    changes: tuple[FieldChange, ...]
    actor: str
    channel: str
    request_id: str
    at: datetime | None = None


class HistoryRepository(Protocol):
    async def add(self, entry: HistoryEntry) -> None: ...

    async def add_many(self, entries: Sequence[HistoryEntry]) -> None:
        """`add` for each, in one statement whatever their number."""
        ...

    async def for_entity(
        self, entity: str, entity_id: int, *, limit: int = 100, before_id: int | None = None
    ) -> list[HistoryEntry]: ...
