"""Sending texts: HTML parse mode, long texts split, and an answer to any kind of update."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultsButton,
    Update,
)

from tbot.entrypoints.bot.render import split

ALERT_LIMIT = 200  # Telegram's limit for the text of a callback answer


async def send(
    bot: Bot, chat_id: int, blocks: Sequence[str], markup: InlineKeyboardMarkup | None = None
) -> None:
    """The blocks as one message, or as several when over Telegram's limit; the keyboard
    goes with the last one."""
    messages = split(blocks)
    for number, text in enumerate(messages, start=1):
        await bot.send_message(
            chat_id, text, reply_markup=markup if number == len(messages) else None
        )


async def answer(bot: Bot, update: Update, text: str) -> None:
    """A short notice in reply to whatever the update was (an error, a refusal)."""
    if update.message is not None:
        await send(bot, update.message.chat.id, [text])
    elif update.callback_query is not None:
        await _alert(update.callback_query, text)
    elif update.inline_query is not None:
        await answer_inline_notice(update.inline_query, text)


async def _alert(query: CallbackQuery, text: str) -> None:
    plain = text if len(text) <= ALERT_LIMIT else text[: ALERT_LIMIT - 1] + "…"
    await query.answer(plain, show_alert=True)


async def answer_inline_notice(query: InlineQuery, text: str) -> None:
    button = InlineQueryResultsButton(text=text[:64], start_parameter="start")
    await query.answer([], cache_time=0, is_personal=True, button=button)
