from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from tbot.application.telegram.identify import BotUser
from tbot.domain.identity.permissions import Permission


class Verified(Filter):
    """Passes updates from verified employees (or, with `False`, from everyone else)."""

    def __init__(self, verified: bool = True) -> None:
        self._verified = verified

    async def __call__(self, event: TelegramObject, user: BotUser) -> bool:
        return user.verified is self._verified


def may(user: BotUser, permission: Permission) -> bool:
    return user.caller.principal.can(permission)
