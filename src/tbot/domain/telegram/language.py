"""The languages of bot texts, and which one a user gets."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    RU = "ru"
    EN = "en"


_CODES = frozenset(language.value for language in Language)


def language_for(chosen: str | None, default: str) -> Language:
    """The user's own choice (/lang) wins, then the company default, then Russian.
    The Telegram client's language is not used: a Russian company's staff often run English
    clients and still expect Russian texts; /start asks instead."""
    for candidate in (chosen, default):
        if candidate in _CODES:
            return Language(candidate)
    return Language.RU
