"""A leader-only write that proves the lease still counts: the fencing token goes to
PostgreSQL, which refuses it (FencedOut) once a newer leader's token has been seen. The bot
makes it before every getUpdates that would confirm updates to Telegram."""

from __future__ import annotations

from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.cluster.lease import Lease


class ProveLeadership:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, lease: Lease) -> None:
        async with self._uow:
            await self._uow.leadership.fence(lease.name, lease.token, lease.holder)
            await self._uow.commit()
