"""Which errors mean "a service we need is down" (PostgreSQL, Redis), and which updates were
already told so. Such an update is not recorded as handled: it is fetched again and answered
once the service is back, and the user hears the notice only the first time."""

from __future__ import annotations

from collections import OrderedDict

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

_OUTAGES = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)
TOLD_KEPT = 10_000  # update ids remembered; an outage long enough to pass it repeats a notice


def is_outage(error: BaseException) -> bool:
    """PostgreSQL or Redis unreachable. Not the domain's Unavailable (a mail server, OTRS):
    an update that failed on one of those is recorded, or it would hold up the offset."""
    if isinstance(error, _OUTAGES):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


class OutageNotices:
    """The updates whose sender was told the service is unavailable, in this process. An
    update left unrecorded comes back every few seconds while the outage lasts; one notice
    is enough."""

    def __init__(self, kept: int = TOLD_KEPT) -> None:
        self._told: OrderedDict[int, None] = OrderedDict()
        self._kept = kept

    def first(self, update_id: int) -> bool:
        """True the first time an update is seen here (and remembers it)."""
        if update_id in self._told:
            return False
        self._told[update_id] = None
        if len(self._told) > self._kept:
            self._told.popitem(last=False)
        return True
