from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
