"""Domain errors. They carry no transport detail; each entrypoint maps them once."""

from __future__ import annotations

import math
from collections.abc import Mapping


class DomainError(Exception):
    """Base of every error a user can be told about."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key


class ValidationFailed(DomainError):
    """Bad input. `errors` maps a field name (or `row:column`) to the reason."""

    def __init__(self, errors: Mapping[str, str], message: str = "validation failed") -> None:
        detail = "; ".join(f"{field}: {reason}" for field, reason in errors.items())
        super().__init__(f"{message}: {detail}" if detail else message)
        self.errors = dict(errors)


class PermissionDenied(DomainError):
    def __init__(self, action: str, actor: str = "") -> None:
        who = f"{actor} " if actor else ""
        super().__init__(f"{who}may not {action}".strip())
        self.action = action
        self.actor = actor


class Conflict(DomainError):
    """The change was based on stale data, or collides with an existing record."""


class RateLimited(DomainError):
    def __init__(self, action: str, retry_after_s: float) -> None:
        wait = max(1, math.ceil(retry_after_s))
        super().__init__(f"too many requests for {action}; retry in {wait} s")
        self.action = action
        self.retry_after_s = retry_after_s


class Unauthenticated(DomainError):
    """No valid credentials: a missing, expired, tampered or revoked token, a wrong password."""


class Unavailable(DomainError):
    """A dependency outside our control (mail server, OTRS) failed; trying later may work."""
