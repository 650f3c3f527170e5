"""The outbox relay task of a node: every node runs one (see RelayOutbox for why that is safe)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog

from tbot.application.jobs.relay_outbox import BATCH

if TYPE_CHECKING:
    from tbot.container import Container

_log = structlog.get_logger("tbot.outbox")

INTERVAL_S = 0.5  # the longest a committed job waits before it is queued, Redis willing
OUTAGE_BACKOFF_S = 2.0


async def relay_forever(container: Container, interval_s: float = INTERVAL_S) -> None:
    """Until cancelled. A full batch is followed at once by the next; an outage (Redis or
    PostgreSQL) is logged once and waited out: the entries stay in the outbox meanwhile."""
    failing = False
    while True:
        try:
            relayed = await container.relay_outbox()()
        except Exception as error:  # PostgreSQL unreachable: nothing can be relayed
            problem, full = f"{type(error).__name__}: {error}", False
        else:
            problem = "the job queue is unreachable" if relayed.failed else ""
            full = relayed.moved >= BATCH
            container.metrics().outbox_waiting.set(relayed.waiting)
        if problem and not failing:
            _log.warning("outbox_relay_failing", error=problem)
        elif not problem and failing:
            _log.info("outbox_relay_recovered")
        failing = bool(problem)
        if not full:
            await asyncio.sleep(OUTAGE_BACKOFF_S if failing else interval_s)
