"""The dialog of someone not yet verified: their work email, then the code mailed to it.
No state is kept in the bot: a pending code in PostgreSQL is the state, so the dialog
survives a restart or a failover to another node."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineQuery, Message

from tbot.application.telegram.identify import BotUser
from tbot.container import Container
from tbot.entrypoints.bot.filters import Inline, Verified
from tbot.entrypoints.bot.i18n import t
from tbot.entrypoints.bot.replies import answer_inline_notice

_CODE = re.compile(r"^\d{6}$")


def verification_router(container: Container) -> Router:
    router = Router(name="verification")
    router.message.filter(Verified(False))
    router.callback_query.filter(Verified(False))
    router.inline_query.filter(Verified(False))

    @router.message(Inline(F.chat.type == "private"), Inline(F.text.contains("@")))
    async def email_given(message: Message, user: BotUser) -> None:
        email = (message.text or "").strip()
        await container.start_email_verification()(user.telegram_id, email, user.caller)
        await message.answer(t("verify.code_sent", email=email))

    @router.message(
        Inline(F.chat.type == "private"),
        Inline(F.text.func(lambda text: _CODE.match(text.replace(" ", "")))),
    )
    async def code_given(message: Message, user: BotUser) -> None:
        code = (message.text or "").replace(" ", "")
        verified = await container.confirm_email_verification()(user.telegram_id, code, user.caller)
        await message.answer(t("verify.done", name=verified.display_name))

    @router.message(Inline(F.chat.type == "private"))
    async def anything_else(message: Message) -> None:
        await message.answer(t("verify.ask_email"))

    @router.callback_query()
    async def stale_button(query: CallbackQuery) -> None:
        await query.answer(t("access.unverified"), show_alert=True)

    @router.inline_query()
    async def not_yet(query: InlineQuery) -> None:
        await answer_inline_notice(query, t("inline.verify_first"))

    return router


def _looks_like_code(text: str) -> bool:
    return _CODE.match(text.replace(" ", "")) is not None
