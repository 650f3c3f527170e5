"""Building the bot of a node: the aiogram Bot on the configured Bot API server, the
Dispatcher over the container, the command menu, and the runner."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from tbot.adapters.telegram.session import BotApiSession
from tbot.container import Container
from tbot.domain.telegram.language import language_for
from tbot.entrypoints.bot.commands import register_commands
from tbot.entrypoints.bot.dispatcher import build_dispatcher
from tbot.entrypoints.bot.i18n import load_catalogs
from tbot.entrypoints.bot.retry_after import WaitOutRetryAfter
from tbot.entrypoints.bot.runner import BotRunner


def create_bot(token: str, api_url: str) -> Bot:
    """Every message goes out as HTML (our renderers escape every value); link previews off,
    a card's email or site must not unfurl."""
    session = BotApiSession(api=TelegramAPIServer.from_base(api_url.rstrip("/")))
    session.middleware(WaitOutRetryAfter())
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build_runner(container: Container, token: str) -> BotRunner:
    """Everything the bot needs, without a word to Telegram yet."""
    # aiogram logs every update at INFO; our middlewares log what matters, with the request id.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    runtime = container.runtime()
    bot = create_bot(token, runtime.telegram_api_url)
    catalogs = load_catalogs(language_for(None, runtime.default_language))
    # One pooled connection per update (its journal; a search joins it): as many updates at
    # once as the pool's size keep the pool from overflowing (an overflow connection is
    # opened and closed again for every use).
    return BotRunner(
        bot,
        build_dispatcher(container, catalogs),
        catalogs=catalogs,
        max_concurrent_updates=container.config.db_pool_size(),
        counter=container.metrics().bot_updates,
    )


async def open_runner(container: Container, token: str) -> BotRunner:
    """A runner whose command menu is registered with Telegram."""
    runner = build_runner(container, token)
    await register_commands(runner.bot, runner.catalogs)
    return runner
