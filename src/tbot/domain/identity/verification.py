from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tbot.domain.errors import Conflict, ValidationFailed

CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
COOLDOWN = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class EmailVerification:
    """A pending proof that a Telegram user owns a corporate mailbox. Only the code's hash
    is kept; five wrong codes lock the Telegram user out for the cool-down."""

    telegram_id: int
    email: str
    code_hash: str = field(repr=False)
    sent_at: datetime
    expires_at: datetime
    attempts: int = 0
    locked_until: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


class WrongCode(ValidationFailed):
    """A code that does not match; the bot tells how many guesses are left."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__({"code": f"wrong code; {attempts_left} attempt(s) left"})
        self.attempts_left = attempts_left


class CodeExpired(ValidationFailed):
    def __init__(self) -> None:
        super().__init__({"code": "expired; ask for a new one"})


class DomainNotAllowed(ValidationFailed):
    """An address outside the corporate mail domains."""

    def __init__(self, domains: tuple[str, ...]) -> None:
        super().__init__({"email": f"use your corporate address ({', '.join(domains)})"})
        self.domains = domains


class EmailTaken(Conflict):
    def __init__(self) -> None:
        super().__init__("this email is already linked to another Telegram account")
