"""Forgetting on schedule: handled-update ids after 72 hours (Telegram may restart update ids
after a quiet week, and a failover never looks back further than a day), and inbound messages
after the configured retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tbot.application.ports.clock import Clock
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.actor import Actor
from tbot.domain.audit import AuditEvent

PROCESSED_UPDATES_KEPT = timedelta(hours=72)


@dataclass(frozen=True, slots=True)
class Purged:
    processed_updates: int
    messages: int


class PurgeTelegramData:
    def __init__(self, uow: UnitOfWork, clock: Clock, log_days: int) -> None:
        self._uow = uow
        self._clock = clock
        self._log_days = log_days

    async def __call__(self) -> Purged:
        now = self._clock.now()
        days = self._log_days
        async with self._uow:
            updates = await self._uow.telegram.purge_processed(now - PROCESSED_UPDATES_KEPT)
            messages = await self._uow.telegram.purge_log(now - timedelta(days=days))
            await self._uow.audit.add(
                AuditEvent(
                    actor=Actor.system(),
                    action="telegram.purged",
                    target_type="telegram_log",
                    target_id="inbound_messages",
                    after={
                        "processed_updates": updates,
                        "messages": messages,
                        "retention_days": days,
                    },
                )
            )
            await self._uow.commit()
        return Purged(updates, messages)
