from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from tbot.container import Container
from tbot.entrypoints.bot.intake import Intake, inbound
from tbot.entrypoints.bot.outages import is_outage


class ExactlyOnceMiddleware(BaseMiddleware):
    """Records the update as handled in the same transaction as its handler's writes, and
    skips an update recorded before. With PostgreSQL or Redis down (before or while the
    handler runs) nothing is recorded: the user is told the service is unavailable and the
    runner does not confirm the update, so it comes back once the service does."""

    def __init__(self, container: Container) -> None:
        self._container = container

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        intake: Intake = data.setdefault("intake", Intake())
        bot_id: int = data["bot"].id
        update = inbound(bot_id, event, data.get("event_from_user"), data.get("event_chat"))
        once = self._container.handle_update_once()
        async with once(update, data.get("still_leading"), retry_later=is_outage) as claim:
            intake.claim = claim
            if not claim.fresh:
                return None
            return await handler(event, data)
