"""Who is writing to the bot: a verified employee (with their permissions), someone still to
verify, or someone an administrator blocked; and in which language to answer."""

from __future__ import annotations

from dataclasses import dataclass

from tbot.application.ports.telegram import Sender
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.actor import Channel
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.credentials import Principal
from tbot.domain.telegram.language import Language, language_for


@dataclass(frozen=True, slots=True)
class BotUser:
    telegram_id: int
    caller: Caller
    language: Language
    verified: bool = False
    blocked: bool = False
    user_id: int | None = None
    employee_id: int | None = None
    email: str | None = None


class IdentifyTelegramUser:
    def __init__(self, uow: UnitOfWork, default_language: str) -> None:
        self._uow = uow
        self._default_language = default_language

    async def __call__(self, telegram_id: int, request_id: str = "") -> BotUser:
        async with self._uow:
            sender = await self._uow.telegram.sender(telegram_id)
        return self.known(telegram_id, sender, request_id)

    def known(self, telegram_id: int, sender: Sender, request_id: str = "") -> BotUser:
        """The user as stored (read with their update's record: no round trip of its own)."""
        language = language_for(sender.chosen_language, self._default_language)
        account = sender.account
        if account is None:
            return BotUser(telegram_id, _stranger(telegram_id, request_id), language)
        if account.blocked:
            return BotUser(telegram_id, _stranger(telegram_id, request_id), language, blocked=True)
        principal = Principal(
            name=account.login or account.email or f"tg:{telegram_id}",
            permissions=account.permissions,
            user_id=account.user_id,
            roles=account.roles,
        )
        return BotUser(
            telegram_id,
            Caller(principal, Channel.BOT, request_id),
            language,
            verified=True,
            user_id=account.user_id,
            employee_id=account.employee_id,
            email=account.email,
        )


def _stranger(telegram_id: int, request_id: str) -> Caller:
    return Caller.anonymous(Channel.BOT, request_id, name=f"tg:{telegram_id}")


class ChooseLanguage:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, telegram_id: int, language: str, caller: Caller) -> Language:
        if language not in {item.value for item in Language}:
            raise ValidationFailed({"language": f"one of {', '.join(Language)}"})
        async with self._uow:
            before = await self._uow.telegram.chosen_language(telegram_id)
            await self._uow.telegram.choose_language(telegram_id, language)
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="telegram.language_chosen",
                    target_type="telegram_user",
                    target_id=str(telegram_id),
                    before={"language": before},
                    after={"language": language},
                )
            )
            await self._uow.commit()
        return Language(language)
