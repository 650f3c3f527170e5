"""Fakes of the directory ports that live outside the unit of work."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import timedelta, timezone

from tbot.application.directory.drafts import DepartmentDraft, EmployeeDraft, WorkstationDraft
from tbot.application.directory.get_history import GetHistory
from tbot.application.directory.manage_departments import (
    CreateDepartment,
    DeleteDepartment,
    ListDepartments,
    UpdateDepartment,
)
from tbot.application.directory.manage_employees import (
    AssignWorkstations,
    CreateEmployee,
    DismissEmployee,
    UpdateEmployee,
)
from tbot.application.directory.manage_workstations import (
    CreateWorkstation,
    DeleteWorkstation,
    ListWorkstations,
    UpdateWorkstation,
)
from tbot.application.directory.read_employees import GetEmployee, ListEmployees
from tbot.application.directory.search_employees import SearchEmployees
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.directory import SearchHit, SearchKind, SearchPlan
from tbot.domain.actor import Channel
from tbot.domain.directory.model import Employee
from tbot.domain.directory.text import fold
from tbot.domain.errors import ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.credentials import Principal
from tbot.domain.identity.permissions import Permission
from tests.unit.fakes import FakeClock, FakeUnitOfWork, _State, matches

MOSCOW = timezone(timedelta(hours=3), "MSK")


class FakePhoneNormalizer:
    """Russian numbers the way the phonenumbers adapter reads them: 8 or 7 or nothing before
    ten digits is +7; "+" and 11-15 digits is taken as given; anything else is refused."""

    def normalize(self, raw: str, field: str) -> str:
        digits = re.sub(r"\D", "", raw)
        if re.search(r"[^\d\s()+\-]", raw) is None:
            if raw.strip().startswith("+") and 11 <= len(digits) <= 15:
                return "+" + digits
            if len(digits) == 11 and digits[0] in "78":
                return "+7" + digits[1:]
            if len(digits) == 10:
                return "+7" + digits
        raise ValidationFailed({field: f"not a phone number: {raw!r}"})


class FakeDirectorySearch:
    """Runs a plan over the committed state of a FakeUnitOfWork: the same meaning as the SQL
    adapter (what matches, best first, the dismissed only when asked), without its ranking."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.plans: list[SearchPlan] = []

    async def search(self, plan: SearchPlan) -> list[SearchHit]:
        self.plans.append(plan)
        hits = []
        for employee in self._uow.committed_state.employees.values():
            if not matches(employee, plan.where):
                continue
            score = self._score(employee, plan)
            if score > 0:
                hits.append(SearchHit(employee, score, plan.kind.value))
        hits.sort(key=lambda h: (-h.score, h.employee.id or 0))
        if plan.after is not None:
            after_score, after_id = plan.after
            hits = [h for h in hits if (-h.score, h.employee.id or 0) > (-after_score, after_id)]
        return hits[: plan.limit]

    def _score(self, employee: Employee, plan: SearchPlan) -> float:
        state = self._uow.committed_state
        workstations = [state.workstations[i] for i in employee.workstation_ids]
        if plan.kind is SearchKind.NAME:
            return _name_score(employee, plan.terms)
        if plan.kind is SearchKind.PHONE:
            phones = [
                re.sub(r"\D", "", p or "") for p in (employee.work_phone, employee.mobile_phone)
            ]
            found = employee.extension == plan.value or any(p and plan.value in p for p in phones)
            return 1.0 if found else 0.0
        if plan.kind is SearchKind.HOSTNAME:
            return 1.0 if any(w.hostname.startswith(plan.value) for w in workstations) else 0.0
        if plan.kind is SearchKind.IP:
            return 1.0 if any(plan.value in w.addresses for w in workstations) else 0.0
        if plan.kind is SearchKind.CIDR:
            network = ipaddress.ip_network(plan.value)
            addresses = [ipaddress.ip_address(a) for w in workstations for a in w.addresses]
            return 1.0 if any(a in network for a in addresses) else 0.0
        if plan.kind is SearchKind.MAC:
            return 1.0 if any(w.mac == plan.value for w in workstations) else 0.0
        if plan.kind is SearchKind.DEPARTMENT:
            department = state.departments.get(employee.department_id or 0)
            return 1.0 if department and plan.value in fold(department.name) else 0.0
        raise AssertionError(f"the fake does not search by {plan.kind}")


