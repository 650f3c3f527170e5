"""In-memory fakes of the ports, faithful to their contracts (rollback unless committed)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self, TypeVar

from tbot.application.ports.audit import AuditFilter
from tbot.application.ports.cluster import NodeBeat
from tbot.application.ports.directory import EmployeeFilter, HistoryEntry
from tbot.application.ports.jobs import OutboxEntry
from tbot.application.ports.secrets import SecretStoreStatus
from tbot.application.ports.settings import StoredSetting
from tbot.domain.audit import AuditEvent
from tbot.domain.cluster.errors import FencedOut
from tbot.domain.directory.model import Department, Employee, EmployeeStatus, Workstation
from tbot.domain.directory.text import fold
from tbot.domain.errors import Conflict, NotFound, ValidationFailed
from tbot.domain.identity.credentials import ApiToken, RefreshToken
from tbot.domain.identity.roles import BUILTIN_ROLES, Role
from tbot.domain.identity.users import User
from tbot.domain.identity.verification import EmailVerification
from tbot.domain.settings import SettingValue

T = TypeVar("T")


@dataclass
class FakeOutboxRow:
    entry: OutboxEntry
    relayed_at: datetime | None = None
    last_error: str = ""


@dataclass
class _State:
    settings: dict[str, StoredSetting] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    nodes: dict[str, NodeBeat] = field(default_factory=dict)
    fencing_tokens: dict[str, int] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=lambda: {r.name: r for r in BUILTIN_ROLES})
    refresh_tokens: dict[int, RefreshToken] = field(default_factory=dict)
    api_tokens: dict[int, ApiToken] = field(default_factory=dict)
    verifications: dict[int, EmailVerification] = field(default_factory=dict)
    departments: dict[int, Department] = field(default_factory=dict)
    workstations: dict[int, Workstation] = field(default_factory=dict)
    employees: dict[int, Employee] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    outbox: dict[int, FakeOutboxRow] = field(default_factory=dict)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        self.mono = 1000.0

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)
        self.mono += seconds


class FakeSettingsRepository:
    def __init__(self, state: _State, clock: FakeClock) -> None:
        self._state = state
        self._clock = clock

    async def get(self, name: str) -> StoredSetting | None:
        return self._state.settings.get(name)

    async def list(self) -> list[StoredSetting]:
        return sorted(self._state.settings.values(), key=lambda s: s.name)

    async def put(
        self, name: str, value: SettingValue, *, expected_version: int | None, by: str
    ) -> StoredSetting:
        current = self._state.settings.get(name)
        current_version = current.version if current else 0
        if expected_version is not None and expected_version != current_version:
            raise Conflict(f"setting {name!r} was changed by someone else")
        row = StoredSetting(name, value, current_version + 1, self._clock.now(), by)
        self._state.settings[name] = row
        return row

    async def delete(self, name: str, *, expected_version: int | None) -> StoredSetting | None:
        current = self._state.settings.get(name)
        if current is None:
            return None
        if expected_version is not None and current.version != expected_version:
            raise Conflict(f"setting {name!r} was changed by someone else")
        return self._state.settings.pop(name)


class FakeAuditLog:
    def __init__(self, state: _State) -> None:
        self._state = state

    async def add(self, event: AuditEvent) -> None:
        self._state.audit.append(replace(event, id=self._state.new_id(), at=datetime.now(UTC)))

    async def search(
        self, where: AuditFilter, *, before_id: int | None = None, limit: int = 100
    ) -> list[AuditEvent]:
        def keep(e: AuditEvent) -> bool:
            return (
                (where.actor is None or e.actor.name == where.actor)
                and (where.action is None or e.action == where.action)
                and (where.target_type is None or e.target_type == where.target_type)
                and (where.target_id is None or e.target_id == where.target_id)
                and (where.channel is None or e.actor.channel.value == where.channel)
                and (before_id is None or (e.id or 0) < before_id)
            )

        return [e for e in reversed(self._state.audit) if keep(e)][:limit]

    async def recent(self, limit: int = 50) -> list[AuditEvent]:
        return list(reversed(self._state.audit))[:limit]


class FakeNodeRepository:
    def __init__(self, state: _State) -> None:
        self._state = state

    async def beat(self, beat: NodeBeat) -> None:
        self._state.nodes[beat.node_id] = beat

    async def list(self) -> list[NodeBeat]:
        return sorted(self._state.nodes.values(), key=lambda b: b.node_id)


class FakeLeadershipRepository:
    def __init__(self, state: _State) -> None:
        self._state = state

    async def fence(self, name: str, token: int, holder: str) -> None:
        newest = self._state.fencing_tokens.get(name)
        if newest is not None and newest > token:
            raise FencedOut(name, token, newest)
        self._state.fencing_tokens[name] = token

    async def newest(self, name: str) -> int | None:
        return self._state.fencing_tokens.get(name)


class FakeUnitOfWork:
    """Works on a copy of the committed state; `commit()` publishes it, leaving drops it."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.committed_state = _State()
        self.clock = clock or FakeClock()
        self.commits = 0

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self.committed_state)
        self.settings = FakeSettingsRepository(self._working, self.clock)
        self.audit = FakeAuditLog(self._working)
        self.nodes = FakeNodeRepository(self._working)
        self.leadership = FakeLeadershipRepository(self._working)
        self.users = FakeUserRepository(self._working, self.clock)
        self.roles = FakeRoleRepository(self._working)
        self.refresh_tokens = FakeRefreshTokens(self._working)
        self.api_tokens = FakeApiTokens(self._working)
        self.verifications = FakeVerifications(self._working)
        self.departments = FakeDepartmentRepository(self._working)
        self.workstations = FakeWorkstationRepository(self._working)
        self.employees = FakeEmployeeRepository(self._working)
        self.history = FakeHistoryRepository(self._working, self.clock)
        self.outbox = FakeOutbox(self._working, self.clock)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self._working

    async def commit(self) -> None:
        self.committed_state = copy.deepcopy(self._working)
        self.commits += 1

    async def rollback(self) -> None:
        self._working = copy.deepcopy(self.committed_state)


