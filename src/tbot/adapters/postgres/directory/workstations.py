from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.directory import ErrorMap, integrity_errors, stale_or_missing
from tbot.adapters.postgres.directory.bulk import (
    BulkErrorMap,
    Driver,
    constraint_errors,
    copy_rows,
    driver_connection,
    new_ids,
    qualified,
)
from tbot.adapters.postgres.directory.by_ids import id_in
from tbot.adapters.postgres.tables import workstation_addresses, workstations
from tbot.domain.directory.model import Workstation
from tbot.domain.errors import Conflict, DomainError, NotFound


class PostgresWorkstationRepository:
    """A workstation and its addresses, kept in the order given (the first is the main one)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, workstation_id: int) -> Workstation | None:
        return await self._one(workstations.c.id == workstation_id)

    async def get_many(self, workstation_ids: Sequence[int]) -> dict[int, Workstation]:
        if not workstation_ids:
            return {}
        query = _select().where(id_in(workstations.c.id, workstation_ids))
        rows = (await self._session.execute(query)).mappings()
        return {row["id"]: _workstation(row, row["addresses"]) for row in rows}

    async def by_hostname(self, hostname: str) -> Workstation | None:
        return await self._one(workstations.c.hostname == hostname.strip().lower())

    async def add(self, workstation: Workstation) -> Workstation:
        statement = (
            insert(workstations)
            .values(**_values(workstation), version=1)
            .returning(*workstations.c)
        )
        async with integrity_errors(self._session, _write_errors(workstation)):
            row = (await self._session.execute(statement)).mappings().one()
        addresses = await self._insert_addresses(row["id"], workstation.addresses)
        return _workstation(row, addresses)

    async def update(self, workstation: Workstation) -> Workstation:
        if workstation.id is None:
            raise ValueError("only a stored workstation can be updated")
        statement = (
            update(workstations)
            .where(
                workstations.c.id == workstation.id,
                workstations.c.version == workstation.version,
            )
            .values(**_values(workstation), version=workstations.c.version + 1)
            .returning(*workstations.c)
        )
        async with integrity_errors(self._session, _write_errors(workstation)):
            row = (await self._session.execute(statement)).mappings().first()
        if row is None:
            raise await stale_or_missing(self._session, workstations, "workstation", workstation.id)
        await self._session.execute(
            delete(workstation_addresses).where(
                workstation_addresses.c.workstation_id == workstation.id
            )
        )
        addresses = await self._insert_addresses(workstation.id, workstation.addresses)
        return _workstation(row, addresses)

    async def delete(self, workstation_id: int, version: int) -> None:
        """Its addresses go with it, and the employees who used it no longer list it."""
        statement = (
            delete(workstations)
            .where(workstations.c.id == workstation_id, workstations.c.version == version)
            .returning(workstations.c.id)
        )
        if (await self._session.execute(statement)).first() is None:
            raise await stale_or_missing(self._session, workstations, "workstation", workstation_id)

    async def _one(self, condition: ColumnElement[bool]) -> Workstation | None:
        row = (await self._session.execute(_select().where(condition))).mappings().first()
        return _workstation(row, row["addresses"]) if row else None

    async def _insert_addresses(
        self, workstation_id: int, addresses: Sequence[str]
    ) -> tuple[str, ...]:
        unique = tuple(dict.fromkeys(addresses))  # a repeated address is one address
        if unique:
            rows = [
                {"workstation_id": workstation_id, "address": address, "position": position}
                for position, address in enumerate(unique)
            ]
            await self._session.execute(insert(workstation_addresses).values(rows))
        return unique

    async def all_for_import(self) -> Sequence[Workstation]:
        rows = (await self._session.execute(_select().order_by(workstations.c.id))).mappings()
        return [_workstation(row, row["addresses"]) for row in rows]

    async def add_many(self, many: Sequence[Workstation]) -> Sequence[Workstation]:
        if not many:
            return []
        driver = await driver_connection(self._session)
        ids = await new_ids(driver, workstations, len(many))
        stored = [
            replace(w, id=i, addresses=tuple(dict.fromkeys(w.addresses)), version=1)
            for w, i in zip(many, ids, strict=True)
        ]
        rows = [(w.id, *_values(w).values(), w.version) for w in stored]
        async with constraint_errors(_BULK_ERRORS):
            await copy_rows(driver, workstations, ("id", *_COLUMNS, "version"), rows)
            await _copy_addresses(driver, stored)
        return stored

    async def update_many(self, many: Sequence[Workstation]) -> Sequence[Workstation]:
        if not many:
            return []
        driver = await driver_connection(self._session)
        columns = list(zip(*(_values(w).values() for w in many), strict=True))
        ids = [w.id for w in many]
        async with constraint_errors(_BULK_ERRORS):
            updated = await driver.fetch(
                _UPDATE_MANY, ids, [w.version for w in many], *(list(c) for c in columns)
            )
            if len(updated) != len(many):
                raise await _stale(driver, many, {row["id"] for row in updated})
            await driver.execute(_DELETE_ADDRESSES, ids)
            stored = [
                replace(w, addresses=tuple(dict.fromkeys(w.addresses)), version=w.version + 1)
                for w in many
            ]
            await _copy_addresses(driver, stored)
        return stored

    async def list(self, *, limit: int = 100, after_id: int | None = None) -> list[Workstation]:
        query = _select().order_by(workstations.c.id).limit(limit)
        if after_id is not None:
            query = query.where(workstations.c.id > after_id)
        rows = (await self._session.execute(query)).mappings()
        return [_workstation(row, row["addresses"]) for row in rows]


def _select() -> Select[Any]:
    addresses = (
        select(
            func.array_agg(
                aggregate_order_by(
                    func.host(workstation_addresses.c.address), workstation_addresses.c.position
                )
            )
        )
        .where(workstation_addresses.c.workstation_id == workstations.c.id)
        .scalar_subquery()
    )
    return select(workstations, addresses.label("addresses"))


_COLUMNS = ("hostname", "mac", "os", "location", "inventory_number")  # the order of _values
_TABLE = qualified(workstations)
# Table and column names are our own constants; every value is a bound parameter.
_UPDATE_MANY = f"""
UPDATE {_TABLE} AS w
SET hostname = u.hostname, mac = u.mac, os = u.os, location = u.location,
    inventory_number = u.inventory_number, version = w.version + 1
FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
    AS u(id, version, hostname, mac, os, location, inventory_number)
WHERE w.id = u.id AND w.version = u.version
RETURNING w.id
"""  # noqa: S608
_DELETE_ADDRESSES = (
    f"DELETE FROM {qualified(workstation_addresses)} "  # noqa: S608
    "WHERE workstation_id = ANY($1::bigint[])"
)
_EXISTING = f"SELECT id FROM {_TABLE} WHERE id = ANY($1::bigint[])"  # noqa: S608
_BULK_ERRORS: BulkErrorMap = {
    "uq_workstations_hostname": lambda detail: Conflict(
        f"a host name is taken by another workstation ({detail})"
    ),
    "uq_workstations_mac": lambda detail: Conflict(
        f"a MAC is taken by another workstation ({detail})"
    ),
    "uq_workstations_inventory_number": lambda detail: Conflict(
        f"an inventory number is taken by another workstation ({detail})"
    ),
}


async def _copy_addresses(driver: Driver, stored: Sequence[Workstation]) -> None:
    rows = (
        (w.id, address, position) for w in stored for position, address in enumerate(w.addresses)
    )
    await copy_rows(driver, workstation_addresses, ("workstation_id", "address", "position"), rows)


async def _stale(driver: Driver, many: Sequence[Workstation], updated: set[int]) -> DomainError:
    missed = [w.id or 0 for w in many if w.id not in updated]
    found = await driver.fetch(_EXISTING, missed)
    gone = sorted(set(missed) - {row["id"] for row in found})
    if gone:
        return NotFound("workstation", gone[0])
    return Conflict(f"workstation {missed[0]} was changed by someone else; reload and try again")


def _values(workstation: Workstation) -> dict[str, Any]:
    return {
        "hostname": workstation.hostname,
        "mac": workstation.mac,
        "os": workstation.os,
        "location": workstation.location,
        "inventory_number": workstation.inventory_number,
    }


def _write_errors(workstation: Workstation) -> ErrorMap:
    return {
        "uq_workstations_hostname": lambda: Conflict(
            f"hostname {workstation.hostname!r} is taken by another workstation"
        ),
        "uq_workstations_mac": lambda: Conflict(
            f"mac {workstation.mac!r} is taken by another workstation"
        ),
        "uq_workstations_inventory_number": lambda: Conflict(
            f"inventory number {workstation.inventory_number!r} is taken by another workstation"
        ),
    }


def _workstation(row: Any, addresses: Sequence[str] | None) -> Workstation:
    return Workstation(
        id=row["id"],
        hostname=row["hostname"],
        addresses=tuple(addresses or ()),
        mac=row["mac"],
        os=row["os"],
        location=row["location"],
        inventory_number=row["inventory_number"],
        version=row["version"],
    )
