from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, func, insert, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.directory import ErrorMap, integrity_errors, stale_or_missing
from tbot.adapters.postgres.directory.bulk import (
    BulkErrorMap,
    constraint_errors,
    copy_rows,
    driver_connection,
    new_ids,
)
from tbot.adapters.postgres.directory.by_ids import id_in
from tbot.adapters.postgres.tables import departments
from tbot.domain.directory.model import Department
from tbot.domain.directory.text import fold
from tbot.domain.errors import Conflict, ValidationFailed


class PostgresDepartmentRepository:
    """Names are unique per parent in their folded form (case, ё/е and spacing ignored)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, department_id: int) -> Department | None:
        query = select(departments).where(departments.c.id == department_id)
        row = (await self._session.execute(query)).mappings().first()
        return _department(row) if row else None

    async def names(self, department_ids: Sequence[int]) -> dict[int, str]:
        if not department_ids:
            return {}
        query = select(departments.c.id, departments.c.name)
        rows = await self._session.execute(query.where(id_in(departments.c.id, department_ids)))
        return {row.id: row.name for row in rows}

    async def by_name(self, name: str, parent_id: int | None = None) -> Department | None:
        # the same expression as the unique index, so that the index answers
        parent = func.coalesce(departments.c.parent_id, literal_column("0"))
        query = select(departments).where(
            parent == (parent_id or 0), departments.c.name_key == fold(name)
        )
        row = (await self._session.execute(query)).mappings().first()
        return _department(row) if row else None

    async def add(self, department: Department) -> Department:
        statement = (
            insert(departments).values(**_values(department), version=1).returning(*departments.c)
        )
        async with integrity_errors(self._session, _write_errors(department)):
            row = (await self._session.execute(statement)).mappings().one()
        return _department(row)

    async def update(self, department: Department) -> Department:
        if department.id is None:
            raise ValueError("only a stored department can be updated")
        await self._refuse_cycle(department.id, department.parent_id)
        statement = (
            update(departments)
            .where(departments.c.id == department.id, departments.c.version == department.version)
            .values(**_values(department), version=departments.c.version + 1)
            .returning(*departments.c)
        )
        async with integrity_errors(self._session, _write_errors(department)):
            row = (await self._session.execute(statement)).mappings().first()
        if row is None:
            raise await stale_or_missing(self._session, departments, "department", department.id)
        return _department(row)

    async def delete(self, department_id: int, version: int) -> None:
        statement = (
            delete(departments)
            .where(departments.c.id == department_id, departments.c.version == version)
            .returning(departments.c.id)
        )
        errors: ErrorMap = {
            "fk_departments_parent_id_departments": lambda: Conflict(
                f"department {department_id} has subdepartments; move or delete them first"
            ),
            "fk_employees_department_id_departments": lambda: Conflict(
                f"department {department_id} still has employees; move them first"
            ),
        }
        async with integrity_errors(self._session, errors):
            deleted = (await self._session.execute(statement)).first()
        if deleted is None:
            raise await stale_or_missing(self._session, departments, "department", department_id)

    async def _refuse_cycle(self, department_id: int, parent_id: int | None) -> None:
        """A department may not sit under itself or under one of its own subdepartments."""
        if parent_id is None:
            return
        ancestors = (
            select(departments.c.id, departments.c.parent_id)
            .where(departments.c.id == parent_id)
            .cte("ancestors", recursive=True)
        )
        ancestors = ancestors.union(
            select(departments.c.id, departments.c.parent_id).where(
                departments.c.id == ancestors.c.parent_id
            )
        )
        query = select(ancestors.c.id).where(ancestors.c.id == department_id)
        if (await self._session.execute(query)).first() is not None:
            raise ValidationFailed(
                {"parent_id": "a department cannot be placed under itself or its subdepartment"}
            )

    async def list(self, *, limit: int = 100, after_id: int | None = None) -> list[Department]:
        query = select(departments).order_by(departments.c.id).limit(limit)
        if after_id is not None:
            query = query.where(departments.c.id > after_id)
        rows = (await self._session.execute(query)).mappings()
        return [_department(row) for row in rows]

    async def add_many(self, many: Sequence[Department]) -> Sequence[Department]:
        if not many:
            return []
        driver = await driver_connection(self._session)
        ids = await new_ids(driver, departments, len(many))
        stored = [replace(d, id=i, version=1) for d, i in zip(many, ids, strict=True)]
        rows = [(d.id, *_values(d).values(), d.version) for d in stored]
        async with constraint_errors(_BULK_ERRORS):
            await copy_rows(driver, departments, ("id", *_COLUMNS, "version"), rows)
        return stored


_COLUMNS = ("name", "name_key", "parent_id", "head_employee_id")  # the order of _values
_BULK_ERRORS: BulkErrorMap = {
    "uq_departments_parent_name_key": lambda detail: Conflict(
        f"a department of that name exists at that level ({detail})"
    ),
    "fk_departments_parent_id_departments": lambda detail: ValidationFailed(
        {"parent_id": f"no such department ({detail})"}
    ),
    "fk_departments_head_employee_id_employees": lambda detail: ValidationFailed(
        {"head_employee_id": f"no such employee ({detail})"}
    ),
}


def _values(department: Department) -> dict[str, Any]:
    return {
        "name": department.name,
        "name_key": fold(department.name),
        "parent_id": department.parent_id,
        "head_employee_id": department.head_employee_id,
    }


def _write_errors(department: Department) -> ErrorMap:
    where = "at the top level" if department.parent_id is None else "in this parent department"
    return {
        "uq_departments_parent_name_key": lambda: Conflict(
            f"name {department.name!r} is taken: a department of that name exists {where}"
        ),
        "fk_departments_parent_id_departments": lambda: ValidationFailed(
            {"parent_id": f"no department {department.parent_id}"}
        ),
        "fk_departments_head_employee_id_employees": lambda: ValidationFailed(
            {"head_employee_id": f"no employee {department.head_employee_id}"}
        ),
    }


def _department(row: Any) -> Department:
    return Department(
        id=row["id"],
        name=row["name"],
        parent_id=row["parent_id"],
        head_employee_id=row["head_employee_id"],
        version=row["version"],
    )
