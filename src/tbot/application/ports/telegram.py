"""What the bot's use cases need to keep of Telegram: users, chats, the handled updates and
the inbound message log. Reached through the unit of work (`uow.telegram`)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from tbot.domain.telegram.updates import InboundUpdate


class TelegramRepository(Protocol):
    async def record(self, update: InboundUpdate, node: str) -> bool:
        """Records the update as handled, with its sender and chat (kept current) and its
        log line, all or nothing; False for an update recorded before (nothing written)."""
        ...

    async def chosen_language(self, telegram_id: int) -> str | None: ...

    async def choose_language(self, telegram_id: int, language: str) -> None: ...

    async def purge_processed(self, before: datetime) -> int: ...

    async def purge_log(self, before: datetime) -> int: ...


class QueryMemory(Protocol):
    """Keeps a search query for a while under a short token, so that a "more" button (whose
    data Telegram limits to 64 bytes) can name the query it continues."""

    async def remember(self, text: str) -> str: ...

    async def recall(self, token: str) -> str | None: ...
