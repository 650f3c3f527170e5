"""Telegram's flood control: a 429 says how long to wait. Replies wait it out and go out once,
rather than failing in front of the user. getUpdates is left alone: the runner paces it."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

_log = structlog.get_logger("tbot.bot")

MAX_TRIES = 4
MAX_WAIT_S = 30.0  # longer than that and the user has given up on this answer anyway


class WaitOutRetryAfter(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        tries = 1 if isinstance(method, GetUpdates) else MAX_TRIES
        for attempt in range(1, tries + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == tries or error.retry_after > MAX_WAIT_S:
                    raise
                _log.info(
                    "telegram_retry_after",
                    method=type(method).__name__,
                    retry_after_s=error.retry_after,
                    attempt=attempt,
                )
                await asyncio.sleep(error.retry_after)
        raise AssertionError("unreachable")
