from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tbot.application.ports.identity import LockoutPolicy, RateLimit
from tbot.domain.identity.passwords import PasswordPolicy


@dataclass(frozen=True, slots=True)
class IdentityPolicy:
    """Lifetimes and limits of credentials; documented in docs/security.md."""

    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=14)
    passwords: PasswordPolicy = field(default_factory=PasswordPolicy)
    account_lockout: LockoutPolicy = field(
        default_factory=lambda: LockoutPolicy(max_failures=5, window_s=900, lock_s=900)
    )
    address_lockout: LockoutPolicy = field(
        default_factory=lambda: LockoutPolicy(max_failures=50, window_s=900, lock_s=900)
    )
    verification_sends: RateLimit = field(
        default_factory=lambda: RateLimit("verification_send", limit=3, period_s=3600)
    )
    allowed_email_domains: tuple[str, ...] = ()