class FakeSecretStore:
    def __init__(self, available: bool = True) -> None:
        self.values: dict[str, str] = {}
        self.available = available

    def status(self) -> SecretStoreStatus:
        if self.available:
            return SecretStoreStatus(True, "fake")
        return SecretStoreStatus(False, "fake", "no keyring in this test")

    async def get(self, name: str) -> str | None:
        return self.values.get(name)

    async def set(self, name: str, value: str) -> None:
        self.values[name] = value

    async def delete(self, name: str) -> bool:
        return self.values.pop(name, None) is not None


class FakeEnvironment:
    """Keyed like the real process environment: TBOT_<NAME>."""

    def __init__(self, values: dict[str, str] | None = None, development: bool = True) -> None:
        self.values = values or {}
        self.development = development

    def get(self, name: str) -> str | None:
        return self.values.get(f"TBOT_{name.upper()}")

    @property
    def is_development(self) -> bool:
        return self.development


class FakeUserRepository:
    def __init__(self, state: _State, clock: FakeClock) -> None:
        self._state = state
        self._clock = clock

    async def get(self, user_id: int) -> User | None:
        return self._state.users.get(user_id)

    async def _find(self, **field_value: object) -> User | None:
        ((name, value),) = field_value.items()
        return next((u for u in self._state.users.values() if getattr(u, name) == value), None)

    async def by_login(self, login: str) -> User | None:
        return await self._find(login=login)

    async def by_email(self, email: str) -> User | None:
        return await self._find(email=email)

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        return await self._find(telegram_id=telegram_id)

    def _check_unique(self, user: User) -> None:
        for other in self._state.users.values():
            if other.id == user.id:
                continue
            for name in ("login", "email", "telegram_id"):
                value = getattr(user, name)
                if value is not None and getattr(other, name) == value:
                    raise Conflict(f"{name} {value!r} is taken")
        unknown = [r for r in user.roles if r not in self._state.roles]
        if unknown:
            raise ValidationFailed({"roles": f"unknown role(s): {', '.join(unknown)}"})

    async def add(self, user: User) -> User:
        self._check_unique(user)
        stored = replace(user, id=self._state.new_id(), created_at=self._clock.now(), version=1)
        self._state.users[stored.id or 0] = stored
        return stored

    async def update(self, user: User) -> User:
        assert user.id is not None
        current = self._state.users.get(user.id)
        if current is None or current.version != user.version:
            raise Conflict(f"user {user.id} was changed by someone else")
        self._check_unique(user)
        stored = replace(user, version=user.version + 1)
        self._state.users[user.id] = stored
        return stored

    async def list(self, *, limit: int = 100, after_id: int | None = None) -> list[User]:
        users = sorted(self._state.users.values(), key=lambda u: u.id or 0)
        return [u for u in users if after_id is None or (u.id or 0) > after_id][:limit]

    async def count_admins(self) -> int:
        return sum(1 for u in self._state.users.values() if "admin" in u.roles and not u.disabled)


