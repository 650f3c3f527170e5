from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.directory import ErrorMap, integrity_errors, stale_or_missing
from tbot.adapters.postgres.tables import workstation_addresses, workstations
from tbot.domain.directory.model import Workstation
from tbot.domain.errors import Conflict


class PostgresWorkstationRepository:
    """A workstation and its addresses, kept in the order given (the first is the main one)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, workstation_id: int) -> Workstation | None:
        return await self._one(workstations.c.id == workstation_id)

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
