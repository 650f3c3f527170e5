"""Telegram's flood limits: about one message a second per chat, 20 a minute per group, 30 a
second overall. Beyond them the server answers 429 with `retry_after`; a bot that ignores it is
what these limits are here to show. Benchmarks switch them off."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from .errors import too_many_requests


@dataclass(slots=True)
class RateLimits:
    enabled: bool = True
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: float = 20.0
    global_per_second: float = 30.0


class _Bucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until a token is free (0 when one is free now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class FloodControl:
    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits or RateLimits()
        self._chats: dict[int, _Bucket] = {}
        self._groups: dict[int, _Bucket] = {}
        self._global: _Bucket | None = None

    def reset(self) -> None:
        self._chats.clear()
        self._groups.clear()
        self._global = None

    def check(self, chat_id: int, is_group: bool) -> None:
        """Spend one message for `chat_id`, or raise 429 with the wait the server would ask."""
        limits = self.limits
        if not limits.enabled:
            return
        now = time.monotonic()
        if self._global is None:
            rate = limits.global_per_second
            self._global = _Bucket(rate, rate, now)
        buckets = [self._global]
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Bucket(
                limits.per_chat_per_second, limits.per_chat_burst, now
            )
        buckets.append(chat)
        if is_group:
            group = self._groups.get(chat_id)
            if group is None:
                rate = limits.per_group_per_minute
                group = self._groups[chat_id] = _Bucket(rate / 60, rate, now)
            buckets.append(group)
        wait = max(bucket.wait(now) for bucket in buckets)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take()
