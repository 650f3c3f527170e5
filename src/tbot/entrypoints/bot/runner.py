"""BotRunner: our own polling loop, because aiogram's stock one confirms an update to
Telegram as soon as it yields it and handles it in a background task, so a crash loses it.

Here a fetched batch is handled (each update recorded in PostgreSQL with its handler's
writes) before the next getUpdates confirms it; an update that could not be recorded is
fetched again. A new runner starts with no remembered offset: Telegram hands it the
earliest unconfirmed update, and the journal skips what was handled before."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog
from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramConflictError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import Update
from prometheus_client import Counter

from tbot.domain.cluster.errors import FencedOut
from tbot.entrypoints.bot.i18n import Catalogs
from tbot.entrypoints.bot.intake import Intake
from tbot.entrypoints.bot.lease_gate import LeaseGate, handling_under

_log = structlog.get_logger("tbot.bot.runner")

POLL_TIMEOUT_S = 25  # long poll; Telegram allows up to 50
BATCH_LIMIT = 100
OUTAGE_BACKOFF_S = (0.5, 10.0)  # updates not recorded (database down): retry, slowing down
DEFAULT_CONCURRENT_UPDATES = 10  # the database pool's size by default (see build_runner)


@dataclass(slots=True)
class RunnerStats:
    batches: int = 0
    handled: int = 0
    repeats: int = 0
    unrecorded: int = 0
    conflicts: int = 0
    fenced: int = 0
    dropped: int = 0  # fetched after the lease ran out: left unconfirmed, unhandled

    def count(self, outcome: str) -> None:
        if outcome == "repeat":
            self.repeats += 1
        elif outcome == "handled":
            self.handled += 1
        else:
            self.unrecorded += 1


class BotRunner:
    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        *,
        catalogs: Catalogs,
        poll_timeout_s: int = POLL_TIMEOUT_S,
        counter: Counter | None = None,
        max_concurrent_updates: int = DEFAULT_CONCURRENT_UPDATES,
    ) -> None:
        self.catalogs = catalogs
        self._counter = counter
        self._bot = bot
        bot.session.middleware(LeaseGate())
        self._dispatcher = dispatcher
        self._poll_timeout_s = poll_timeout_s
        self._allowed = dispatcher.resolve_used_update_types()
        self._stopping = asyncio.Event()
        # An update keeps a pooled connection for its journal until its reply is sent (its
        # reads join it). With more updates at once than the pool's size, the pool would
        # overflow: connections opened and closed for each use, or waited for.
        self._handling = asyncio.Semaphore(max_concurrent_updates)
        self._loop: asyncio.Task[None] | None = None
        self._finishing: asyncio.Future[None] | None = None
        self._offset: int | None = None
        self._confirmed: int | None = None
        self.stats = RunnerStats()
        self.stopped_by_conflict = False
        self._still_leading: Callable[[], bool] | None = None
        self._prove: Callable[[], Awaitable[None]] | None = None

    @property
    def bot(self) -> Bot:
        return self._bot

    @property
    def allowed_updates(self) -> list[str]:
        return list(self._allowed)

    @property
    def polling(self) -> bool:
        return self._loop is not None and not self._loop.done()

    async def start_polling(
        self,
        *,
        still_leading: Callable[[], bool] | None = None,
        prove: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`still_leading` (the lease by this node's clock) is checked before every
        getUpdates and every update's commit; `prove` (a fenced write in PostgreSQL) runs
        before every getUpdates that confirms updates, and refuses once another node led."""
        if self.polling:
            return
        self._still_leading = still_leading
        self._prove = prove
        # Telegram refuses getUpdates while a webhook is set (409): polling means no webhook.
        # Updates waiting for the webhook stay and come through getUpdates instead.
        await self._bot.delete_webhook(drop_pending_updates=False)
        self._stopping.clear()
        self.stopped_by_conflict = False
        self._offset = self._confirmed = None
        self._loop = asyncio.create_task(self._poll(), name="bot-polling")

    async def stop_polling(self) -> None:
        """Lets the batch in hand finish, then confirms it to Telegram so that the next
        poller (here or on another node) does not get it again. A call while a stop is under
        way waits for it: a node stopping calls this twice at once (the leadership's on_lost
        and the bot task's own cleanup), and the leadership releases the lease as soon as its
        call returns, so that call must not return before the batch in hand is recorded."""
        if self._finishing is None:
            if self._loop is None:
                return
            self._finishing = asyncio.ensure_future(self._finish())
        await asyncio.shield(self._finishing)

    async def _finish(self) -> None:
        loop, self._loop = self._loop, None
        try:
            self._stopping.set()
            if loop is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
            if self._may_confirm():
                await self._confirm()
        finally:
            self._finishing = None

    async def close(self) -> None:
        await self._bot.session.close()

    async def handle(self, update: Update) -> bool:
        """Handles one update through the dispatcher; True once it is recorded as handled
        (now or before) and may be confirmed. Used by the loop and by the webhook."""
        intake = Intake()
        still_leading = _sticky(self._still_leading)
        async with self._handling:
            try:
                with handling_under(still_leading):
                    await self._dispatcher.feed_update(
                        self._bot, update, intake=intake, still_leading=still_leading
                    )
            except Exception:
                _log.exception("update_failed", update_id=update.update_id)
        outcome = "repeat" if intake.repeat else "handled" if intake.recorded else "unrecorded"
        self.stats.count(outcome)
        if self._counter is not None:
            self._counter.labels(outcome).inc()
        return intake.recorded

    async def _poll(self) -> None:
        outage_wait = OUTAGE_BACKOFF_S[0]
        while not self._stopping.is_set():
            if not await self._leading():
                return
            updates = await self._fetch()
            if not updates:
                continue
            if not self._may_confirm():
                # The poll was answered after the lease ran out (the process was paused while
                # it was open): another node may be handling these updates already. Handling
                # them here would answer users twice; leave them unconfirmed for the leader.
                _log.warning("bot_stale_batch_dropped", updates=len(updates))
                self.stats.dropped += len(updates)
                return
            self.stats.batches += 1
            recorded_up_to = await self._handle_batch(updates)
            if recorded_up_to is not None:
                self._offset = recorded_up_to + 1
            if recorded_up_to != updates[-1].update_id:
                # Something could not be recorded: it comes back with the next fetch.
                await self._pause(outage_wait)
                outage_wait = min(outage_wait * 2, OUTAGE_BACKOFF_S[1])
            else:
                outage_wait = OUTAGE_BACKOFF_S[0]

    async def _fetch(self) -> list[Update]:
        request = asyncio.create_task(
            self._bot.get_updates(
                offset=self._offset,
                limit=BATCH_LIMIT,
                timeout=self._poll_timeout_s,
                allowed_updates=self._allowed,
            )
        )
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait({request, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not request.done():
            # Stopping: drop the long poll. What it would have returned stays unconfirmed.
            request.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await request
            return []
        try:
            updates = request.result()
        except TelegramConflictError:
            # A newer getUpdates (another process) ended ours: it polls now. Fighting back
            # would end its poll in turn; stop, and let whoever runs us decide when to retry.
            self.stats.conflicts += 1
            self.stopped_by_conflict = True
            _log.warning("telegram_conflict", detail="another process polls this bot; stopping")
            self._stopping.set()
            return []
        except TelegramRetryAfter as error:
            await self._pause(error.retry_after)
            return []
        except TelegramUnauthorizedError:
            _log.error("telegram_token_refused")
            raise
        except (TelegramNetworkError, TelegramServerError) as error:
            _log.warning("telegram_unreachable", error=str(error))
            await self._pause(2.0)
            return []
        self._confirmed = self._offset
        return updates

    async def _handle_batch(self, updates: Sequence[Update]) -> int | None:
        """Handles the batch, chats in parallel and each chat's updates in order; returns
        the last update_id of the longest recorded prefix of the batch."""
        by_chat: dict[int, list[Update]] = {}
        for update in updates:
            by_chat.setdefault(_chat_key(update), []).append(update)
        outcomes: dict[int, bool] = {}

        async def run(chat_updates: list[Update]) -> None:
            for update in chat_updates:
                outcomes[update.update_id] = await self.handle(update)

        await asyncio.gather(*(run(chat_updates) for chat_updates in by_chat.values()))
        recorded_up_to: int | None = None
        for update in updates:
            if not outcomes.get(update.update_id):
                break
            recorded_up_to = update.update_id
        return recorded_up_to

    def _may_confirm(self) -> bool:
        return self._still_leading is None or self._still_leading()

    async def _leading(self) -> bool:
        """Before a getUpdates: still the leader by our clock, and by PostgreSQL's fence when
        the call would confirm updates. A node that is no longer leader stops polling."""
        if not self._may_confirm():
            _log.warning("bot_lease_lost", detail="stopping polling before the next getUpdates")
            return False
        if self._prove is None or self._offset in (None, self._confirmed):
            return True
        try:
            await self._prove()
        except FencedOut as refused:
            _log.warning("bot_fenced_out", detail=str(refused))
            self.stats.fenced += 1
            return False
        # The proof awaits PostgreSQL: a pause there (GC, SIGSTOP) can outlast the lease while
        # the fence still accepts our token (no newer leader has written yet). The clock,
        # read last, is what stops a getUpdates that would confirm on another leader's behalf.
        if not self._may_confirm():
            _log.warning("bot_lease_lost", detail="the lease ran out while proving leadership")
            return False
        return True

    async def _confirm(self) -> None:
        # After a conflict another process polls: a getUpdates now would end its poll.
        if self.stopped_by_conflict or self._offset is None or self._offset == self._confirmed:
            return
        try:
            if self._prove is not None:
                await self._prove()
            if not self._may_confirm():  # paused during the proof: the lease ran out
                _log.warning("offset_not_confirmed", offset=self._offset, error="lease lost")
                return
            await self._bot.get_updates(offset=self._offset, limit=1, timeout=0)
            self._confirmed = self._offset
        except Exception as error:  # the next poller handles the repeats through the journal
            _log.warning("offset_not_confirmed", offset=self._offset, error=str(error))

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)


def _sticky(check: Callable[[], bool] | None) -> Callable[[], bool] | None:
    """The lease check for the handling of one update: once it said no, it says no to the
    end. A late leadership loop can make the lease look expired, then renew it in time; a
    reply refused meanwhile must also refuse the commit, or the update would be recorded as
    handled without its answer."""
    if check is None:
        return None
    lost = False

    def still_leading() -> bool:
        nonlocal lost
        lost = lost or not check()
        return not lost

    return still_leading


def _chat_key(update: Update) -> int:
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    if update.inline_query is not None:
        return update.inline_query.from_user.id
    return 0
