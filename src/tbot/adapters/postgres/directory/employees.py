from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as upsert
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
from tbot.adapters.postgres.tables import (
    employee_workstations,
    employees,
    name_lexicon,
    name_tokens,
    phone_keys,
    workstations,
)
from tbot.application.ports.directory import EmployeeFilter
from tbot.domain.directory.model import Employee, EmployeeStatus
from tbot.domain.directory.text import fold
from tbot.domain.errors import Conflict, DomainError, NotFound, ValidationFailed

NAME_PARTS = (("last", "last_name"), ("first", "first_name"), ("middle", "middle_name"))
PHONE_FIELDS = ("work_phone", "mobile_phone", "extension")


class PostgresEmployeeRepository:
    """Employees with their workstations. Every write also rewrites the employee's search
    keys (employees.name_tokens, employees.phone_keys) in the same transaction, from the
    domain's own folding, so that the search indexes never disagree with the rows, and adds
    new name tokens to employees.name_lexicon."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, employee_id: int) -> Employee | None:
        return await self._one(employees.c.id == employee_id)

    async def by_personnel_number(self, number: str) -> Employee | None:
        return await self._one(employees.c.personnel_number == number.strip())

    async def by_email(self, email: str) -> Employee | None:
        return await self._one(employees.c.email == email.strip().lower())

    async def add(self, employee: Employee) -> Employee:
        statement = insert(employees).values(**_values(employee), version=1).returning(*employees.c)
        async with integrity_errors(self._session, _write_errors(employee)):
            row = (await self._session.execute(statement)).mappings().one()
            workstation_ids = await self._link_workstations(row["id"], employee.workstation_ids)
        await self._write_search_keys(row["id"], employee)
        return _employee(row, workstation_ids)

    async def update(self, employee: Employee) -> Employee:
        if employee.id is None:
            raise ValueError("only a stored employee can be updated")
        statement = (
            update(employees)
            .where(employees.c.id == employee.id, employees.c.version == employee.version)
            .values(**_values(employee), version=employees.c.version + 1, updated_at=func.now())
            .returning(*employees.c)
        )
        async with integrity_errors(self._session, _write_errors(employee)):
            row = (await self._session.execute(statement)).mappings().first()
            if row is None:
                raise await stale_or_missing(self._session, employees, "employee", employee.id)
            await self._session.execute(
                delete(employee_workstations).where(
                    employee_workstations.c.employee_id == employee.id
                )
            )
            workstation_ids = await self._link_workstations(employee.id, employee.workstation_ids)
        await self._session.execute(
            delete(name_tokens).where(name_tokens.c.employee_id == employee.id)
        )
        await self._session.execute(
            delete(phone_keys).where(phone_keys.c.employee_id == employee.id)
        )
        await self._write_search_keys(employee.id, employee)
        return _employee(row, workstation_ids)

    async def all_for_import(self) -> Sequence[Employee]:
        rows = (await self._session.execute(select_employees().order_by(employees.c.id))).mappings()
        return [employee_from_row(row) for row in rows]

    async def add_many(self, many: Sequence[Employee]) -> Sequence[Employee]:
        if not many:
            return []
        driver = await driver_connection(self._session)
        ids = await new_ids(driver, employees, len(many))
        stored = [_as_stored(e, employee_id=i, version=1) for e, i in zip(many, ids, strict=True)]
        rows = [(e.id, *_values(e).values(), e.version) for e in stored]
        async with constraint_errors(_BULK_ERRORS):
            await copy_rows(driver, employees, ("id", *_COLUMNS, "version"), rows)
            await _copy_dependents(driver, stored)
        return stored

    async def update_many(self, many: Sequence[Employee]) -> Sequence[Employee]:
        if not many:
            return []
        driver = await driver_connection(self._session)
        ids = [e.id for e in many]
        columns = [list(c) for c in zip(*(_values(e).values() for e in many), strict=True)]
        async with constraint_errors(_BULK_ERRORS):
            updated = await driver.fetch(_UPDATE_MANY, ids, [e.version for e in many], *columns)
            if len(updated) != len(many):
                raise await _stale(driver, many, {row["id"] for row in updated})
            for statement in _DELETE_DEPENDENTS:
                await driver.execute(statement, ids)
            stored = [_as_stored(e, employee_id=e.id or 0, version=e.version + 1) for e in many]
            await _copy_dependents(driver, stored)
        return stored

    async def _one(self, condition: ColumnElement[bool]) -> Employee | None:
        query = select_employees().where(condition)
        row = (await self._session.execute(query)).mappings().first()
        return employee_from_row(row) if row else None

    async def _link_workstations(
        self, employee_id: int, workstation_ids: Sequence[int]
    ) -> tuple[int, ...]:
        """Links the workstations, ids sorted: their order carries no meaning."""
        linked = tuple(sorted(set(workstation_ids)))
        if linked:
            await self._refuse_unknown_workstations(linked)
            rows = [{"employee_id": employee_id, "workstation_id": ws} for ws in linked]
            await self._session.execute(insert(employee_workstations).values(rows))
        return linked

    async def _refuse_unknown_workstations(self, ids: tuple[int, ...]) -> None:
        query = select(workstations.c.id).where(workstations.c.id.in_(ids))
        known = set((await self._session.execute(query)).scalars())
        unknown = [ws for ws in ids if ws not in known]
        if unknown:
            raise ValidationFailed({"workstation_ids": f"unknown workstation(s): {_ids(unknown)}"})

    async def _write_search_keys(self, employee_id: int, employee: Employee) -> None:
        parts_and_tokens = name_token_rows(employee)
        tokens = [
            {"employee_id": employee_id, "part": part, "token": token}
            for part, token in parts_and_tokens
        ]
        if tokens:
            await self._session.execute(insert(name_tokens).values(tokens))
            words = lexicon_words(token for _, token in parts_and_tokens)
            await self._session.execute(
                upsert(name_lexicon)
                .values([{"token": word} for word in words])
                .on_conflict_do_nothing()
            )
        phones = [
            {"employee_id": employee_id, "field": field, "reversed_digits": digits[::-1]}
            for field, digits in phone_digits(employee)
        ]
        if phones:
            await self._session.execute(insert(phone_keys).values(phones))

    async def list(
        self, where: EmployeeFilter, *, limit: int = 100, after_id: int | None = None
    ) -> list[Employee]:
        query = (
            select_employees()
            .where(*filter_conditions(where))
            .order_by(employees.c.id)
            .limit(limit)
        )
        if after_id is not None:
            query = query.where(employees.c.id > after_id)
        rows = (await self._session.execute(query)).mappings()
        return [employee_from_row(row) for row in rows]


def name_token_rows(employee: Employee) -> list[tuple[str, str]]:
    """(part, token) for every folded word of the name; a hyphenated or punctuated word is
    also indexed by its pieces and without its punctuation (Римский-Корсаков, O'Brien)."""
    rows: dict[tuple[str, str], None] = {}
    for part, attribute in NAME_PARTS:
        for word in fold(getattr(employee, attribute)).split():
            pieces = [word, *word.split("-"), re.sub(r"[\W_]", "", word)]
            for token in pieces:
                if token:
                    rows[(part, token)] = None
    return list(rows)


def lexicon_words(tokens: Iterable[str]) -> list[str]:
    """The distinct tokens in one order for every writer: two transactions adding the same
    new words lock them in the same order, so they wait for each other, never deadlock."""
    return sorted(set(tokens))


def phone_digits(employee: Employee) -> list[tuple[str, str]]:
    """(field, digits) of each phone the employee has: E.164 numbers without the '+'."""
    pairs = []
    for field in PHONE_FIELDS:
        digits = re.sub(r"\D", "", getattr(employee, field) or "")
        if digits:
            pairs.append((field, digits))
    return pairs


def filter_conditions(where: EmployeeFilter) -> list[ColumnElement[bool]]:
    """Dismissed employees are left out unless asked for, by the flag or by their status."""
    conditions: list[ColumnElement[bool]] = []
    if where.status is not None:
        conditions.append(employees.c.status == where.status.value)
    elif not where.include_dismissed:
        conditions.append(employees.c.status != EmployeeStatus.DISMISSED.value)
    if where.department_id is not None:
        conditions.append(employees.c.department_id == where.department_id)
    return conditions


def workstation_ids_of_employee() -> ColumnElement[Any]:
    return (
        select(
            func.array_agg(
                aggregate_order_by(
                    employee_workstations.c.workstation_id, employee_workstations.c.workstation_id
                )
            )
        )
        .where(employee_workstations.c.employee_id == employees.c.id)
        .scalar_subquery()
        .label("workstation_ids")
    )


def select_employees() -> Select[Any]:
    """Employees with their workstation ids, in one query."""
    return select(employees, workstation_ids_of_employee())


def employee_from_row(row: Any) -> Employee:
    return _employee(row, row["workstation_ids"])


def _values(employee: Employee) -> dict[str, Any]:
    """The columns an edit may change; id, version and the times are the database's."""
    return {
        "last_name": employee.last_name,
        "first_name": employee.first_name,
        "middle_name": employee.middle_name,
        "position": employee.position,
        "department_id": employee.department_id,
        "work_phone": employee.work_phone,
        "mobile_phone": employee.mobile_phone,
        "extension": employee.extension,
        "email": employee.email,
        "telegram_username": employee.telegram_username,
        "room": employee.room,
        "personnel_number": employee.personnel_number,
        "status": employee.status.value,
        "hired_on": employee.hired_on,
        "dismissed_on": employee.dismissed_on,
    }


_COLUMNS = (
    "last_name", "first_name", "middle_name", "position", "department_id", "work_phone",
    "mobile_phone", "extension", "email", "telegram_username", "room", "personnel_number",
    "status", "hired_on", "dismissed_on",
)  # fmt: skip  # the order of _values
# Table and column names are our own constants; every value is a bound parameter.
_UPDATE_MANY = f"""
UPDATE {qualified(employees)} AS e
SET last_name = u.last_name, first_name = u.first_name, middle_name = u.middle_name,
    position = u.position, department_id = u.department_id, work_phone = u.work_phone,
    mobile_phone = u.mobile_phone, extension = u.extension, email = u.email,
    telegram_username = u.telegram_username, room = u.room,
    personnel_number = u.personnel_number, status = u.status, hired_on = u.hired_on,
    dismissed_on = u.dismissed_on, version = e.version + 1, updated_at = now()
FROM unnest(
    $1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
    $15::text[], $16::date[], $17::date[]
) AS u(id, version, {", ".join(_COLUMNS)})
WHERE e.id = u.id AND e.version = u.version
RETURNING e.id
"""  # noqa: S608
_DELETE_DEPENDENTS = tuple(
    f"DELETE FROM {qualified(table)} WHERE employee_id = ANY($1::bigint[])"  # noqa: S608
    for table in (employee_workstations, name_tokens, phone_keys)
)
# Words already there are left alone (and not locked): the lexicon only ever grows.
_ADD_TO_LEXICON = (
    f"INSERT INTO {qualified(name_lexicon)} (token) "
    "SELECT unnest($1::text[]) ON CONFLICT DO NOTHING"
)
_EXISTING = f"SELECT id FROM {qualified(employees)} WHERE id = ANY($1::bigint[])"  # noqa: S608
_BULK_ERRORS: BulkErrorMap = {
    "uq_employees_email": lambda detail: Conflict(
        f"an email is taken by another employee ({detail})"
    ),
    "uq_employees_personnel_number": lambda detail: Conflict(
        f"a personnel number is taken by another employee ({detail})"
    ),
    "fk_employees_department_id_departments": lambda detail: ValidationFailed(
        {"department_id": f"no such department ({detail})"}
    ),
    "fk_employee_workstations_workstation_id_workstations": lambda detail: ValidationFailed(
        {"workstation_ids": f"no such workstation ({detail})"}
    ),
}


def _as_stored(employee: Employee, *, employee_id: int, version: int) -> Employee:
    """The employee as the database now holds it: workstation ids are a set, in id order."""
    return replace(
        employee,
        id=employee_id,
        workstation_ids=tuple(sorted(set(employee.workstation_ids))),
        version=version,
    )


async def _copy_dependents(driver: Driver, stored: Sequence[Employee]) -> None:
    """Workstation links and search keys, written from the same rules as one-by-one writes."""
    links = ((e.id, ws) for e in stored for ws in e.workstation_ids)
    await copy_rows(driver, employee_workstations, ("employee_id", "workstation_id"), links)
    tokens = [(e.id, part, token) for e in stored for part, token in name_token_rows(e)]
    await copy_rows(driver, name_tokens, ("employee_id", "part", "token"), tokens)
    if tokens:
        await driver.execute(_ADD_TO_LEXICON, lexicon_words(token for *_, token in tokens))
    phones = ((e.id, field, digits[::-1]) for e in stored for field, digits in phone_digits(e))
    await copy_rows(driver, phone_keys, ("employee_id", "field", "reversed_digits"), phones)


async def _stale(driver: Driver, many: Sequence[Employee], updated: set[int]) -> DomainError:
    missed = [e.id or 0 for e in many if e.id not in updated]
    found = await driver.fetch(_EXISTING, missed)
    gone = sorted(set(missed) - {row["id"] for row in found})
    if gone:
        return NotFound("employee", gone[0])
    return Conflict(f"employee {missed[0]} was changed by someone else; reload and try again")


def _write_errors(employee: Employee) -> ErrorMap:
    return {
        "uq_employees_email": lambda: Conflict(
            f"email {employee.email!r} is taken by another employee"
        ),
        "uq_employees_personnel_number": lambda: Conflict(
            f"personnel number {employee.personnel_number!r} is taken by another employee"
        ),
        "fk_employees_department_id_departments": lambda: ValidationFailed(
            {"department_id": f"no department {employee.department_id}"}
        ),
        # checked before linking; this catches a workstation deleted at the same moment
        "fk_employee_workstations_workstation_id_workstations": lambda: ValidationFailed(
            {"workstation_ids": "unknown workstation(s) among " + _ids(employee.workstation_ids)}
        ),
    }


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(str(i) for i in sorted(set(ids)))


def _employee(row: Any, workstation_ids: Sequence[int] | None) -> Employee:
    return Employee(
        id=row["id"],
        last_name=row["last_name"],
        first_name=row["first_name"],
        middle_name=row["middle_name"],
        position=row["position"],
        department_id=row["department_id"],
        work_phone=row["work_phone"],
        mobile_phone=row["mobile_phone"],
        extension=row["extension"],
        email=row["email"],
        telegram_username=row["telegram_username"],
        room=row["room"],
        workstation_ids=tuple(workstation_ids or ()),
        personnel_number=row["personnel_number"],
        status=EmployeeStatus(row["status"]),
        hired_on=row["hired_on"],
        dismissed_on=row["dismissed_on"],
        version=row["version"],
    )
