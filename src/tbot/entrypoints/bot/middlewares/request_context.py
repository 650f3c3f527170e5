from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update


class RequestContextMiddleware(BaseMiddleware):
    """Gives each update a request id ("tg-<update id>"): in every log line it causes and in
    the audit rows of what it changes."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        request_id = f"tg-{event.update_id}"
        data["request_id"] = request_id
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            return await handler(event, data)
