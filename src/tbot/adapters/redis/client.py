from __future__ import annotations

from redis.asyncio import Redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry


def create_redis(url: str, *, password: str | None = None) -> Redis:
    """A pooled client that fails fast: /health and the lease logic must learn that Redis
    is gone within a second or two, not after the default socket timeouts."""
    client: Redis = Redis.from_url(
        url,
        password=password or None,
        socket_connect_timeout=1.0,
        socket_timeout=2.0,
        health_check_interval=10,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=1),
        decode_responses=False,
    )
    return client