class FakeRoleRepository:
    def __init__(self, state: _State) -> None:
        self._state = state

    async def list(self) -> list[Role]:
        return sorted(self._state.roles.values(), key=lambda r: r.name)

    async def get(self, name: str) -> Role | None:
        return self._state.roles.get(name)

    async def save(self, role: Role) -> None:
        self._state.roles[role.name] = role


class FakeRefreshTokens:
    def __init__(self, state: _State) -> None:
        self._state = state

    async def add(self, token: RefreshToken) -> RefreshToken:
        stored = replace(token, id=self._state.new_id())
        self._state.refresh_tokens[stored.id or 0] = stored
        return stored

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        found = (t for t in self._state.refresh_tokens.values() if t.token_hash == token_hash)
        return next(found, None)

    async def mark_used(self, token_id: int, at: datetime) -> None:
        token = self._state.refresh_tokens[token_id]
        self._state.refresh_tokens[token_id] = replace(token, used_at=at)

    async def _revoke(self, keep: object, at: datetime) -> int:
        count = 0
        for key, token in list(self._state.refresh_tokens.items()):
            if keep(token) and token.revoked_at is None:  # type: ignore[operator]
                self._state.refresh_tokens[key] = replace(token, revoked_at=at)
                count += 1
        return count

    async def revoke_family(self, family_id: str, at: datetime) -> int:
        return await self._revoke(lambda t: t.family_id == family_id, at)

    async def revoke_user(self, user_id: int, at: datetime) -> int:
        return await self._revoke(lambda t: t.user_id == user_id, at)


class FakeApiTokens:
    def __init__(self, state: _State) -> None:
        self._state = state

    async def add(self, token: ApiToken) -> ApiToken:
        stored = replace(token, id=self._state.new_id(), created_at=datetime.now(UTC))
        self._state.api_tokens[stored.id or 0] = stored
        return stored

    async def by_prefix(self, prefix: str) -> ApiToken | None:
        return next((t for t in self._state.api_tokens.values() if t.prefix == prefix), None)

    async def get(self, token_id: int) -> ApiToken | None:
        return self._state.api_tokens.get(token_id)

    async def list(self) -> list[ApiToken]:
        return list(self._state.api_tokens.values())

    async def revoke(self, token_id: int, at: datetime) -> None:
        self._state.api_tokens[token_id] = replace(self._state.api_tokens[token_id], revoked_at=at)

    async def touch(self, token_id: int, at: datetime) -> None:
        token = self._state.api_tokens[token_id]
        self._state.api_tokens[token_id] = replace(token, last_used_at=at)


class FakeVerifications:
    def __init__(self, state: _State) -> None:
        self._state = state

    async def get(self, telegram_id: int) -> EmailVerification | None:
        return self._state.verifications.get(telegram_id)

    async def save(self, verification: EmailVerification) -> None:
        self._state.verifications[verification.telegram_id] = verification

    async def delete(self, telegram_id: int) -> None:
        self._state.verifications.pop(telegram_id, None)


def _by_id(rows: dict[int, T], limit: int, after_id: int | None) -> list[T]:
    """Rows in id order after the cursor, as keyset pagination gives them."""
    keys = [key for key in sorted(rows) if after_id is None or key > after_id]
    return [rows[key] for key in keys[:limit]]


class FakeDepartmentRepository:
    """Names are unique among siblings (case and ё/е aside); a department with employees or
    sub-departments cannot go, as the foreign keys would refuse."""

    def __init__(self, state: _State) -> None:
        self._state = state

    async def get(self, department_id: int) -> Department | None:
        return self._state.departments.get(department_id)

    async def by_name(self, name: str, parent_id: int | None = None) -> Department | None:
        wanted = fold(name)
        found = (
            d
            for d in self._state.departments.values()
            if fold(d.name) == wanted and d.parent_id == parent_id
        )
        return next(found, None)

    def _check_unique(self, department: Department) -> None:
        twin = next(
            (
                d
                for d in self._state.departments.values()
                if d.id != department.id
                and d.parent_id == department.parent_id
                and fold(d.name) == fold(department.name)
            ),
            None,
        )
        if twin is not None:
            raise Conflict(f"name {department.name!r} is taken under this parent")

    async def add(self, department: Department) -> Department:
        self._check_unique(department)
        stored = replace(department, id=self._state.new_id(), version=1)
        self._state.departments[stored.id or 0] = stored
        return stored

    async def update(self, department: Department) -> Department:
        assert department.id is not None
        current = self._state.departments.get(department.id)
        if current is None or current.version != department.version:
            raise Conflict(f"department {department.id} was changed by someone else")
        self._check_unique(department)
        stored = replace(department, version=department.version + 1)
        self._state.departments[department.id] = stored
        return stored

    async def delete(self, department_id: int, version: int) -> None:
        current = self._state.departments.get(department_id)
        if current is None:
            raise NotFound("department", department_id)
        if current.version != version:
            raise Conflict(f"department {department_id} was changed by someone else")
        in_use = any(e.department_id == department_id for e in self._state.employees.values())
        parent = any(d.parent_id == department_id for d in self._state.departments.values())
        if in_use or parent:
            raise Conflict(f"department {department_id} is still referenced")
        del self._state.departments[department_id]

    async def list(self, *, limit: int = 100, after_id: int | None = None) -> list[Department]:
        return _by_id(self._state.departments, limit, after_id)

    async def add_many(self, departments: Sequence[Department]) -> list[Department]:
        return [await self.add(department) for department in departments]


