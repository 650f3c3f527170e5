from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import Conflict, NotFound, ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission, parse_permissions
from tbot.domain.identity.roles import Role


class ListRoles:
    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(self, caller: Caller) -> list[Role]:
        self._authorizer.require(caller, Permission.USERS_MANAGE)
        async with self._uow:
            return await self._uow.roles.list()


class CreateRole:
    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(
        self, name: str, permissions: Iterable[str], description: str, caller: Caller
    ) -> Role:
        self._authorizer.require(caller, Permission.USERS_MANAGE)
        role = Role(name.strip().lower(), parse_permissions(list(permissions)), description)
        async with self._uow:
            if await self._uow.roles.get(role.name) is not None:
                raise Conflict(f"role {role.name!r} exists")
            await self._uow.roles.save(role)
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="role.create",
                    target_type="role",
                    target_id=role.name,
                    after={"permissions": sorted(role.permissions)},
                )
            )
            await self._uow.commit()
        return role


class ChangeRolePermissions:
    """Grants or revokes permissions. `admin` always holds everything: an installation must
    never lose the one role that can repair it. Holders get the change at their next token
    refresh (within the access-token lifetime)."""

    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(
        self, name: str, *, grant: Iterable[str] = (), revoke: Iterable[str] = (), caller: Caller
    ) -> Role:
        self._authorizer.require(caller, Permission.USERS_MANAGE)
        granted, revoked = parse_permissions(list(grant)), parse_permissions(list(revoke))
        if name == "admin":
            raise ValidationFailed({"role": "the admin role always holds every permission"})
        async with self._uow:
            role = await self._uow.roles.get(name)
            if role is None:
                raise NotFound("role", name)
            changed = replace(role, permissions=(role.permissions | granted) - revoked)
            await self._uow.roles.save(changed)
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="role.permissions_changed",
                    target_type="role",
                    target_id=name,
                    before={"permissions": sorted(role.permissions)},
                    after={"permissions": sorted(changed.permissions)},
                )
            )
            await self._uow.commit()
        return changed
