"""The command menu Telegram shows, in both languages (setMyCommands per language_code)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand

from tbot.domain.telegram.language import Language
from tbot.entrypoints.bot.i18n import Catalogs, t

COMMANDS = ("start", "help", "me", "lang", "whois")


async def register_commands(bot: Bot, catalogs: Catalogs) -> None:
    with catalogs.context():
        for language in Language:
            menu = [
                BotCommand(command=c, description=t(f"command.{c}", language)) for c in COMMANDS
            ]
            await bot.set_my_commands(menu, language_code=language.value)
        default = [
            BotCommand(command=c, description=t(f"command.{c}", catalogs.default_locale))
            for c in COMMANDS
        ]
        # Clients in any other language get the company default.
        await bot.set_my_commands(default)
