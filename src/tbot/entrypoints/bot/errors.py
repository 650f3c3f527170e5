"""Every error a handler can meet becomes one polite reply, in the user's language, here and
nowhere else. An unexpected error gets an apology with a reference the user can quote; the
full trace goes to the log under the same reference."""

from __future__ import annotations

import math
from typing import Any

import structlog
from aiogram import Router
from aiogram.types import ErrorEvent

from tbot.application.telegram.handle_once import LeadershipLost
from tbot.application.telegram.identify import BotUser
from tbot.domain.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
    ValidationFailed,
)
from tbot.domain.identity.verification import (
    CodeExpired,
    DomainNotAllowed,
    EmailTaken,
    WrongCode,
)
from tbot.entrypoints.bot.i18n import Catalogs, t
from tbot.entrypoints.bot.outages import OutageNotices, is_outage
from tbot.entrypoints.bot.replies import answer

_log = structlog.get_logger("tbot.bot")


def error_router(catalogs: Catalogs) -> Router:
    router = Router(name="errors")
    told = OutageNotices()

    @router.error()
    async def on_error(event: ErrorEvent, **data: Any) -> bool:
        if isinstance(event.exception, LeadershipLost):
            # Not recorded, so not confirmed: the next leader answers it. An apology from
            # here would be one more message for the user, after the handler's own reply.
            _log.warning("bot_update_left_to_leader", update_id=event.update.update_id)
            return True
        if is_outage(event.exception) and not told.first(event.update.update_id):
            # The same update, back while the outage lasts: the user was told already.
            _log.warning("bot_dependency_still_down", error=repr(event.exception))
            return True
        user: BotUser | None = data.get("user")
        language = user.language.value if user else catalogs.default_locale
        reference = str(data.get("request_id") or f"tg-{event.update.update_id}")
        with catalogs.context(), catalogs.use_locale(language):
            text = _text_for(event.exception, reference)
            bot = data["bot"]
            try:
                await answer(bot, event.update, text)
            except Exception:  # the reply itself failed: log it, never loop on it
                _log.warning("error_reply_failed", reference=reference, exc_info=True)
        return True

    return router


def _text_for(error: Exception, reference: str) -> str:
    if is_outage(error):
        # The database or Redis is gone: the user hears "temporarily unavailable", not silence.
        _log.warning("bot_dependency_down", error=repr(error))
        return t("errors.unavailable")
    if isinstance(error, DomainError):
        return _domain_text(error)
    _log.error("bot_handler_failed", reference=reference, exc_info=error)
    return t("errors.unexpected", ref=reference)


def _domain_text(error: DomainError) -> str:
    if isinstance(error, WrongCode):
        return t("verify.code_wrong", left=error.attempts_left)
    if isinstance(error, CodeExpired):
        return t("verify.code_expired")
    if isinstance(error, DomainNotAllowed):
        return t("verify.domain_not_allowed", domains=", ".join(error.domains))
    if isinstance(error, EmailTaken):
        return t("verify.email_taken")
    if isinstance(error, NotFound) and error.kind == "verification":
        return t("verify.no_code")
    if isinstance(error, RateLimited) and error.action == "verification":
        return t("verify.locked", minutes=max(1, math.ceil(error.retry_after_s / 60)))
    if isinstance(error, ValidationFailed) and "email" in error.errors:
        return t("verify.bad_email")
    return _generic_text(error)


def _generic_text(error: DomainError) -> str:
    if isinstance(error, PermissionDenied):
        return t("errors.forbidden")
    if isinstance(error, NotFound):
        return t("errors.not_found")
    if isinstance(error, RateLimited):
        return t("errors.rate_limited", seconds=max(1, math.ceil(error.retry_after_s)))
    if isinstance(error, Unavailable):
        return t("errors.unavailable")
    if isinstance(error, Conflict):
        return t("errors.conflict")
    if isinstance(error, ValidationFailed):
        return t("errors.invalid", reason="; ".join(error.errors.values()))
    return t("errors.unexpected", ref="-")
