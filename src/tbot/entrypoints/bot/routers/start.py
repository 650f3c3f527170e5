"""/start, /lang and /help: open to everyone, verified or not."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from tbot.application.telegram.identify import BotUser
from tbot.container import Container
from tbot.domain.identity.permissions import Permission
from tbot.entrypoints.bot import keyboards
from tbot.entrypoints.bot.filters import may
from tbot.entrypoints.bot.i18n import Catalogs, t
from tbot.entrypoints.bot.keyboards import LanguageChoice


def start_router(container: Container, catalogs: Catalogs) -> Router:
    router = Router(name="start")

    @router.message(CommandStart())
    @router.message(Command("lang"))
    async def choose_language(message: Message) -> None:
        await message.answer(t("start.choose_language"), reply_markup=keyboards.languages())

    @router.callback_query(LanguageChoice.filter())
    async def language_chosen(
        query: CallbackQuery, callback_data: LanguageChoice, user: BotUser, bot: Bot
    ) -> None:
        chosen = await container.choose_language()(
            user.telegram_id, callback_data.code, user.caller
        )
        with catalogs.use_locale(chosen.value):
            await query.answer()
            if query.message is not None:
                await bot.send_message(query.message.chat.id, t("lang.chosen"))
                await bot.send_message(query.message.chat.id, await _next_step(user, bot))

    @router.message(Command("help"))
    async def help_(message: Message, user: BotUser, bot: Bot) -> None:
        await message.answer(await _help(user, bot))

    return router


async def _next_step(user: BotUser, bot: Bot) -> str:
    if user.blocked:
        return t("access.blocked")
    return await _help(user, bot) if user.verified else t("verify.ask_email")


async def _help(user: BotUser, bot: Bot) -> str:
    if not user.verified:
        return t("help.unverified")
    me = await bot.me()  # asked once per Bot, then cached by aiogram
    text = t("help.verified", bot=me.username or "bot")
    if may(user, Permission.DIRECTORY_NETWORK):
        text += "\n\n" + t("help.network")
    return text
