"""Errors of coordination between nodes."""

from __future__ import annotations

from tbot.domain.errors import Conflict


class FencedOut(Conflict):
    """A leader-only write carried a fencing token older than one already seen: the writer
    was leader once, but another node has led since. Its transaction must not commit."""

    def __init__(self, name: str, token: int, newest: int | None) -> None:
        seen = f"token {newest} has been seen" if newest is not None else "a newer token was seen"
        super().__init__(f"fenced out of {name!r}: token {token} is stale, {seen}")
        self.name = name
        self.token = token
        self.newest = newest


class LockNotAcquired(Conflict):
    """Someone else held the lock for the whole time the caller was willing to wait."""

    def __init__(self, name: str, waited_s: float) -> None:
        super().__init__(f"lock {name!r} is held by someone else; not acquired in {waited_s:g} s")
        self.name = name
        self.waited_s = waited_s


class LockLost(Conflict):
    """The lock expired or was taken while its work was running; the work was cancelled,
    and whatever it did after the loss ran without exclusivity."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"lock {name!r} lost while held: {reason}")
        self.name = name
        self.reason = reason


class LeaseExpired(Conflict):
    """By the holder's own clock its lease ran out before a leader-only write could commit:
    another node may lead by now, so the write is dropped rather than risked."""

    def __init__(self, name: str, token: int) -> None:
        super().__init__(f"lease {name!r} (token {token}) ran out before the write committed")
        self.name = name
        self.token = token
