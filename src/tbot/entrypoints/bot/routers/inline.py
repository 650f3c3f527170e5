"""Inline mode: `@bot Иванов` in any chat offers colleagues' cards to send there. Only for
verified employees (the verification router answers everyone else)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import (
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultUnion,
    InputTextMessageContent,
)

from tbot.application.directory.search_employees import EmployeeSearch
from tbot.application.telegram.identify import BotUser
from tbot.container import Container
from tbot.entrypoints.bot import render
from tbot.entrypoints.bot.filters import Verified
from tbot.entrypoints.bot.i18n import t
from tbot.entrypoints.bot.replies import answer_inline_notice

INLINE_LIMIT = 20
# Results depend on who asks (IP addresses only for IT), so Telegram may cache them only
# for that user and only briefly.
CACHE_S = 10


def inline_router(container: Container) -> Router:
    router = Router(name="inline")
    router.inline_query.filter(Verified())

    @router.inline_query()
    async def inline_search(query: InlineQuery, user: BotUser) -> None:
        text = query.query.strip()
        if not text:
            await answer_inline_notice(query, t("inline.type_query"))
            return
        result = await container.search_directory()(
            EmployeeSearch(text, limit=INLINE_LIMIT), user.caller
        )
        hits = [hit.employee for hit in result.hits]
        cards = await container.employee_cards().describe(hits, user.caller)
        articles: list[InlineQueryResultUnion] = [
            InlineQueryResultArticle(
                id=str(card.employee.id),
                title=card.employee.full_name,
                description=render.list_label(card.employee, card.department),
                input_message_content=InputTextMessageContent(message_text=render.card(card)),
            )
            for card in cards
        ]
        await query.answer(articles, cache_time=CACHE_S, is_personal=True)

    return router
