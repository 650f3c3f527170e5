from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject
from magic_filter import MagicFilter

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


class Inline(Filter):
    """A magic filter (`F.text`, `F.chat.type == "private"`) checked in the event loop.
    aiogram runs a bare magic filter, like any plain function, through asyncio.to_thread:
    a hop to a worker thread and back for every filter of every update."""

    def __init__(self, magic: MagicFilter) -> None:
        self._magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self._magic.resolve(event))
