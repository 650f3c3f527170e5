"""Exactly-once handling: an update is recorded as handled in the same transaction as
everything its handler writes, so an update delivered again (after a crash or a failover)
is recognised and skipped."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from tbot.application.ports.telegram import Sender
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.telegram.updates import InboundUpdate


@dataclass(slots=True)
class Claim:
    fresh: bool  # False: handled before, skip it
    sender: Sender | None = None  # who sent it, read with the record
    recorded: bool = False  # set once the transaction holding the record has committed


class HandleUpdateOnce:
    def __init__(self, uow: UnitOfWork, node: str, log_text: bool) -> None:
        self._uow = uow
        self._node = node
        self._log_text = log_text

    @asynccontextmanager
    async def __call__(
        self,
        update: InboundUpdate,
        still_leading: Callable[[], bool] | None = None,
        retry_later: Callable[[Exception], bool] = lambda error: False,
    ) -> AsyncIterator[Claim]:
        """Yields a claim whose `fresh` is False for an update handled before; the block is
        the handling. Use cases run inside it join its transaction. The update counts as
        handled when the block ends, also when it fails with an error (the user got an
        apology; handling the same update again would fail the same way), but not when it
        is cancelled mid-way, nor when `retry_later` says the error will pass (a service
        down): then it is rolled back and fetched again."""
        async with self._uow:
            logged = update if self._log_text else replace(update, text=None)
            recorded = await self._uow.telegram.record(logged, self._node)
            claim = Claim(recorded.fresh, recorded.sender)
            try:
                with self._uow.shared():
                    yield claim
            except Exception as error:
                if not retry_later(error):
                    await self._commit(claim, still_leading)
                raise
            await self._commit(claim, still_leading)

    async def _commit(self, claim: Claim, still_leading: Callable[[], bool] | None) -> None:
        if still_leading is not None and not still_leading():
            raise LeadershipLost("the lease ran out while the update was handled")
        await self._uow.commit()
        claim.recorded = True


class LeadershipLost(Exception):
    """The update was handled, but not recorded: this node may no longer speak for the bot."""
