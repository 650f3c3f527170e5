"""An employee as a card shows them: with the department's name and, for callers who may see
the network, the workstations they use. The bot's cards and lists are built from these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tbot.application.directory.access import as_seen_by
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.directory.model import Employee, Workstation
from tbot.domain.errors import NotFound
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission


@dataclass(frozen=True, slots=True)
class EmployeeCard:
    employee: Employee
    department: str = ""
    workstations: tuple[Workstation, ...] = ()


class GetEmployeeCards:
    """Cards for the given employees, in the given order; ids that do not exist are left out
    (a button pressed on an old list may point at a deleted record)."""

    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(self, employee_ids: Sequence[int], caller: Caller) -> list[EmployeeCard]:
        self._authorizer.require(caller, Permission.DIRECTORY_READ)
        async with self._uow:
            found = [await self._uow.employees.get(i) for i in dict.fromkeys(employee_ids)]
            return await self._cards([e for e in found if e is not None], caller)

    async def describe(self, employees: Sequence[Employee], caller: Caller) -> list[EmployeeCard]:
        """Cards for employees the caller has just read (search hits): they are not read
        again; only their departments and workstations are looked up."""
        self._authorizer.require(caller, Permission.DIRECTORY_READ)
        async with self._uow:
            return await self._cards(employees, caller)

    async def _cards(self, employees: Sequence[Employee], caller: Caller) -> list[EmployeeCard]:
        """Two reads whatever the number of cards: the departments, the workstations."""
        shown = [as_seen_by(e, self._authorizer, caller) for e in employees]
        department_ids = {e.department_id for e in shown if e.department_id is not None}
        departments = await self._uow.departments.names(sorted(department_ids))
        workstation_ids = {i for e in shown for i in e.workstation_ids}
        workstations = await self._uow.workstations.get_many(sorted(workstation_ids))
        return [_card(employee, departments, workstations) for employee in shown]


def _card(
    employee: Employee, departments: dict[int, str], workstations: dict[int, Workstation]
) -> EmployeeCard:
    department_id = employee.department_id
    department = departments.get(department_id, "") if department_id is not None else ""
    used = tuple(workstations[i] for i in employee.workstation_ids if i in workstations)
    return EmployeeCard(employee, department, used)


class GetMyCard:
    """The card of the employee a user account is linked to: by the link the verification
    made, else by the account's email."""

    def __init__(self, uow: UnitOfWork, cards: GetEmployeeCards) -> None:
        self._uow = uow
        self._cards = cards

    async def __call__(self, caller: Caller) -> EmployeeCard:
        user_id = caller.principal.user_id
        if user_id is None:
            raise NotFound("employee", caller.principal.name)
        async with self._uow:
            user = await self._uow.users.get(user_id)
            employee_id = user.employee_id if user else None
            if employee_id is None and user is not None and user.email:
                employee = await self._uow.employees.by_email(user.email)
                employee_id = employee.id if employee else None
        cards = await self._cards([employee_id], caller) if employee_id is not None else []
        if not cards:
            raise NotFound("employee", caller.principal.name)
        return cards[0]
