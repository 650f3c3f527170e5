"""The directory workbook's column vocabulary: the canonical fields, the header words people
actually write for them (Russian and English), and the layout of the old bot's workbook.

A header matches a field after folding: case, "ё"/"е", spaces, dots, hyphens, underscores and
a trailing ":" or "*" do not count, so "Ф.И.О.:", "фио" and "E-mail" / "email" are the same.
The canonical field name itself is always accepted too ("work_phone" folds like "Work phone").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

HeaderLanguage = Literal["ru", "en"]


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    ru: tuple[str, ...]  # the first one is what an export writes
    en: tuple[str, ...]
    width: int = 16  # export column width, in characters

    def header(self, language: HeaderLanguage = "ru") -> str:
        return self.ru[0] if language == "ru" else self.en[0]


COLUMNS: tuple[Column, ...] = (
    Column("full_name", ("ФИО", "Ф.И.О.", "Сотрудник", "Фамилия Имя Отчество", "Фамилия И.О."),
           ("Full name", "Name", "Employee"), 36),
    Column("last_name", ("Фамилия",), ("Last name", "Surname", "Family name"), 18),
    Column("first_name", ("Имя",), ("First name", "Given name"), 14),
    Column("middle_name", ("Отчество",), ("Middle name", "Patronymic"), 18),
    Column("position", ("Должность",), ("Position", "Title", "Job title"), 28),
    Column("department", ("Отдел", "Подразделение", "Департамент", "Служба"),
           ("Department", "Division"), 28),
    Column("work_phone", ("Телефон", "Рабочий телефон", "Раб. тел.", "Тел.", "Городской"),
           ("Phone", "Work phone", "Telephone"), 18),
    Column("mobile_phone", ("Мобильный", "Мобильный телефон", "Моб. тел.", "Сотовый"),
           ("Mobile", "Mobile phone", "Cell phone"), 18),
    Column("extension", ("Внутренний", "Вн. тел.", "Вн.", "Внутр.", "Внутренний номер", "Доб."),
           ("Extension", "Ext"), 10),
    Column("email", ("E-mail", "Email", "Почта", "Эл. почта", "Электронная почта"),
           ("Email", "E-mail address", "Mail"), 28),
    Column("telegram_username", ("Telegram", "Телеграм", "Телеграмм"),
           ("Telegram", "Telegram username"), 18),
    Column("room", ("Кабинет", "Комната", "Каб."), ("Room", "Office"), 10),
    Column("workstation", ("Рабочая станция", "Компьютер", "ПК", "Имя компьютера"),
           ("Workstation", "Hostname", "Computer", "Host"), 18),
    Column("ip", ("IP", "IP-адрес", "Адрес IP"), ("IP", "IP address"), 16),
    Column("mac", ("MAC", "MAC-адрес"), ("MAC", "MAC address"), 18),
    Column("personnel_number", ("Табельный номер", "Таб. №", "Таб. номер", "Табельный №"),
           ("Personnel number", "Employee ID", "Employee number"), 14),
    Column("status", ("Статус", "Состояние"), ("Status",), 12),
    Column("hired_on", ("Дата приема", "Дата приёма на работу", "Принят"),
           ("Hired", "Hired on", "Hire date"), 12),
    Column("dismissed_on", ("Дата увольнения", "Уволен"), ("Dismissed", "Dismissed on"), 12),
)  # fmt: skip

FIELDS: tuple[str, ...] = tuple(column.field for column in COLUMNS)
COLUMN_BY_FIELD: dict[str, Column] = {column.field: column for column in COLUMNS}

NAME_PARTS = ("last_name", "first_name", "middle_name")
DATE_FIELDS = frozenset({"hired_on", "dismissed_on"})
# Digits people expect to stay as typed: an export marks these cells as Text ("@"), so that
# editing one in Excel does not turn 84951234567 into 8.50E+10 or drop a leading zero.
TEXT_FIELDS = frozenset({"work_phone", "mobile_phone", "extension", "personnel_number", "room"})

# full_name is left out: it is derived from the parts, which an import reads back directly.
DEFAULT_EXPORT_FIELDS: tuple[str, ...] = tuple(f for f in FIELDS if f != "full_name")

# The old bot's workbook, as its operators kept it: one sheet per department (the sheet name is
# the department), a title row above the header, and these eight columns in this order.
LEGACY: tuple[tuple[str, str], ...] = (
    ("ФИО", "full_name"),
    ("Должность", "position"),
    ("Телефон", "work_phone"),
    ("Вн.", "extension"),
    ("Кабинет", "room"),
    ("ПК", "workstation"),
    ("IP", "ip"),
    ("E-mail", "email"),
)

_IGNORED_IN_HEADERS = re.compile(r"[\s._\-]+")


def fold_header(text: str) -> str:
    """The form headers are compared in: "Ф.И.О.:" -> "фио", "E-mail" -> "email"."""
    folded = text.strip().lower().replace("ё", "е").rstrip(":*").strip()
    return _IGNORED_IN_HEADERS.sub("", folded)


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for column in COLUMNS:
        for header in (column.field, *column.ru, *column.en):
            key = fold_header(header)
            owner = table.setdefault(key, column.field)
            if owner != column.field:
                raise ValueError(f"header {header!r} means both {owner} and {column.field}")
    return table


_FIELD_BY_HEADER = _lookup()


def field_for_header(header: str) -> str | None:
    """The canonical field a header cell names, or None for a column we do not know."""
    return _FIELD_BY_HEADER.get(fold_header(header))
