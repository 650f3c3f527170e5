from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from tbot.application.ports.identity import RateLimit
from tbot.application.telegram.identify import BotUser
from tbot.container import Container


class ThrottleMiddleware(BaseMiddleware):
    """Messages, button presses and inline queries per Telegram user, cluster-wide through
    Redis. Over the limit the handler does not run; the error handler answers politely."""

    def __init__(self, container: Container, per_minute: int) -> None:
        self._container = container
        self._rule = RateLimit("bot", per_minute, 60.0)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: BotUser = data["user"]
        await self._container.rate_limiter().hit(f"tg:{user.telegram_id}", self._rule)
        return await handler(event, data)
