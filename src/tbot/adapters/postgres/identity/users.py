from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import roles, user_roles, users
from tbot.domain.errors import Conflict, ValidationFailed
from tbot.domain.identity.users import User

ADMIN_CHANGE_LOCK = 7_146_052_818
ADMIN_ROLE = "admin"


class PostgresUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> User | None:
        return await self._one(users.c.id == user_id)

    async def by_login(self, login: str) -> User | None:
        return await self._one(users.c.login == login)

    async def by_email(self, email: str) -> User | None:
        return await self._one(users.c.email == email.lower())

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        return await self._one(users.c.telegram_id == telegram_id)

    async def add(self, user: User) -> User:
        names = await self._known_roles(user.roles)
        values = _values(user)
        if user.created_at is not None:  # kept when importing accounts from the legacy bot
            values["created_at"] = user.created_at
        async with self._unique(user):
            statement = insert(users).values(**values, version=1).returning(*users.c)
            row = (await self._session.execute(statement)).mappings().one()
            await self._insert_roles(row["id"], names)
        return _user(row, names)

    async def update(self, user: User) -> User:
        if user.id is None:
            raise ValueError("only a stored user can be updated")
        names = await self._known_roles(user.roles)
        statement = (
            update(users)
            .where(users.c.id == user.id, users.c.version == user.version)
            .values(**_values(user), version=users.c.version + 1)
            .returning(*users.c)
        )
        async with self._unique(user):
            row = (await self._session.execute(statement)).mappings().first()
            if row is None:
                raise Conflict(f"user {user.id} was changed by someone else; reload and try again")
            await self._replace_roles(user.id, names)
        return _user(row, names)

    async def list(self, *, limit: int = 100, after_id: int | None = None) -> list[User]:
        query = _select().order_by(users.c.id).limit(limit)
        if after_id is not None:
            query = query.where(users.c.id > after_id)
        rows = (await self._session.execute(query)).mappings()
        return [_user(row, row["roles"]) for row in rows]

    async def count_admins(self) -> int:
        # Held to the end of the transaction: two concurrent demotions of the last two
        # admins take turns, and the second sees the first's result.
        await self._session.execute(select(func.pg_advisory_xact_lock(ADMIN_CHANGE_LOCK)))
        query = (
            select(func.count())
            .select_from(users.join(user_roles, user_roles.c.user_id == users.c.id))
            .where(user_roles.c.role == ADMIN_ROLE, users.c.disabled.is_(False))
        )
        return int((await self._session.execute(query)).scalar_one())

    async def _one(self, condition: ColumnElement[bool]) -> User | None:
        row = (await self._session.execute(_select().where(condition))).mappings().first()
        return _user(row, row["roles"]) if row else None

    async def _known_roles(self, names: Iterable[str]) -> Sequence[str]:
        wanted = sorted(set(names))
        if not wanted:
            return wanted
        query = select(roles.c.name).where(roles.c.name.in_(wanted))
        known = set((await self._session.execute(query)).scalars())
        unknown = [name for name in wanted if name not in known]
        if unknown:
            raise ValidationFailed({"roles": f"unknown role(s): {', '.join(unknown)}"})
        return wanted

    async def _replace_roles(self, user_id: int, names: Sequence[str]) -> None:
        await self._session.execute(
            delete(user_roles).where(
                user_roles.c.user_id == user_id, user_roles.c.role.not_in(names)
            )
        )
        await self._insert_roles(user_id, names)

    async def _insert_roles(self, user_id: int, names: Sequence[str]) -> None:
        if names:
            rows = [{"user_id": user_id, "role": name} for name in names]
            await self._session.execute(pg_insert(user_roles).values(rows).on_conflict_do_nothing())

    @asynccontextmanager
    async def _unique(self, user: User) -> AsyncIterator[None]:
        """Turns a unique violation into a Conflict naming the field. The savepoint keeps the
        caller's transaction usable afterwards, as with any other domain error."""
        try:
            async with self._session.begin_nested():
                yield
        except IntegrityError as error:
            conflict = _conflict(_constraint(error), user)
            if conflict is None:
                raise
            raise conflict from error


def _select() -> Select[Any]:
    role_names = (
        select(func.array_agg(user_roles.c.role))
        .where(user_roles.c.user_id == users.c.id)
        .scalar_subquery()
    )
    return select(users, role_names.label("roles"))


def _values(user: User) -> dict[str, Any]:
    """The columns a user may change; id, created_at and version are the database's."""
    return {
        "login": user.login,
        "email": user.email.lower() if user.email is not None else None,
        "display_name": user.display_name,
        "password_hash": user.password_hash,
        "disabled": user.disabled,
        "telegram_id": user.telegram_id,
        "telegram_blocked": user.telegram_blocked,
        "employee_id": user.employee_id,
        "password_changed_at": user.password_changed_at,
    }


def _constraint(error: IntegrityError) -> str | None:
    name = getattr(getattr(error.orig, "driver_exception", None), "constraint_name", None)
    return name if isinstance(name, str) else None


def _conflict(constraint: str | None, user: User) -> Conflict | None:
    if constraint == "uq_users_login":
        return Conflict(f"login {user.login!r} is taken")
    if constraint == "uq_users_email":
        return Conflict(f"email {user.email!r} is taken")
    if constraint == "uq_users_telegram_id":
        return Conflict(f"telegram id {user.telegram_id} is already linked to another user")
    return None


def _user(row: Any, role_names: Iterable[str] | None) -> User:
    return User(
        id=row["id"],
        display_name=row["display_name"],
        login=row["login"],
        email=row["email"],
        password_hash=row["password_hash"],
        # sorted here, not in SQL: the database collation may order '_' differently
        roles=tuple(sorted(role_names or ())),
        disabled=row["disabled"],
        telegram_id=row["telegram_id"],
        telegram_blocked=row["telegram_blocked"],
        employee_id=row["employee_id"],
        created_at=row["created_at"],
        password_changed_at=row["password_changed_at"],
        version=row["version"],
    )
