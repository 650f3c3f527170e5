"""Delivering one queued notification: paced to Telegram's limits, retried on flood control
and transient errors, given up (logged and audited) when the chat refuses it or the tries run
out. The worker decides nothing: it calls this and does what the outcome says."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tbot.application.ports.identity import RateLimit, RateLimiter
from tbot.application.ports.notifications import (
    DeliveryDeferred,
    DeliveryRefused,
    MessageSender,
    Notification,
)
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.actor import Actor
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import RateLimited

# Telegram's documented limits for bots: about one message a second to a chat, 20 a minute
# to a group, 30 a second overall.
PER_CHAT = RateLimit("tg_chat", 1, 1.0)
PER_GROUP = RateLimit("tg_group", 20, 60.0)
OVERALL = RateLimit("tg_all", 30, 1.0)
MAX_ATTEMPTS = 5
MAX_PACING_WAIT_S = 30.0  # longer than that: give the worker slot back, come again later


@dataclass(frozen=True, slots=True)
class Outcome:
    sent: bool = False
    retry_after_s: float | None = None  # try again after this long
    gave_up: str = ""  # why we stopped trying

    @property
    def done(self) -> bool:
        return self.retry_after_s is None


class DeliverNotification:
    def __init__(
        self,
        sender: MessageSender,
        limiter: RateLimiter,
        uow: UnitOfWork,
        backoff_s: float = 2.0,
    ) -> None:
        self._sender = sender
        self._limiter = limiter
        self._uow = uow
        self._backoff_s = backoff_s  # after a transient error: this, times the attempt

    async def __call__(self, notification: Notification, attempt: int) -> Outcome:
        """`attempt` counts from 1; the last one that fails gives up."""
        waited = await self._pace(notification.chat_id)
        if waited is not None:
            return Outcome(retry_after_s=waited)
        try:
            await self._sender.send(notification)
        except DeliveryRefused as refused:
            return await self._give_up(notification, f"refused: {refused}", attempt)
        except DeliveryDeferred as deferred:
            return await self._again(notification, deferred.retry_after_s, attempt, "flood control")
        except Exception as error:  # transient: the network, Telegram's 5xx
            return await self._again(notification, self._backoff_s * attempt, attempt, repr(error))
        return Outcome(sent=True)

    async def _pace(self, chat_id: int) -> float | None:
        """Waits for a free slot under every limit; the wait if it would be too long."""
        rules = (OVERALL, PER_GROUP if chat_id < 0 else PER_CHAT)
        for rule in rules:
            key = "all" if rule is OVERALL else str(chat_id)
            while True:
                try:
                    await self._limiter.hit(key, rule)
                    break
                except RateLimited as limited:
                    if limited.retry_after_s > MAX_PACING_WAIT_S:
                        return limited.retry_after_s
                    await asyncio.sleep(limited.retry_after_s)
        return None

    async def _again(
        self, notification: Notification, after_s: float, attempt: int, why: str
    ) -> Outcome:
        if attempt >= MAX_ATTEMPTS:
            return await self._give_up(notification, f"{MAX_ATTEMPTS} attempts: {why}", attempt)
        return Outcome(retry_after_s=after_s)

    async def _give_up(self, notification: Notification, why: str, attempt: int) -> Outcome:
        async with self._uow:
            await self._uow.audit.add(
                AuditEvent(
                    actor=Actor.system(),
                    action="notification.failed",
                    target_type="telegram_chat",
                    target_id=str(notification.chat_id),
                    after={"reason": notification.reason, "why": why, "attempts": attempt},
                )
            )
            await self._uow.commit()
        return Outcome(gave_up=why)
