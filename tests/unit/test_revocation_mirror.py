"""The process's copy of the revocation list: what it refuses, for how long, and when it may
be trusted at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tbot.adapters.redis.revocation_mirror import RevocationMirror
from tbot.application.ports.identity import AccessClaims


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def claims(session: str = "s1", issued: datetime | None = None) -> AccessClaims:
    at = issued or datetime.now(UTC)
    return AccessClaims(7, "ivan", (), (), session, at, at + timedelta(minutes=15))


def test_the_copy_is_trusted_only_until_the_deadline_and_never_after_a_break() -> None:
    clock = Clock()
    mirror = RevocationMirror(clock)
    assert not mirror.live
    mirror.trust_until(clock.now + 0.75)
    assert mirror.live
    clock.now += 0.76  # no answer from the subscription since: the copy may be stale
    assert not mirror.live
    mirror.trust_until(clock.now + 0.75)
    mirror.distrust()
    assert not mirror.live


def test_revocations_expire_with_their_ttl() -> None:
    clock = Clock()
    mirror = RevocationMirror(clock)
    mirror.revoke_session("s1", ttl_s=60)
    assert mirror.refuses(claims("s1"))
    assert not mirror.refuses(claims("s2"))
    clock.now += 61
    assert not mirror.refuses(claims("s1"))
    mirror.forget_expired()
    assert len(mirror) == 0


def test_the_latest_user_cut_off_wins_whatever_the_order_of_arrival() -> None:
    mirror = RevocationMirror(Clock())
    cut = datetime.now(UTC)
    mirror.revoke_user_before(7, cut.timestamp(), ttl_s=60)
    mirror.revoke_user_before(7, (cut - timedelta(minutes=5)).timestamp(), ttl_s=60)
    assert mirror.refuses(claims("s1", cut))
    assert mirror.refuses(claims("s1", cut - timedelta(seconds=1)))
    assert not mirror.refuses(claims("s1", cut + timedelta(milliseconds=1)))
