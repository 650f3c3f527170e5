from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from tbot.container import Container
from tbot.entrypoints.bot.i18n import Catalogs, t
from tbot.entrypoints.bot.intake import Intake
from tbot.entrypoints.bot.replies import answer


class IdentityMiddleware(BaseMiddleware):
    """Who is writing (`data["user"]`, a BotUser) and the language of every text they get
    while the update is handled. Updates without a sender (channel posts) go no further, and
    a user blocked by an administrator hears only that."""

    def __init__(self, container: Container, catalogs: Catalogs) -> None:
        self._container = container
        self._catalogs = catalogs

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: User | None = data.get("event_from_user")
        if sender is None or sender.is_bot:
            return None
        identify = self._container.identify_telegram_user()
        request_id = data.get("request_id", "")
        intake: Intake | None = data.get("intake")
        claim = intake.claim if intake is not None else None
        if claim is not None and claim.sender is not None:
            user = identify.known(sender.id, claim.sender, request_id)
        else:
            user = await identify(sender.id, request_id)
        data["user"] = user
        with self._catalogs.context(), self._catalogs.use_locale(user.language.value):
            if user.blocked:
                assert isinstance(event, Update)
                await answer(data["bot"], event, t("access.blocked"))
                return None
            return await handler(event, data)
