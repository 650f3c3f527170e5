from __future__ import annotations

from dataclasses import replace

from tbot.application.directory.access import as_seen_by
from tbot.application.directory.manage_employees import load_employee
from tbot.application.directory.paging import Page, page_of, page_size
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.directory import EmployeeFilter
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.directory.model import Employee, EmployeeStatus
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission


class GetEmployee:
    """One employee by id, dismissed or not (a link to them keeps working)."""

    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(self, employee_id: int, caller: Caller) -> Employee:
        self._authorizer.require(caller, Permission.DIRECTORY_READ)
        async with self._uow:
            employee = await load_employee(self._uow, employee_id)
        return as_seen_by(employee, self._authorizer, caller)


class ListEmployees:
    """Employees by id; the dismissed only when the filter asks for them."""

    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(
        self,
        where: EmployeeFilter,
        caller: Caller,
        *,
        cursor: int | None = None,
        limit: int = 100,
    ) -> Page[Employee]:
        self._authorizer.require(caller, Permission.DIRECTORY_READ)
        size = page_size(limit)
        async with self._uow:
            rows = await self._uow.employees.list(
                asking_for_dismissed(where), limit=size + 1, after_id=cursor
            )
        page = page_of(rows, size, lambda e: e.id)
        return replace(page, items=[as_seen_by(e, self._authorizer, caller) for e in page.items])


def asking_for_dismissed(where: EmployeeFilter) -> EmployeeFilter:
    """Filtering on status "dismissed" is asking for the dismissed: say so to the adapter."""
    if where.status is EmployeeStatus.DISMISSED and not where.include_dismissed:
        return replace(where, include_dismissed=True)
    return where