class FakeWorkstationRepository:
    """Host names, MACs and inventory numbers are unique; deleting a workstation unlinks it
    from the employees who used it (the link rows cascade, their versions stay)."""

    def __init__(self, state: _State) -> None:
        self._state = state

    async def get(self, workstation_id: int) -> Workstation | None:
        return self._state.workstations.get(workstation_id)

    async def by_hostname(self, hostname: str) -> Workstation | None:
        found = (w for w in self._state.workstations.values() if w.hostname == hostname.lower())
        return next(found, None)

    def _check_unique(self, workstation: Workstation) -> None:
        for other in self._state.workstations.values():
            if other.id == workstation.id:
                continue
            for name in ("hostname", "mac", "inventory_number"):
                value = getattr(workstation, name)
                if value is not None and getattr(other, name) == value:
                    raise Conflict(f"{name} {value!r} is taken by another workstation")

    async def add(self, workstation: Workstation) -> Workstation:
        self._check_unique(workstation)
        stored = replace(workstation, id=self._state.new_id(), version=1)
        self._state.workstations[stored.id or 0] = stored
        return stored

    async def update(self, workstation: Workstation) -> Workstation:
        assert workstation.id is not None
        current = self._state.workstations.get(workstation.id)
        if current is None or current.version != workstation.version:
            raise Conflict(f"workstation {workstation.id} was changed by someone else")
        self._check_unique(workstation)
        stored = replace(workstation, version=workstation.version + 1)
        self._state.workstations[workstation.id] = stored
        return stored

    async def delete(self, workstation_id: int, version: int) -> None:
        current = self._state.workstations.get(workstation_id)
        if current is None:
            raise NotFound("workstation", workstation_id)
        if current.version != version:
            raise Conflict(f"workstation {workstation_id} was changed by someone else")
        del self._state.workstations[workstation_id]
        for key, employee in self._state.employees.items():
            if workstation_id in employee.workstation_ids:
                kept = tuple(i for i in employee.workstation_ids if i != workstation_id)
                self._state.employees[key] = replace(employee, workstation_ids=kept)

    async def list(self, *, limit: int = 100, after_id: int | None = None) -> list[Workstation]:
        return _by_id(self._state.workstations, limit, after_id)

    async def all_for_import(self) -> list[Workstation]:
        return _by_id(self._state.workstations, len(self._state.workstations), None)

    async def add_many(self, workstations: Sequence[Workstation]) -> list[Workstation]:
        return [await self.add(workstation) for workstation in workstations]

    async def update_many(self, workstations: Sequence[Workstation]) -> list[Workstation]:
        return [await self.update(workstation) for workstation in workstations]


