"""The process's own copy of the revocation list, so that a request needs no Redis round trip."""

from __future__ import annotations

import time
from collections.abc import Callable

from tbot.application.ports.identity import AccessClaims


class RevocationMirror:
    """Revoked sessions and per-user cut-offs held in memory, each until the deadline its
    Redis key has, on the monotonic clock.

    The copy answers only while it is trusted: RedisRevocationFeed extends the trust each
    time it proves that it has seen everything published up to a moment (a PING answered on
    the subscription), and withdraws it when the subscription breaks. An untrusted mirror
    says nothing, and the caller must ask Redis."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sessions: dict[str, float] = {}
        self._users: dict[int, tuple[float, float]] = {}  # cut-off (POSIX s), deadline
        self._trusted_until = 0.0
        self._complete_once = False

    @property
    def live(self) -> bool:
        return self._clock() < self._trusted_until

    @property
    def complete_once(self) -> bool:
        """It has held the whole list at least once: what it holds now is the list as it was
        when it last heard from Redis, short of the notices of its last moments."""
        return self._complete_once

    def trust_until(self, deadline: float) -> None:
        self._trusted_until = max(self._trusted_until, deadline)
        self._complete_once = True

    def distrust(self) -> None:
        self._trusted_until = 0.0

    def revoke_session(self, session_id: str, ttl_s: float) -> None:
        deadline = self._clock() + ttl_s
        self._sessions[session_id] = max(deadline, self._sessions.get(session_id, 0.0))

    def revoke_user_before(self, user_id: int, cut_off: float, ttl_s: float) -> None:
        # As in Redis: the latest cut-off wins, and any revocation renews the expiry.
        deadline = self._clock() + ttl_s
        current = self._users.get(user_id)
        if current is not None and current[1] > self._clock():
            cut_off = max(cut_off, current[0])
        self._users[user_id] = (cut_off, deadline)

    def refuses(self, claims: AccessClaims) -> bool:
        now = self._clock()
        if self._sessions.get(claims.session_id, 0.0) > now:
            return True
        user = self._users.get(claims.user_id)
        return user is not None and user[1] > now and claims.issued_at.timestamp() <= user[0]

    def forget_expired(self) -> None:
        now = self._clock()
        self._sessions = {s: d for s, d in self._sessions.items() if d > now}
        self._users = {u: entry for u, entry in self._users.items() if entry[1] > now}

    def __len__(self) -> int:
        return len(self._sessions) + len(self._users)
