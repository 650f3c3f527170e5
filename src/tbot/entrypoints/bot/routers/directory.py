"""Finding colleagues: free text is a search; buttons open cards, send contacts, show
workstations and turn pages; /me and /whois. For verified employees only."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from tbot.application.directory.cards import EmployeeCard
from tbot.application.directory.search_employees import EmployeeSearch, SearchResult
from tbot.application.telegram.identify import BotUser
from tbot.container import Container
from tbot.domain.errors import NotFound
from tbot.domain.identity.permissions import Permission
from tbot.entrypoints.bot import keyboards, render
from tbot.entrypoints.bot.filters import Inline, Verified, may
from tbot.entrypoints.bot.i18n import t
from tbot.entrypoints.bot.keyboards import NextPage, OpenCard, SendContact, ShowWorkstations
from tbot.entrypoints.bot.replies import send

PAGE = 8  # results per page: a list that fits a phone screen
WHOIS_LIMIT = 50


def directory_router(container: Container) -> Router:
    router = Router(name="directory")
    router.message.filter(Verified())
    router.callback_query.filter(Verified())

    async def cards(ids: list[int], user: BotUser) -> list[EmployeeCard]:
        return await container.employee_cards()(ids, user.caller)

    async def show_card(bot: Bot, chat_id: int, card: EmployeeCard, user: BotUser) -> None:
        actions = keyboards.card_actions(card, may(user, Permission.DIRECTORY_NETWORK))
        await send(bot, chat_id, [render.card(card)], actions)

    async def show_results(
        message: Message, query: str, result: SearchResult, user: BotUser, *, edit: bool
    ) -> None:
        if not result.hits:
            await message.answer(t("search.nothing", query=query))
            return
        if len(result.hits) == 1 and not edit and result.next_cursor is None:
            found = await container.employee_cards().describe(
                [result.hits[0].employee], user.caller
            )
            if found:
                await show_card(message.bot, message.chat.id, found[0], user)  # type: ignore[arg-type]
                return
        more = None
        if result.next_cursor is not None:
            token = await container.query_memory().remember(query)
            score, last_id = result.next_cursor
            more = NextPage(query=token, score=score, last_id=last_id)
        text = t("search.found", query=query, how=t(f"search.how.{result.kind.value}"))
        markup = keyboards.results([hit.employee for hit in result.hits], more)
        if edit:
            await message.edit_text(text, reply_markup=markup)
        else:
            await message.answer(text, reply_markup=markup)

    @router.message(
        Inline(F.chat.type == "private"), Inline(F.text), Inline(~F.text.startswith("/"))
    )
    async def search(message: Message, user: BotUser) -> None:
        query = (message.text or "").strip()
        result = await container.search_directory()(EmployeeSearch(query, limit=PAGE), user.caller)
        await show_results(message, query, result, user, edit=False)

    @router.callback_query(NextPage.filter())
    async def next_page(query: CallbackQuery, callback_data: NextPage, user: BotUser) -> None:
        text = await container.query_memory().recall(callback_data.query)
        if text is None or not isinstance(query.message, Message):
            await query.answer(t("search.expired"), show_alert=True)
            return
        after = (callback_data.score, callback_data.last_id)
        result = await container.search_directory()(
            EmployeeSearch(text, limit=PAGE, after=after), user.caller
        )
        await query.answer()
        await show_results(query.message, text, result, user, edit=True)

    @router.callback_query(OpenCard.filter())
    async def open_card(
        query: CallbackQuery, callback_data: OpenCard, user: BotUser, bot: Bot
    ) -> None:
        card = _one(await cards([callback_data.employee_id], user))
        await query.answer()
        await show_card(bot, query.from_user.id, card, user)

    @router.callback_query(SendContact.filter())
    async def send_contact(
        query: CallbackQuery, callback_data: SendContact, user: BotUser, bot: Bot
    ) -> None:
        card = _one(await cards([callback_data.employee_id], user))
        employee = card.employee
        number = employee.mobile_phone or employee.work_phone
        if number is None:
            await query.answer(t("card.no_phone"), show_alert=True)
            return
        await query.answer()
        await bot.send_contact(
            query.from_user.id,
            phone_number=number,
            first_name=employee.first_name or employee.last_name,
            last_name=employee.last_name if employee.first_name else None,
            vcard=render.vcard(card),
        )

    @router.callback_query(ShowWorkstations.filter())
    async def show_workstations(
        query: CallbackQuery, callback_data: ShowWorkstations, user: BotUser, bot: Bot
    ) -> None:
        container.authorizer().require(user.caller, Permission.DIRECTORY_NETWORK)
        card = _one(await cards([callback_data.employee_id], user))
        await query.answer()
        text = render.workstations(card.employee, card.workstations)
        await send(bot, query.from_user.id, [text])

    @router.message(Command("me"))
    async def me(message: Message, user: BotUser, bot: Bot) -> None:
        try:
            card = await container.my_card()(user.caller)
        except NotFound:
            await message.answer(t("me.not_linked"))
            return
        await show_card(bot, message.chat.id, card, user)

    @router.message(Command("whois"))
    async def whois(message: Message, command: CommandObject, user: BotUser, bot: Bot) -> None:
        container.authorizer().require(user.caller, Permission.DIRECTORY_NETWORK)
        query = (command.args or "").strip()
        if not query:
            await message.answer(t("whois.usage"))
            return
        result = await container.search_directory()(
            EmployeeSearch(query, limit=WHOIS_LIMIT), user.caller
        )
        if not result.hits:
            await message.answer(t("search.nothing", query=query))
            return
        found = await container.employee_cards().describe(
            [hit.employee for hit in result.hits], user.caller
        )
        await send(bot, message.chat.id, [render.card(card) for card in found])

    return router


def _one(found: list[EmployeeCard]) -> EmployeeCard:
    if not found:
        raise NotFound("employee", "-")
    return found[0]
