"""Workstations. All of it is network detail, so reading needs directory.network too and
writing needs directory.write and directory.network."""

from __future__ import annotations

from dataclasses import replace

from tbot.application.directory.drafts import WorkstationDraft, validate_workstation
from tbot.application.directory.history import DirectoryEntity, diff, record_change
from tbot.application.directory.paging import Page, page_of, page_size
from tbot.application.directory.patches import WorkstationPatch, apply
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.clock import Clock
from tbot.application.ports.directory import EmployeeFilter
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.directory.model import Employee, Workstation
from tbot.domain.errors import Conflict, NotFound
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission

_SCAN_BATCH = 500


class _WorkstationChange:
    def __init__(self, uow: UnitOfWork, authorizer: Authorizer, clock: Clock) -> None:
        self._uow = uow
        self._authorizer = authorizer
        self._clock = clock

    def _require(self, caller: Caller) -> None:
        self._authorizer.require(caller, Permission.DIRECTORY_WRITE)
        self._authorizer.require(caller, Permission.DIRECTORY_NETWORK)

    async def _load(self, workstation_id: int) -> Workstation:
        workstation = await self._uow.workstations.get(workstation_id)
        if workstation is None:
            raise NotFound("workstation", workstation_id)
        return workstation

    async def _require_unique_hostname(self, workstation: Workstation) -> None:
        twin = await self._uow.workstations.by_hostname(workstation.hostname)
        if twin is not None and twin.id != workstation.id:
            raise Conflict(f"hostname: {workstation.hostname!r} is already registered")

    async def _record_and_commit(
        self,
        caller: Caller,
        action: str,
        workstation_id: int,
        before: Workstation | None,
        after: Workstation | None,
    ) -> None:
        await record_change(
            self._uow,
            caller,
            at=self._clock.now(),
            entity=DirectoryEntity.WORKSTATION,
            entity_id=workstation_id,
            action=action,
            before=before,
            after=after,
        )
        await self._uow.commit()


class CreateWorkstation(_WorkstationChange):
    async def __call__(self, draft: WorkstationDraft, caller: Caller) -> Workstation:
        self._require(caller)
        workstation = validate_workstation(draft)
        async with self._uow:
            await self._require_unique_hostname(workstation)
            stored = await self._uow.workstations.add(workstation)
            assert stored.id is not None
            await self._record_and_commit(caller, "workstation.create", stored.id, None, stored)
        return stored


class UpdateWorkstation(_WorkstationChange):
    async def __call__(
        self, workstation_id: int, version: int | None, patch: WorkstationPatch, caller: Caller
    ) -> Workstation:
        self._require(caller)
        async with self._uow:
            current = await self._load(workstation_id)
            expected = current.version if version is None else version
            checked = validate_workstation(apply(WorkstationDraft.of(current), patch))
            changed = replace(checked, id=workstation_id, version=expected)
            if not diff(current, changed):
                if expected != current.version:
                    raise Conflict(f"workstation {workstation_id} was changed by someone else")
                return current
            await self._require_unique_hostname(changed)
            stored = await self._uow.workstations.update(changed)
            await self._record_and_commit(
                caller, "workstation.update", workstation_id, current, stored
            )
        return stored


class DeleteWorkstation(_WorkstationChange):
    """Only a workstation nobody uses goes; unassign it first, so each employee's history
    shows the change."""

    async def __call__(self, workstation_id: int, version: int | None, caller: Caller) -> None:
        self._require(caller)
        async with self._uow:
            current = await self._load(workstation_id)
            users = await self._users_of(workstation_id)
            if users:
                names = ", ".join(e.short_name for e in users[:3])
                more = f" and {len(users) - 3} more" if len(users) > 3 else ""
                raise Conflict(f"workstation {current.hostname!r} is assigned to {names}{more}")
            await self._uow.workstations.delete(
                workstation_id, current.version if version is None else version
            )
            await self._record_and_commit(
                caller, "workstation.delete", workstation_id, current, None
            )

    async def _users_of(self, workstation_id: int) -> list[Employee]:
        """Every employee holding the workstation. The port cannot filter by workstation,
        so this reads the employees in batches; deletes are rare."""
        users: list[Employee] = []
        after: int | None = None
        where = EmployeeFilter(include_dismissed=True)
        while True:
            batch = await self._uow.employees.list(where, limit=_SCAN_BATCH, after_id=after)
            users.extend(e for e in batch if workstation_id in e.workstation_ids)
            if len(batch) < _SCAN_BATCH or batch[-1].id is None:
                return users
            after = batch[-1].id


class ListWorkstations:
    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(
        self, caller: Caller, *, cursor: int | None = None, limit: int = 100
    ) -> Page[Workstation]:
        self._authorizer.require(caller, Permission.DIRECTORY_READ)
        self._authorizer.require(caller, Permission.DIRECTORY_NETWORK)
        size = page_size(limit)
        async with self._uow:
            rows = await self._uow.workstations.list(limit=size + 1, after_id=cursor)
        return page_of(rows, size, lambda w: w.id)
