"""What TBot keeps of a Telegram update: who sent it, from which chat, and what kind it was."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UpdateKind(StrEnum):
    MESSAGE = "message"
    COMMAND = "command"
    CALLBACK = "callback"
    INLINE = "inline"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class TelegramProfile:
    """A Telegram account as its latest update shows it."""

    telegram_id: int
    first_name: str = ""
    last_name: str = ""
    username: str | None = None
    language_code: str | None = None  # the client's language, a hint only


@dataclass(frozen=True, slots=True)
class TelegramChat:
    chat_id: int
    type: str  # private, group, supergroup, channel
    title: str = ""
    username: str | None = None


@dataclass(frozen=True, slots=True)
class InboundUpdate:
    """One update as the journal records it; `text` is dropped unless logging text is on."""

    bot_id: int
    update_id: int
    kind: UpdateKind
    sender: TelegramProfile | None = None
    chat: TelegramChat | None = None
    text: str | None = None
