"""MessageSender over aiogram's Bot: one Bot per process, made on first use from the token in
the keyring and the configured Bot API server."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from tbot.adapters.telegram.session import BotApiSession
from tbot.application.ports.notifications import (
    DeliveryDeferred,
    DeliveryRefused,
    Notification,
)

ACTION_PREFIX = "act"  # callback data "act:<action>:<ref>"; the bot routes it back


def action_data(action: str, ref: str) -> str:
    data = f"{ACTION_PREFIX}:{action}:{ref}"
    if len(data.encode()) > 64:
        raise ValueError(f"button data over Telegram's 64 bytes: {data!r}")
    return data


def render(notification: Notification) -> str:
    body = html.escape(notification.text, quote=False)
    if notification.title:
        return f"<b>{html.escape(notification.title, quote=False)}</b>\n{body}"
    return body


class AiogramMessageSender:
    def __init__(self, token: Callable[[], Awaitable[str | None]], api_url: str) -> None:
        self._token = token
        self._api_url = api_url
        self._bot: Bot | None = None

    async def send(self, notification: Notification) -> None:
        bot = await self._connected()
        markup = None
        if notification.buttons:
            row = [
                InlineKeyboardButton(text=b.text, callback_data=action_data(b.action, b.ref))
                for b in notification.buttons
            ]
            markup = InlineKeyboardMarkup(inline_keyboard=[row])
        try:
            await bot.send_message(notification.chat_id, render(notification), reply_markup=markup)
        except TelegramRetryAfter as error:
            raise DeliveryDeferred(error.retry_after) from error
        except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as error:
            raise DeliveryRefused(error.message) from error

    async def close(self) -> None:
        if self._bot is not None:
            await self._bot.session.close()
            self._bot = None

    async def _connected(self) -> Bot:
        if self._bot is None:
            token = await self._token()
            if not token:
                raise DeliveryRefused("no bot token configured")
            session = BotApiSession(api=TelegramAPIServer.from_base(self._api_url.rstrip("/")))
            self._bot = Bot(token, session=session, default=DefaultBotProperties(
                parse_mode=ParseMode.HTML, link_preview_is_disabled=True))  # fmt: skip
        return self._bot
