from __future__ import annotations

from dataclasses import replace

from tbot.application.directory.access import sees_network
from tbot.application.directory.history import DirectoryEntity
from tbot.application.directory.paging import Page, page_of, page_size
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.directory import HistoryEntry
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.errors import ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission

# Fields of an employee's history that show network detail.
_NETWORK_FIELDS = frozenset({"workstation_ids"})


class GetHistory:
    """A record's changes, newest first. Workstation history, and an employee's workstation
    changes, are network detail: shown only with directory.network."""

    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(
        self,
        entity: str,
        entity_id: int,
        caller: Caller,
        *,
        cursor: int | None = None,
        limit: int = 50,
    ) -> Page[HistoryEntry]:
        self._authorizer.require(caller, Permission.DIRECTORY_READ)
        kind = _entity(entity)
        network = sees_network(self._authorizer, caller)
        if kind is DirectoryEntity.WORKSTATION and not network:
            self._authorizer.require(caller, Permission.DIRECTORY_NETWORK)
        size = page_size(limit)
        async with self._uow:
            rows = await self._uow.history.for_entity(
                kind.value, entity_id, limit=size + 1, before_id=cursor
            )
        page = page_of(rows, size, lambda h: h.id)
        if network:
            return page
        shown = [_without_network(entry) for entry in page.items]
        return replace(page, items=[entry for entry in shown if entry.changes])


def _entity(name: str) -> DirectoryEntity:
    try:
        return DirectoryEntity(name)
    except ValueError:
        choices = ", ".join(e.value for e in DirectoryEntity)
        raise ValidationFailed({"entity": f"one of {choices}; got {name!r}"}) from None


def _without_network(entry: HistoryEntry) -> HistoryEntry:
    changes = tuple(c for c in entry.changes if c.field not in _NETWORK_FIELDS)
    return entry if len(changes) == len(entry.changes) else replace(entry, changes=changes)
