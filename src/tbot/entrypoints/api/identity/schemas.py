"""Wire schemas of the identity endpoints, and their conversions from domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from tbot.application.identity.sessions import TokenPair
from tbot.domain.audit import AuditEvent
from tbot.domain.identity.credentials import ApiToken
from tbot.domain.identity.roles import Role
from tbot.domain.identity.users import User

Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    login: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    password: Secret


class RefreshIn(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: Secret


class TokenPairOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    refresh_expires_at: datetime

    @classmethod
    def of(cls, pair: TokenPair) -> TokenPairOut:
        return cls(
            pair.access_token,
            pair.refresh_token,
            pair.token_type,
            pair.expires_in,
            pair.refresh_expires_at,
        )


class PasswordChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Secret
    new_password: Secret


class RevokedOut(msgspec.Struct):
    revoked_sessions: int


class UserOut(msgspec.Struct):
    id: int
    display_name: str
    login: str | None
    email: str | None
    roles: list[str]
    disabled: bool
    telegram_id: int | None
    telegram_blocked: bool
    employee_id: int | None
    created_at: datetime | None
    version: int

    @classmethod
    def of(cls, user: User) -> UserOut:
        assert user.id is not None
        return cls(
            user.id,
            user.display_name,
            user.login,
            user.email,
            list(user.roles),
            user.disabled,
            user.telegram_id,
            user.telegram_blocked,
            user.employee_id,
            user.created_at,
            user.version,
        )


class UserCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    display_name: str
    login: str | None = None
    email: str | None = None
    password: str | None = None
    roles: list[str] = msgspec.field(default_factory=lambda: ["employee"])


class UserRolesIn(msgspec.Struct, forbid_unknown_fields=True):
    roles: list[str]


class UserPasswordIn(msgspec.Struct, forbid_unknown_fields=True):
    password: Secret


class UserDisabledIn(msgspec.Struct, forbid_unknown_fields=True):
    disabled: bool


class TelegramBlockIn(msgspec.Struct, forbid_unknown_fields=True):
    blocked: bool


class RoleOut(msgspec.Struct):
    name: str
    permissions: list[str]
    description: str
    builtin: bool

    @classmethod
    def of(cls, role: Role) -> RoleOut:
        return cls(role.name, sorted(role.permissions), role.description, role.builtin)


class RoleCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    permissions: list[str]
    description: str = ""


class RolePermissionsIn(msgspec.Struct, forbid_unknown_fields=True):
    grant: list[str] = msgspec.field(default_factory=list)
    revoke: list[str] = msgspec.field(default_factory=list)


class ApiTokenOut(msgspec.Struct):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_by: str
    created_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> ApiTokenOut:
        assert token.id is not None
        return cls(
            token.id,
            token.name,
            token.prefix,
            sorted(token.scopes),
            token.created_by,
            token.created_at,
            token.expires_at,
            token.last_used_at,
            token.revoked_at,
        )


class ApiTokenCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    scopes: list[str]
    expires_at: datetime | None = None


class ApiTokenCreatedOut(msgspec.Struct):
    token: ApiTokenOut
    secret: str  # shown once


class AuditEventOut(msgspec.Struct):
    id: int
    at: datetime | None
    actor: str
    actor_user_id: int | None
    channel: str
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str
    node: str

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        assert event.id is not None
        return cls(
            event.id,
            event.at,
            event.actor.name,
            event.actor.user_id,
            event.actor.channel.value,
            event.action,
            event.target_type,
            event.target_id,
            dict(event.before) if event.before is not None else None,
            dict(event.after) if event.after is not None else None,
            event.actor.request_id,
            event.node,
        )


class AuditPageOut(msgspec.Struct):
    events: list[AuditEventOut]
    next_cursor: int | None
