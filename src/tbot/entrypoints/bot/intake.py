"""An aiogram Update as the journal records it, and what the runner learns of its handling."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import Chat, Update, User

from tbot.application.telegram.handle_once import Claim
from tbot.domain.telegram.updates import InboundUpdate, TelegramChat, TelegramProfile, UpdateKind


@dataclass(slots=True)
class Intake:
    """Passed along with each update: the exactly-once middleware leaves its claim here.
    The runner may confirm the update to Telegram only once it is recorded in PostgreSQL
    (handled now, or seen as handled before)."""

    claim: Claim | None = None

    @property
    def recorded(self) -> bool:
        return self.claim is not None and (self.claim.recorded or not self.claim.fresh)

    @property
    def repeat(self) -> bool:
        return self.claim is not None and not self.claim.fresh


def inbound(bot_id: int, update: Update, sender: User | None, chat: Chat | None) -> InboundUpdate:
    kind, text = _kind_and_text(update)
    return InboundUpdate(
        bot_id=bot_id,
        update_id=update.update_id,
        kind=kind,
        sender=_profile(sender) if sender else None,
        chat=_chat(chat) if chat else None,
        text=text,
    )


def _kind_and_text(update: Update) -> tuple[UpdateKind, str | None]:
    if update.message is not None:
        text = update.message.text or update.message.caption
        if text and text.startswith("/"):
            return UpdateKind.COMMAND, text
        return UpdateKind.MESSAGE, text
    if update.callback_query is not None:
        return UpdateKind.CALLBACK, update.callback_query.data
    if update.inline_query is not None:
        return UpdateKind.INLINE, update.inline_query.query
    return UpdateKind.OTHER, None


def _profile(user: User) -> TelegramProfile:
    return TelegramProfile(
        telegram_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name or "",
        username=user.username,
        language_code=user.language_code,
    )


def _chat(chat: Chat) -> TelegramChat:
    title = chat.title or " ".join(p for p in (chat.first_name, chat.last_name) if p)
    return TelegramChat(chat_id=chat.id, type=chat.type, title=title, username=chat.username)
