from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tbot.application.identity.authorizer import Authorizer
from tbot.application.identity.policy import IdentityPolicy
from tbot.application.ports.identity import PasswordHasher
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.domain.identity.users import User, normalize_email, normalize_login


@dataclass(frozen=True, slots=True)
class NewUser:
    display_name: str
    login: str | None = None
    email: str | None = None
    password: str | None = None
    roles: tuple[str, ...] = ("employee",)


T = TypeVar("T")


class CreateUser:
    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        authorizer: Authorizer,
        policy: IdentityPolicy,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._authorizer = authorizer
        self._policy = policy

    async def __call__(self, new: NewUser, caller: Caller) -> User:
        self._authorizer.require(caller, Permission.USERS_MANAGE)
        user = await self._validated(new)
        async with self._uow:
            await require_roles_exist(self._uow, user.roles)
            stored = await self._uow.users.add(user)
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="user.create",
                    target_type="user",
                    target_id=str(stored.id),
                    after=describe(stored),
                )
            )
            await self._uow.commit()
        return stored

    async def _validated(self, new: NewUser) -> User:
        errors: dict[str, str] = {}
        login = _collect(errors, lambda: normalize_login(new.login) if new.login else None)
        email = _collect(errors, lambda: normalize_email(new.email) if new.email else None)
        if not new.display_name.strip():
            errors["display_name"] = "must not be empty"
        if new.password is not None:
            _collect(errors, lambda: self._policy.passwords.check(new.password or "", login=login))
        if new.password is not None and login is None:
            errors["login"] = "a password needs a login"
        if errors:
            raise ValidationFailed(errors, "user not created")
        password_hash = await self._hasher.hash(new.password) if new.password else None
        return User(
            id=None,
            display_name=new.display_name.strip(),
            login=login,
            email=email,
            password_hash=password_hash,
            roles=tuple(sorted(set(new.roles))),
        )


def _collect(errors: dict[str, str], check: Callable[[], T]) -> T | None:
    try:
        return check()
    except ValidationFailed as error:
        errors.update(error.errors)
        return None


async def require_roles_exist(uow: UnitOfWork, roles: tuple[str, ...]) -> None:
    unknown = [name for name in roles if await uow.roles.get(name) is None]
    if unknown:
        raise ValidationFailed({"roles": f"unknown role(s): {', '.join(sorted(unknown))}"})


def describe(user: User) -> dict[str, object]:
    """What the audit log keeps of a user: never the password hash."""
    return {
        "login": user.login,
        "email": user.email,
        "display_name": user.display_name,
        "roles": list(user.roles),
        "disabled": user.disabled,
        "telegram_id": user.telegram_id,
        "telegram_blocked": user.telegram_blocked,
    }
