from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import api_tokens
from tbot.domain.errors import Conflict
from tbot.domain.identity.credentials import ApiToken
from tbot.domain.identity.permissions import Permission


class PostgresApiTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: ApiToken) -> ApiToken:
        values: dict[str, Any] = {
            "name": token.name,
            "prefix": token.prefix,
            "token_hash": token.token_hash,
            "scopes": sorted(scope.value for scope in token.scopes),
            "created_by": token.created_by,
            "expires_at": token.expires_at,
            "last_used_at": token.last_used_at,
            "revoked_at": token.revoked_at,
        }
        if token.created_at is not None:
            values["created_at"] = token.created_at
        statement = (
            insert(api_tokens)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[api_tokens.c.prefix])
            .returning(*api_tokens.c)
        )
        row = (await self._session.execute(statement)).mappings().first()
        if row is None:
            raise Conflict(f"api token prefix {token.prefix!r} is taken")
        return _token(row)

    async def by_prefix(self, prefix: str) -> ApiToken | None:
        query = select(api_tokens).where(api_tokens.c.prefix == prefix)
        row = (await self._session.execute(query)).mappings().first()
        return _token(row) if row else None

    async def get(self, token_id: int) -> ApiToken | None:
        query = select(api_tokens).where(api_tokens.c.id == token_id)
        row = (await self._session.execute(query)).mappings().first()
        return _token(row) if row else None

    async def list(self) -> list[ApiToken]:
        rows = (
            await self._session.execute(select(api_tokens).order_by(api_tokens.c.id))
        ).mappings()
        return [_token(row) for row in rows]

    async def revoke(self, token_id: int, at: datetime) -> None:
        # a second revocation keeps the time of the first
        await self._session.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def touch(self, token_id: int, at: datetime) -> None:
        # nodes touch concurrently and out of order; the latest use wins (greatest skips NULL)
        await self._session.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id)
            .values(last_used_at=func.greatest(api_tokens.c.last_used_at, at))
        )


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        token_hash=row["token_hash"],
        scopes=frozenset(Permission(scope) for scope in row["scopes"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )
