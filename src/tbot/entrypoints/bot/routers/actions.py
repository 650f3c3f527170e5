"""Buttons under notifications ("act:<action>:<ref>") run the use case registered for the
action, as the verified employee who pressed; the answer pops up over the chat."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from tbot.adapters.telegram.sender import ACTION_PREFIX
from tbot.application.telegram.identify import BotUser
from tbot.container import Container
from tbot.entrypoints.bot.filters import Inline, Verified
from tbot.entrypoints.bot.replies import ALERT_LIMIT


def actions_router(container: Container) -> Router:
    router = Router(name="notification-actions")
    router.callback_query.filter(Verified())

    @router.callback_query(Inline(F.data.startswith(f"{ACTION_PREFIX}:")))
    async def run_action(query: CallbackQuery, user: BotUser) -> None:
        _, action, ref = (query.data or "").split(":", 2)
        answer = await container.notification_actions().run(action, ref, user.caller)
        await query.answer(answer[:ALERT_LIMIT])

    return router
