"""A lease on a name (the leader's lease, a lock), measured by its holder's own clock."""

from __future__ import annotations

from dataclasses import dataclass, replace


def safety_margin_s(ttl_s: float) -> float:
    """How much earlier than the TTL a holder gives its lease up. It covers what the
    holder's clock cannot see: the store applying the TTL a little later than the request
    left (measured from sending, that only errs on the safe side), clock rate drift between
    the holder's host and the store's, and the holder's own scheduling delay between checking
    the lease and acting on it. A tenth of the TTL, and never under 0.2 s."""
    return max(0.2, ttl_s / 10)


@dataclass(frozen=True, slots=True)
class Lease:
    """`acquired_at` and `renewed_at` are the holder's monotonic time when the request that
    took, or last extended, the lease was SENT: the store starts the TTL later than that,
    never earlier, so a lease is never believed to outlive the store's copy."""

    name: str
    holder: str
    token: int
    acquired_at: float
    ttl_s: float
    renewed_at: float = -1.0
    margin_s: float = -1.0

    def __post_init__(self) -> None:
        if self.ttl_s <= 0:
            raise ValueError(f"lease {self.name!r}: ttl_s must be positive")
        if self.renewed_at < 0:
            object.__setattr__(self, "renewed_at", self.acquired_at)
        if self.margin_s < 0:
            object.__setattr__(self, "margin_s", safety_margin_s(self.ttl_s))

    @property
    def valid_until(self) -> float:
        """Monotonic time after which the holder must act as if it held nothing."""
        return self.renewed_at + self.ttl_s - self.margin_s

    def is_valid(self, now: float) -> bool:
        return now < self.valid_until

    def remaining_s(self, now: float) -> float:
        return max(0.0, self.valid_until - now)

    def renewed(self, sent_at: float) -> Lease:
        return replace(self, renewed_at=sent_at)
