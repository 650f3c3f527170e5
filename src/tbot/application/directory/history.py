"""What a change did, recorded twice in the change's own unit of work: a HistoryEntry with the
per-field before/after (for the record's history page) and an AuditEvent (for the audit log)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any

from tbot.application.ports.directory import FieldChange, HistoryEntry
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.directory.model import Department, Employee, Workstation
from tbot.domain.identity.caller import Caller

Record = Employee | Department | Workstation
# Bookkeeping, not content: never shown as a change.
_NOT_CONTENT = frozenset({"id", "version"})


class DirectoryEntity(StrEnum):
    EMPLOYEE = "employee"
    DEPARTMENT = "department"
    WORKSTATION = "workstation"


def plain(value: object) -> Any:
    """A JSON-ready form of a field value, so history and audit read back as they were
    written whatever the storage: dates as ISO text, enums as their value, tuples as lists."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    return value


def describe(record: Record) -> dict[str, Any]:
    """Every content field of a record, JSON-ready."""
    return {
        f.name: plain(getattr(record, f.name)) for f in fields(record) if f.name not in _NOT_CONTENT
    }


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def diff(before: Record | None, after: Record | None) -> tuple[FieldChange, ...]:
    """The content fields that differ, in declaration order. A side that is None (created,
    deleted) counts as every field empty, so only filled fields are listed."""
    sample = after if after is not None else before
    if sample is None:
        return ()
    if before is not None and after is not None and type(before) is not type(after):
        raise TypeError(f"cannot diff {type(before).__name__} with {type(after).__name__}")
    old = describe(before) if before is not None else {}
    new = describe(after) if after is not None else {}
    changes = []
    for f in fields(sample):
        if f.name in _NOT_CONTENT:
            continue
        was, now = old.get(f.name), new.get(f.name)
        if was != now and not (_empty(was) and _empty(now)):
            changes.append(FieldChange(f.name, was, now))
    return tuple(changes)


async def record_change(
    uow: UnitOfWork,
    caller: Caller,
    *,
    at: datetime,
    entity: DirectoryEntity,
    entity_id: int,
    action: str,
    before: Record | None,
    after: Record | None,
) -> tuple[FieldChange, ...]:
    """Writes the history entry and the audit event of one change (not committed)."""
    changes = diff(before, after)
    await uow.history.add(
        HistoryEntry(
            id=None,
            entity=entity.value,
            entity_id=entity_id,
            changes=changes,
            actor=caller.actor.name,
            channel=caller.channel.value,
            request_id=caller.request_id,
            at=at,
        )
    )
    updated = before is not None and after is not None
    await uow.audit.add(
        AuditEvent(
            actor=caller.actor,
            action=action,
            target_type=entity.value,
            target_id=str(entity_id),
            before=(
                {c.field: c.before for c in changes}
                if updated
                else (describe(before) if before is not None else None)
            ),
            after=(
                {c.field: c.after for c in changes}
                if updated
                else (describe(after) if after is not None else None)
            ),
        )
    )
    return changes
