"""Polling follows leadership: the node that holds the cluster's lease polls Telegram, the
others wait. Telegram allows one poller per bot; the lease makes sure it is one of ours, and
the fencing token makes sure a leader that lost the lease (paused, cut off) confirms nothing."""

from __future__ import annotations

import structlog

from tbot.application.cluster.leadership import Leadership
from tbot.application.cluster.prove_leadership import ProveLeadership
from tbot.domain.cluster.lease import Lease
from tbot.entrypoints.bot.runner import BotRunner

_log = structlog.get_logger("tbot.bot.supervisor")


class BotSupervisor:
    def __init__(self, runner: BotRunner, leadership: Leadership, prove: ProveLeadership) -> None:
        self._runner = runner
        self._leadership = leadership
        self._prove = prove

    def attach(self) -> None:
        self._leadership.subscribe(on_gained=self._gained, on_lost=self._lost)

    async def _gained(self, lease: Lease) -> None:
        _log.info("bot_polling_starts", token=lease.token)

        def still_leading() -> bool:
            current = self._leadership.current_lease
            return current is not None and current.token == lease.token

        async def prove() -> None:
            await self._prove(lease)

        # A new leader remembers no offset: Telegram hands it the earliest unconfirmed update.
        await self._runner.start_polling(still_leading=still_leading, prove=prove)

    async def _lost(self, reason: str) -> None:
        _log.info("bot_polling_stops", reason=reason)
        await self._runner.stop_polling()
