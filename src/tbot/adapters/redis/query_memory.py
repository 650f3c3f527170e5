from __future__ import annotations

import secrets

from redis.asyncio import Redis

QUERY_TTL_S = 24 * 3600  # a list older than a day answers "search again"


class RedisQueryMemory:
    def __init__(self, redis: Redis, namespace: str) -> None:
        self._redis = redis
        self._namespace = namespace

    async def remember(self, text: str) -> str:
        token = secrets.token_urlsafe(6)
        await self._redis.set(self._key(token), text, ex=QUERY_TTL_S)
        return token

    async def recall(self, token: str) -> str | None:
        value = await self._redis.get(self._key(token))
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    def _key(self, token: str) -> str:
        return f"{self._namespace}:bot:query:{token}"
