"""Set-wise writes for the directory's `*_many` methods: a few statements per call whatever the
number of rows, on the asyncpg connection under the session, inside the session's transaction.

COPY loads new rows (it takes explicit values for identity columns, which are drawn from the
columns' own sequences first, so the callers know the ids); `UPDATE ... FROM unnest(...)`
changes existing ones. Both skip SQLAlchemy's statement compilation, which costs more than the
database's work at these sizes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Table, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.domain.errors import DomainError

Driver = Any  # asyncpg.Connection, which ships no type hints
# constraint name -> the domain error it means, given PostgreSQL's detail of the violation
BulkErrorMap = Mapping[str, Callable[[str], DomainError]]


async def driver_connection(session: AsyncSession) -> Driver:
    """The asyncpg connection of the session, with the session's transaction open: SQLAlchemy
    sends BEGIN with its first statement, and a COPY before it would commit on its own."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    if not driver.is_in_transaction():
        await connection.execute(select(literal(1)))
    return driver


def qualified(table: Table) -> str:
    return f"{table.schema}.{table.name}" if table.schema else table.name


async def new_ids(driver: Driver, table: Table, count: int) -> list[int]:
    """`count` values of the table's identity sequence, in increasing order."""
    rows = await driver.fetch(
        "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)",
        qualified(table),
        count,
    )
    return sorted(row[0] for row in rows)


async def copy_rows(
    driver: Driver, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    records = list(rows)
    if records:
        await driver.copy_records_to_table(
            table.name, schema_name=table.schema, columns=list(columns), records=records
        )


@asynccontextmanager
async def constraint_errors(errors: BulkErrorMap) -> AsyncIterator[None]:
    """A violated constraint named in `errors` as its domain error, made from PostgreSQL's
    detail ("Key (email)=(a@b.c) already exists."): of many rows, it names the one at fault.
    The transaction is lost with it; a set-wise write is all or nothing anyway."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as error:
        make = errors.get(getattr(error, "constraint_name", None) or "")
        if make is None:
            raise
        raise make(getattr(error, "detail", None) or str(error)) from error
