"""What the bot's use cases need to keep of Telegram: users, chats, the handled updates and
the inbound message log. Reached through the unit of work (`uow.telegram`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tbot.domain.identity.permissions import Permission
from tbot.domain.telegram.updates import InboundUpdate


@dataclass(frozen=True, slots=True)
class SenderAccount:
    """The user account a Telegram user verified into, as the bot needs it."""

    user_id: int
    login: str | None
    email: str | None
    employee_id: int | None
    roles: tuple[str, ...]
    permissions: frozenset[Permission]  # of all its roles
    blocked: bool  # in Telegram by an administrator, or the account disabled


@dataclass(frozen=True, slots=True)
class Sender:
    """What is stored of a Telegram user: the language they chose and their account."""

    chosen_language: str | None
    account: SenderAccount | None


@dataclass(frozen=True, slots=True)
class Recorded:
    fresh: bool  # False: recorded before, nothing written
    sender: Sender | None  # None for an update without a sender


class TelegramRepository(Protocol):
    async def record(self, update: InboundUpdate, node: str) -> Recorded:
        """Records the update as handled, with its sender and chat (kept current) and its
        log line, all or nothing, and reads who the sender is, in one round trip."""
        ...

    async def sender(self, telegram_id: int) -> Sender: ...

    async def chosen_language(self, telegram_id: int) -> str | None: ...

    async def choose_language(self, telegram_id: int, language: str) -> None: ...

    async def purge_processed(self, before: datetime) -> int: ...

    async def purge_log(self, before: datetime) -> int: ...


class QueryMemory(Protocol):
    """Keeps a search query for a while under a short token, so that a "more" button (whose
    data Telegram limits to 64 bytes) can name the query it continues."""

    async def remember(self, text: str) -> str: ...

    async def recall(self, token: str) -> str | None: ...
