"""PostgreSQL side of the employee directory: repositories of departments, workstations,
employees and their change history, and the index-backed search.

This module holds what the repositories share: turning the database's integrity errors into
the domain's, and telling a stale version from a missing row."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from sqlalchemy import Table, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.domain.errors import Conflict, DomainError, NotFound

# constraint name -> the domain error it means
ErrorMap = Mapping[str, Callable[[], DomainError]]


@asynccontextmanager
async def integrity_errors(session: AsyncSession, errors: ErrorMap) -> AsyncIterator[None]:
    """Runs the block in a savepoint and turns a violated constraint named in `errors` into
    its domain error. The savepoint keeps the caller's transaction usable afterwards, as with
    any other domain error; constraints not named propagate unchanged."""
    try:
        async with session.begin_nested():
            yield
    except IntegrityError as error:
        make = errors.get(constraint_name(error) or "")
        if make is None:
            raise
        raise make() from error


def constraint_name(error: IntegrityError) -> str | None:
    name = getattr(getattr(error.orig, "driver_exception", None), "constraint_name", None)
    return name if isinstance(name, str) else None


async def stale_or_missing(
    session: AsyncSession, table: Table, kind: str, row_id: int
) -> DomainError:
    """Why a versioned UPDATE/DELETE touched no row: someone changed it, or it is gone."""
    query = select(literal(1)).select_from(table).where(table.c.id == row_id)
    if (await session.execute(query)).first() is None:
        return NotFound(kind, row_id)
    return Conflict(f"{kind} {row_id} was changed by someone else; reload and try again")