def _name_score(employee: Employee, terms: tuple[tuple[str, ...], ...]) -> float:
    """Every typed word must start some part of the name; whole-word matches rank higher."""
    parts = fold(employee.full_name).split()
    score = 0.0
    for readings in terms:
        if any(part == r for part in parts for r in readings):
            score += 1.0
        elif any(part.startswith(r) for part in parts for r in readings):
            score += 0.5
        else:
            return 0.0
    return score


IT_STAFF = frozenset(
    {Permission.DIRECTORY_READ, Permission.DIRECTORY_WRITE, Permission.DIRECTORY_NETWORK}
)
# IT staff edits through the web admin; an employee asks the bot; HR keeps people, not PCs.
IT = Caller(Principal("petrov", IT_STAFF, user_id=2), Channel.API, "req-7")
EMPLOYEE = Caller(
    Principal("sidorov", frozenset({Permission.DIRECTORY_READ}), user_id=3), Channel.BOT, "upd-1"
)
HR = Caller(
    Principal("kadry", frozenset({Permission.DIRECTORY_READ, Permission.DIRECTORY_WRITE})),
    Channel.API,
    "req-9",
)


@dataclass
class DirectoryKit:
    """The directory's use cases wired to fakes, the way the container wires them to adapters."""

    clock: FakeClock = field(default_factory=FakeClock)
    authorizer: Authorizer = field(default_factory=Authorizer)
    phones: FakePhoneNormalizer = field(default_factory=FakePhoneNormalizer)
    uow: FakeUnitOfWork = field(init=False)
    search: FakeDirectorySearch = field(init=False)

    def __post_init__(self) -> None:
        self.uow = FakeUnitOfWork(self.clock)
        self.search = FakeDirectorySearch(self.uow)

    @property
    def state(self) -> _State:
        return self.uow.committed_state

    @property
    def audit_actions(self) -> list[str]:
        return [e.action for e in self.state.audit]

    def create_employee(self) -> CreateEmployee:
        return CreateEmployee(self.uow, self.authorizer, self.phones, self.clock)

    def update_employee(self) -> UpdateEmployee:
        return UpdateEmployee(self.uow, self.authorizer, self.phones, self.clock, timezone=MOSCOW)

    def dismiss_employee(self) -> DismissEmployee:
        return DismissEmployee(self.uow, self.authorizer, self.clock, timezone=MOSCOW)

    def assign_workstations(self) -> AssignWorkstations:
        return AssignWorkstations(self.uow, self.authorizer, self.clock)

    def get_employee(self) -> GetEmployee:
        return GetEmployee(self.uow, self.authorizer)

    def list_employees(self) -> ListEmployees:
        return ListEmployees(self.uow, self.authorizer)

    def create_department(self) -> CreateDepartment:
        return CreateDepartment(self.uow, self.authorizer, self.clock)

    def update_department(self) -> UpdateDepartment:
        return UpdateDepartment(self.uow, self.authorizer, self.clock)

    def delete_department(self) -> DeleteDepartment:
        return DeleteDepartment(self.uow, self.authorizer, self.clock)

    def list_departments(self) -> ListDepartments:
        return ListDepartments(self.uow, self.authorizer)

    def create_workstation(self) -> CreateWorkstation:
        return CreateWorkstation(self.uow, self.authorizer, self.clock)

    def update_workstation(self) -> UpdateWorkstation:
        return UpdateWorkstation(self.uow, self.authorizer, self.clock)

    def delete_workstation(self) -> DeleteWorkstation:
        return DeleteWorkstation(self.uow, self.authorizer, self.clock)

    def list_workstations(self) -> ListWorkstations:
        return ListWorkstations(self.uow, self.authorizer)

    def history(self) -> GetHistory:
        return GetHistory(self.uow, self.authorizer)

    def search_employees(self) -> SearchEmployees:
        return SearchEmployees(self.search, self.authorizer)

    async def department(self, name: str = "Бухгалтерия", parent_id: int | None = None) -> int:
        stored = await self.create_department()(DepartmentDraft(name, parent_id=parent_id), IT)
        assert stored.id is not None
        return stored.id

    async def workstation(self, hostname: str, *addresses: str, mac: str | None = None) -> int:
        stored = await self.create_workstation()(
            WorkstationDraft(hostname, addresses=addresses, mac=mac), IT
        )
        assert stored.id is not None
        return stored.id

    async def employee(self, draft: EmployeeDraft) -> Employee:
        return await self.create_employee()(draft, IT)
