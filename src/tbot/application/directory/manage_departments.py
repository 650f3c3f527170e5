"""Departments: a tree by parent, names unique among siblings. Each change writes its history
entry and audit event in its own unit of work; a refused change writes nothing."""

from __future__ import annotations

from tbot.application.directory.drafts import DepartmentDraft
from tbot.application.directory.history import DirectoryEntity, diff, record_change
from tbot.application.directory.paging import Page, page_of, page_size
from tbot.application.directory.patches import DepartmentPatch, apply
from tbot.application.directory.references import all_departments, department_from_draft
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.clock import Clock
from tbot.application.ports.directory import EmployeeFilter
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.directory.model import Department
from tbot.domain.errors import Conflict, NotFound, ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission


class _DepartmentChange:
    def __init__(self, uow: UnitOfWork, authorizer: Authorizer, clock: Clock) -> None:
        self._uow = uow
        self._authorizer = authorizer
        self._clock = clock

    async def _load(self, department_id: int, caller: Caller) -> Department:
        self._authorizer.require(caller, Permission.DIRECTORY_WRITE)
        department = await self._uow.departments.get(department_id)
        if department is None:
            raise NotFound("department", department_id)
        return department

    async def _require_unique_name(self, department: Department) -> None:
        twin = await self._uow.departments.by_name(department.name, department.parent_id)
        if twin is not None and twin.id != department.id:
            raise Conflict(f"name: a department named {department.name!r} is already there")

    async def _record_and_commit(
        self,
        caller: Caller,
        action: str,
        department_id: int,
        before: Department | None,
        after: Department | None,
    ) -> None:
        await record_change(
            self._uow,
            caller,
            at=self._clock.now(),
            entity=DirectoryEntity.DEPARTMENT,
            entity_id=department_id,
            action=action,
            before=before,
            after=after,
        )
        await self._uow.commit()


class CreateDepartment(_DepartmentChange):
    async def __call__(self, draft: DepartmentDraft, caller: Caller) -> Department:
        self._authorizer.require(caller, Permission.DIRECTORY_WRITE)
        async with self._uow:
            department = await department_from_draft(self._uow, draft)
            await self._require_unique_name(department)
            stored = await self._uow.departments.add(department)
            assert stored.id is not None
            await self._record_and_commit(caller, "department.create", stored.id, None, stored)
        return stored


class UpdateDepartment(_DepartmentChange):
    """Renames, moves under another parent, or sets the head; never inside itself."""

    async def __call__(
        self, department_id: int, version: int | None, patch: DepartmentPatch, caller: Caller
    ) -> Department:
        async with self._uow:
            current = await self._load(department_id, caller)
            expected = current.version if version is None else version
            changed = await department_from_draft(
                self._uow,
                apply(DepartmentDraft.of(current), patch),
                department_id=department_id,
                version=expected,
            )
            if not diff(current, changed):
                if expected != current.version:
                    raise Conflict(f"department {department_id} was changed by someone else")
                return current
            await self._require_outside_itself(changed)
            await self._require_unique_name(changed)
            stored = await self._uow.departments.update(changed)
            await self._record_and_commit(
                caller, "department.update", department_id, current, stored
            )
        return stored

    async def _require_outside_itself(self, department: Department) -> None:
        seen: set[int] = set()
        parent_id = department.parent_id
        while parent_id is not None and parent_id not in seen:
            if parent_id == department.id:
                raise ValidationFailed(
                    {"parent_id": "a department cannot be placed inside itself"},
                    "department not moved",
                )
            seen.add(parent_id)
            parent = await self._uow.departments.get(parent_id)
            parent_id = parent.parent_id if parent else None


class DeleteDepartment(_DepartmentChange):
    """Only an empty department goes: no employees (dismissed included, their records still
    point at it) and no sub-departments."""

    async def __call__(self, department_id: int, version: int | None, caller: Caller) -> None:
        async with self._uow:
            current = await self._load(department_id, caller)
            members = await self._uow.employees.list(
                EmployeeFilter(department_id=department_id, include_dismissed=True), limit=1
            )
            if members:
                raise Conflict(
                    f"department {current.name!r} has employees; move them to another first"
                )
            children = [d for d in await all_departments(self._uow) if d.parent_id == department_id]
            if children:
                names = ", ".join(repr(d.name) for d in children[:3])
                raise Conflict(f"department {current.name!r} has sub-departments: {names}")
            await self._uow.departments.delete(
                department_id, current.version if version is None else version
            )
            await self._record_and_commit(caller, "department.delete", department_id, current, None)


class ListDepartments:
    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(
        self, caller: Caller, *, cursor: int | None = None, limit: int = 100
    ) -> Page[Department]:
        self._authorizer.require(caller, Permission.DIRECTORY_READ)
        size = page_size(limit)
        async with self._uow:
            rows = await self._uow.departments.list(limit=size + 1, after_id=cursor)
        return page_of(rows, size, lambda d: d.id)
