"""Webhook mode: Telegram posts each update to /telegram/webhook (on every node, behind the
load balancer) with the secret token we gave it; the journal makes each update count once
whichever node gets it, and however often Telegram retries."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

import structlog
from aiogram.types import Update

from tbot.container import Container
from tbot.domain.actor import Actor
from tbot.entrypoints.bot.runner import BotRunner

_log = structlog.get_logger("tbot.bot.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True, slots=True)
class WebhookIntake:
    runner: BotRunner
    secret: str
    url: str = ""  # where Telegram is told to post

    def admits(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(presented, self.secret)

    async def handle(self, payload: bytes) -> bool:
        """True once the update is recorded: Telegram then gets its 200 and stops retrying."""
        update = Update.model_validate_json(payload, context={"bot": self.runner.bot})
        return await self.runner.handle(update)


async def webhook_secret(container: Container) -> str:
    """The secret Telegram sends back with every call; made once and kept in the keyring so
    that every node checks the same one."""
    current = (await container.resolve_secret()("bot_webhook_secret")).value
    if current:
        return current
    # Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and -: token_urlsafe fits.
    created = secrets.token_urlsafe(48)
    await container.set_secret()("bot_webhook_secret", created, Actor.system())
    return created


async def set_webhook(runner: BotRunner, url: str, secret: str) -> None:
    await runner.bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=runner.allowed_updates,
        drop_pending_updates=False,
    )
    _log.info("telegram_webhook_set", url=url)
