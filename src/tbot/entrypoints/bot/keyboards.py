"""Inline keyboards and the callback data of their buttons (at most 64 bytes each)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from tbot.application.directory.cards import EmployeeCard
from tbot.domain.directory.model import Employee
from tbot.domain.telegram.language import Language
from tbot.entrypoints.bot.i18n import t
from tbot.entrypoints.bot.render import list_label


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


class OpenCard(CallbackData, prefix="card"):
    employee_id: int


class NextPage(CallbackData, prefix="page"):
    query: str  # a token of the remembered query, not the query itself
    score: float
    last_id: int


class SendContact(CallbackData, prefix="vcard"):
    employee_id: int


class ShowWorkstations(CallbackData, prefix="ws"):
    employee_id: int


LANGUAGE_NAMES = {Language.RU: "Русский", Language.EN: "English"}


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=name, callback_data=LanguageChoice(code=code.value).pack()
                )
                for code, name in LANGUAGE_NAMES.items()
            ]
        ]
    )


def results(employees: Sequence[Employee], more: NextPage | None) -> InlineKeyboardMarkup:
    """A button per employee (name and position: the list costs no lookups beyond the
    search); a press opens the full card."""
    rows = [
        [
            InlineKeyboardButton(
                text=list_label(employee),
                callback_data=OpenCard(employee_id=employee.id or 0).pack(),
            )
        ]
        for employee in employees
    ]
    if more is not None:
        rows.append([InlineKeyboardButton(text=t("search.more"), callback_data=more.pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def card_actions(card: EmployeeCard, sees_network: bool) -> InlineKeyboardMarkup | None:
    employee_id = card.employee.id or 0
    row: list[InlineKeyboardButton] = []
    if card.employee.mobile_phone or card.employee.work_phone:
        row.append(
            InlineKeyboardButton(
                text=t("card.button.contact"),
                callback_data=SendContact(employee_id=employee_id).pack(),
            )
        )
    if sees_network:
        row.append(
            InlineKeyboardButton(
                text=t("card.button.workstation"),
                callback_data=ShowWorkstations(employee_id=employee_id).pack(),
            )
        )
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None
