"""aiogram's HTTP session, keeping the response models it builds.

aiogram reads every answer through `Response[<the method's result type>]`, a pydantic generic
model made on demand. pydantic caches such models in a WeakValueDictionary: nothing else holds
them, so a garbage collection drops them and the next call builds the model again (its schema
and validator, milliseconds of CPU). A busy bot collects often and paid that on many replies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

# One model per result type, for the life of the process: a few dozen at most.
_KEPT: dict[Any, type[Response[Any]]] = {}


class KeepingSession(AiohttpSession):
    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in _KEPT:
            _KEPT[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
