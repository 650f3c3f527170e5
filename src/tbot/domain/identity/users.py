from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from tbot.domain.errors import ValidationFailed

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class User:
    """A web/API account, a Telegram identity, or both; linked to an employee where known."""

    id: int | None
    display_name: str
    login: str | None = None
    email: str | None = None
    password_hash: str | None = field(default=None, repr=False)
    roles: tuple[str, ...] = ()
    disabled: bool = False
    telegram_id: int | None = None
    telegram_blocked: bool = False
    employee_id: int | None = None
    created_at: datetime | None = None
    password_changed_at: datetime | None = None
    version: int = 1

    @property
    def can_log_in(self) -> bool:
        return not self.disabled and self.password_hash is not None


def normalize_login(login: str) -> str:
    value = login.strip().lower()
    if not _LOGIN.match(value):
        raise ValidationFailed({"login": "2-64 characters: letters, digits, dot, dash, underscore"})
    return value


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value):
        raise ValidationFailed({"email": f"not an email address: {email!r}"})
    return value
