from __future__ import annotations

import json
from collections.abc import Mapping, Sequence, Set
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.directory.bulk import copy_rows, driver_connection
from tbot.adapters.postgres.tables import history
from tbot.application.ports.directory import FieldChange, HistoryEntry


class PostgresHistoryRepository:
    """Who changed which fields of a department, workstation or employee, and when.

    Values are stored as JSON: dates and times come back as ISO strings, enums as their
    values, tuples and sets as lists."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entry: HistoryEntry) -> None:
        values: dict[str, Any] = {
            "entity": entry.entity,
            "entity_id": entry.entity_id,
            "changes": _changes(entry),
            "actor": entry.actor,
            "channel": entry.channel,
            "request_id": entry.request_id,
        }
        if entry.at is not None:  # kept when importing the legacy bot's history
            values["at"] = entry.at
        await self._session.execute(insert(history).values(**values))

    async def add_many(self, entries: Sequence[HistoryEntry]) -> None:
        if not entries:
            return
        driver = await driver_connection(self._session)
        now = datetime.now(UTC)
        rows = (
            (
                e.entity,
                e.entity_id,
                json.dumps(_changes(e), ensure_ascii=False),  # the session's jsonb codec takes text
                e.actor,
                e.channel,
                e.request_id,
                e.at or now,
            )
            for e in entries
        )
        columns = ("entity", "entity_id", "changes", "actor", "channel", "request_id", "at")
        await copy_rows(driver, history, columns, rows)

    async def for_entity(
        self, entity: str, entity_id: int, *, limit: int = 100, before_id: int | None = None
    ) -> list[HistoryEntry]:
        """Newest first; `before_id` is the id of the last entry of the previous page."""
        query = (
            select(history)
            .where(history.c.entity == entity, history.c.entity_id == entity_id)
            .order_by(history.c.id.desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(history.c.id < before_id)
        rows = (await self._session.execute(query)).mappings()
        return [_entry(row) for row in rows]


def _changes(entry: HistoryEntry) -> list[dict[str, Any]]:
    return [
        {"field": c.field, "before": _json(c.before), "after": _json(c.after)}
        for c in entry.changes
    ]


_AS_IS = frozenset({str, int, float, bool, type(None)})


def _json(value: Any) -> Any:
    if type(value) in _AS_IS:  # nearly every value; an import writes a million of them
        return value
    if isinstance(value, Enum):
        return _json(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, Set):
        return sorted((_json(item) for item in value), key=repr)
    return value


def _entry(row: Any) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        changes=tuple(
            FieldChange(field=c["field"], before=c["before"], after=c["after"])
            for c in row["changes"]
        ),
        actor=row["actor"],
        channel=row["channel"],
        request_id=row["request_id"],
        at=row["at"],
    )
