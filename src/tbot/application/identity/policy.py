from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tbot.application.ports.identity import LockoutPolicy, RateLimit
from tbot.domain.identity.passwords import PasswordPolicy
from tbot.domain.settings import RuntimeSettings


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


def policy_from_settings(runtime: RuntimeSettings) -> IdentityPolicy:
    lockout_s = runtime.login_lockout_minutes * 60.0
    domains = tuple(
        d.strip().lower() for d in runtime.verification_email_domains.split(",") if d.strip()
    )
    return IdentityPolicy(
        access_ttl=timedelta(minutes=runtime.access_token_minutes),
        refresh_ttl=timedelta(days=runtime.refresh_token_days),
        account_lockout=LockoutPolicy(runtime.login_max_failures, lockout_s, lockout_s),
        address_lockout=LockoutPolicy(runtime.login_max_failures * 10, lockout_s, lockout_s),
        allowed_email_domains=domains,
    )


def api_rate_limit(runtime: RuntimeSettings) -> RateLimit:
    return RateLimit("api", runtime.api_requests_per_minute, 60.0)


def login_rate_limit(runtime: RuntimeSettings) -> RateLimit:
    return RateLimit("login", runtime.login_attempts_per_minute, 60.0)
