from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import role_permissions, roles
from tbot.domain.identity.permissions import Permission
from tbot.domain.identity.roles import Role


class PostgresRoleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list(self) -> list[Role]:
        rows = (await self._session.execute(_select().order_by(roles.c.name))).mappings()
        return [_role(row) for row in rows]

    async def get(self, name: str) -> Role | None:
        query = _select().where(roles.c.name == name)
        row = (await self._session.execute(query)).mappings().first()
        return _role(row) if row else None

    async def save(self, role: Role) -> None:
        statement = (
            insert(roles)
            .values(name=role.name, description=role.description, builtin=role.builtin)
            .on_conflict_do_update(
                index_elements=[roles.c.name],
                set_={"description": role.description, "builtin": role.builtin},
            )
        )
        await self._session.execute(statement)
        await self._replace_permissions(role.name, sorted(p.value for p in role.permissions))

    async def _replace_permissions(self, name: str, permissions: Sequence[str]) -> None:
        await self._session.execute(
            delete(role_permissions).where(
                role_permissions.c.role == name, role_permissions.c.permission.not_in(permissions)
            )
        )
        if permissions:
            rows = [{"role": name, "permission": permission} for permission in permissions]
            await self._session.execute(
                insert(role_permissions).values(rows).on_conflict_do_nothing()
            )


def _select() -> Select[Any]:
    permissions = (
        select(func.array_agg(role_permissions.c.permission))
        .where(role_permissions.c.role == roles.c.name)
        .scalar_subquery()
    )
    return select(roles, permissions.label("permissions"))


def _role(row: Any) -> Role:
    return Role(
        name=row["name"],
        permissions=frozenset(Permission(name) for name in row["permissions"] or ()),
        description=row["description"],
        builtin=row["builtin"],
    )
