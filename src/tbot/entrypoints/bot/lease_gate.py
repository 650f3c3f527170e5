"""Outbound calls made while handling an update are refused once this node's lease ran out.

Replies carry no idempotency key: a leader paused mid-batch (SIGSTOP, a stalled VM) that wakes
up after the next leader took over would otherwise send its replies to updates the new leader
answers too. The handler's commit is refused by the same clock, so the update is left,
unconfirmed, to the leader."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

_lease: ContextVar[Callable[[], bool] | None] = ContextVar("bot_update_lease", default=None)


class LeaseExpired(Exception):
    """A reply to an update was not sent: this node's lease ran out while it was handled."""


@contextmanager
def handling_under(still_leading: Callable[[], bool] | None) -> Iterator[None]:
    """Calls made in this block (the handling of one update) need the lease."""
    token = _lease.set(still_leading)
    try:
        yield
    finally:
        _lease.reset(token)


class LeaseGate(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        still_leading = _lease.get()
        if still_leading is not None and not still_leading():
            raise LeaseExpired(f"{type(method).__name__} not sent: the lease ran out")
        return await make_request(bot, method)