class FakeEmployeeRepository:
    """Personnel numbers and emails are unique (a Conflict names the field); every write
    checks the version; workstation ids are a set, kept in id order."""

    def __init__(self, state: _State) -> None:
        self._state = state

    async def get(self, employee_id: int) -> Employee | None:
        return self._state.employees.get(employee_id)

    async def by_personnel_number(self, number: str) -> Employee | None:
        found = (e for e in self._state.employees.values() if e.personnel_number == number)
        return next(found, None)

    async def by_email(self, email: str) -> Employee | None:
        found = (e for e in self._state.employees.values() if e.email == email.lower())
        return next(found, None)

    def _check_unique(self, employee: Employee) -> None:
        for other in self._state.employees.values():
            if other.id == employee.id:
                continue
            for name in ("personnel_number", "email"):
                value = getattr(employee, name)
                if value is not None and getattr(other, name) == value:
                    raise Conflict(f"{name} {value!r} belongs to employee {other.id}")

    def _check_links(self, employee: Employee) -> tuple[int, ...]:
        ids = tuple(sorted(set(employee.workstation_ids)))
        unknown = [str(i) for i in ids if i not in self._state.workstations]
        if unknown:
            raise ValidationFailed(
                {"workstation_ids": f"unknown workstation(s): {', '.join(unknown)}"}
            )
        return ids

    async def add(self, employee: Employee) -> Employee:
        self._check_unique(employee)
        ids = self._check_links(employee)
        stored = replace(employee, id=self._state.new_id(), workstation_ids=ids, version=1)
        self._state.employees[stored.id or 0] = stored
        return stored

    async def update(self, employee: Employee) -> Employee:
        assert employee.id is not None
        current = self._state.employees.get(employee.id)
        if current is None or current.version != employee.version:
            raise Conflict(f"employee {employee.id} was changed by someone else")
        self._check_unique(employee)
        ids = self._check_links(employee)
        stored = replace(employee, workstation_ids=ids, version=employee.version + 1)
        self._state.employees[employee.id] = stored
        return stored

    async def list(
        self, where: EmployeeFilter, *, limit: int = 100, after_id: int | None = None
    ) -> list[Employee]:
        rows = _by_id(self._state.employees, len(self._state.employees), after_id)
        return [e for e in rows if matches(e, where)][:limit]

    async def all_for_import(self) -> list[Employee]:
        return _by_id(self._state.employees, len(self._state.employees), None)

    async def add_many(self, employees: Sequence[Employee]) -> list[Employee]:
        return [await self.add(employee) for employee in employees]

    async def update_many(self, employees: Sequence[Employee]) -> list[Employee]:
        return [await self.update(employee) for employee in employees]


def matches(employee: Employee, where: EmployeeFilter) -> bool:
    """The filter as the port means it: the dismissed only when asked for, by the flag or by
    their status."""
    if where.department_id is not None and employee.department_id != where.department_id:
        return False
    if where.status is not None:
        return employee.status == where.status
    return where.include_dismissed or employee.status is not EmployeeStatus.DISMISSED


class FakeHistoryRepository:
    def __init__(self, state: _State, clock: FakeClock) -> None:
        self._state = state
        self._clock = clock

    async def add(self, entry: HistoryEntry) -> None:
        stored = replace(entry, id=self._state.new_id(), at=entry.at or self._clock.now())
        self._state.history.append(stored)

    async def add_many(self, entries: Sequence[HistoryEntry]) -> None:
        for entry in entries:
            await self.add(entry)

    async def for_entity(
        self, entity: str, entity_id: int, *, limit: int = 100, before_id: int | None = None
    ) -> list[HistoryEntry]:
        """Newest first; `before_id` is the id of the last entry of the previous page."""
        return [
            h
            for h in reversed(self._state.history)
            if h.entity == entity
            and h.entity_id == entity_id
            and (before_id is None or (h.id or 0) < before_id)
        ][:limit]


class FakeOutbox:
    """Claims every waiting entry (one unit of work at a time: no locks to skip)."""

    def __init__(self, state: _State, clock: FakeClock) -> None:
        self._state = state
        self._clock = clock

    async def add(self, job: str, *args: object) -> OutboxEntry:
        entry = OutboxEntry(self._state.new_id(), job, args, 0, self._clock.now())
        self._state.outbox[entry.id] = FakeOutboxRow(entry)
        return entry

    async def claim(self, limit: int) -> list[OutboxEntry]:
        waiting = [r.entry for r in self._state.outbox.values() if r.relayed_at is None]
        return sorted(waiting, key=lambda e: e.id)[:limit]

    async def mark_relayed(self, ids: Sequence[int]) -> None:
        for entry_id in ids:
            self._state.outbox[entry_id].relayed_at = self._clock.now()

    async def mark_failed(self, entry_id: int, error: str) -> None:
        row = self._state.outbox[entry_id]
        row.entry = replace(row.entry, attempts=row.entry.attempts + 1)
        row.last_error = error

    async def purge(self, relayed_before: datetime) -> int:
        old = [
            i
            for i, r in self._state.outbox.items()
            if r.relayed_at and r.relayed_at < relayed_before
        ]
        for entry_id in old:
            del self._state.outbox[entry_id]
        return len(old)

    async def waiting(self) -> int:
        return sum(1 for r in self._state.outbox.values() if r.relayed_at is None)
