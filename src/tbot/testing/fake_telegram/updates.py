"""The bot's pending updates and the getUpdates long poll, with the real server's rules.

An update stays queued until a getUpdates call confirms it with a higher `offset`. Only one
long poll is served at a time: a newer getUpdates ends the older one with 409 Conflict, which
is how Telegram tells two running bot instances apart. Every poll is recorded in a timeline so
a test can see how many pollers were active at once.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from .errors import ApiError

# What Telegram delivers when allowed_updates is empty or never given.
DEFAULT_ALLOWED = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "inline_query", "chosen_inline_result", "callback_query",
        "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
        "my_chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)  # fmt: skip
TIMELINE_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class PollEvent:
    """One change in the set of active getUpdates calls."""

    at: float
    event: str  # "start", "end", "conflict"
    poll_id: int
    active: int
    peer: str

    def to_api(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "event": self.event,
            "poll_id": self.poll_id,
            "active": self.active,
            "peer": self.peer,
        }


class PollTracker:
    """Counts getUpdates calls in flight; remembers the peak and a bounded timeline."""

    def __init__(self) -> None:
        self.active = 0
        self.max_active = 0
        self.conflicts = 0
        self.timeline: deque[PollEvent] = deque(maxlen=TIMELINE_LIMIT)
        self._ids = itertools.count(1)
        self._open: dict[int, str] = {}

    def start(self, peer: str) -> int:
        poll_id = next(self._ids)
        self._open[poll_id] = peer
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        self.timeline.append(PollEvent(time.time(), "start", poll_id, self.active, peer))
        return poll_id

    def end(self, poll_id: int, conflict: bool) -> None:
        """Count the poll as answered; a poll already ended by a newer one is not counted twice."""
        peer = self._open.pop(poll_id, None)
        if peer is None:
            return
        self.active -= 1
        if conflict:
            self.conflicts += 1
        event = "conflict" if conflict else "end"
        self.timeline.append(PollEvent(time.time(), event, poll_id, self.active, peer))

    def reset(self) -> None:
        self.max_active = self.active
        self.conflicts = 0
        self.timeline.clear()


class UpdateQueue:
    """Pending updates in id order; O(1) to add, O(confirmed) to confirm."""

    def __init__(self, first_update_id: int = 1) -> None:
        self._pending: deque[tuple[int, dict[str, Any]]] = deque()
        self._next_id = first_update_id
        self.allowed: frozenset[str] = DEFAULT_ALLOWED
        self._long_poll: asyncio.Future[None] | None = None
        self._waiter: int | None = None
        self.arrived = asyncio.Event()

    def __len__(self) -> int:
        return len(self._pending)

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update; None when allowed_updates filters its kind out, as Telegram does."""
        if kind not in self.allowed:
            return None
        update_id = self._next_id
        self._next_id += 1
        self._pending.append((update_id, {"update_id": update_id, kind: payload}))
        self._wake()
        return update_id

    def _wake(self) -> None:
        self.arrived.set()
        poll = self._long_poll
        if poll is not None and not poll.done():
            poll.set_result(None)

    def confirm(self, offset: int) -> None:
        """Forget every update below `offset`; a negative offset keeps only the last -offset."""
        pending = self._pending
        if offset < 0:
            while len(pending) > -offset:
                pending.popleft()
            return
        if offset > self._next_id:
            # An offset from the future confirms nothing: the server reads from the head.
            return
        while pending and pending[0][0] < offset:
            pending.popleft()

    def peek(self, limit: int) -> list[dict[str, Any]]:
        return [update for _, update in itertools.islice(self._pending, limit)]

    def first(self) -> tuple[int, dict[str, Any]] | None:
        return self._pending[0] if self._pending else None

    def drop_all(self) -> None:
        self._pending.clear()

    def set_allowed(self, kinds: list[str] | None) -> None:
        if kinds is None:
            return
        allowed = frozenset(k for k in kinds if isinstance(k, str))
        self.allowed = allowed or DEFAULT_ALLOWED

    def end_long_poll(self, error: ApiError | None = None) -> tuple[int, bool] | None:
        """Answer the waiting long poll now: with an error (409), or empty-handed.

        Returns the id of the poll that was waiting and whether this call ended it with the
        error (False when an update had already answered it), so the caller can count it as
        ended at this instant rather than when its handler next runs."""
        poll, self._long_poll = self._long_poll, None
        waiter, self._waiter = self._waiter, None
        if poll is None or waiter is None:
            return None
        if poll.done():
            return waiter, False
        if error is None:
            poll.set_result(None)
            return waiter, False
        poll.set_exception(error)
        return waiter, True

    async def wait(self, seconds: float, poll_id: int) -> None:
        """Wait for an update, the timeout, or a newer poll (which raises 409 here).

        The caller has already ended any older long poll; there is one waiter at a time."""
        poll: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._long_poll = poll
        self._waiter = poll_id
        try:
            await asyncio.wait_for(asyncio.shield(poll), seconds)
        except TimeoutError:
            pass
        finally:
            if self._long_poll is poll:
                self._long_poll = None
                self._waiter = None
            if poll.done() and not poll.cancelled():
                poll.exception()  # retrieved, so asyncio does not log it as lost
            else:
                poll.cancel()

    @property
    def polling(self) -> bool:
        return self._long_poll is not None
