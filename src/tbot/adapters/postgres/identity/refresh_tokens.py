from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Update, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import refresh_tokens
from tbot.domain.identity.credentials import RefreshToken


class PostgresRefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> RefreshToken:
        statement = (
            insert(refresh_tokens)
            .values(
                user_id=token.user_id,
                family_id=token.family_id,
                token_hash=token.token_hash,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
                revoked_at=token.revoked_at,
            )
            .returning(*refresh_tokens.c)
        )
        return _token((await self._session.execute(statement)).mappings().one())

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        query = (
            select(refresh_tokens)
            .where(refresh_tokens.c.token_hash == token_hash)
            .with_for_update()
        )
        row = (await self._session.execute(query)).mappings().first()
        return _token(row) if row else None

    async def mark_used(self, token_id: int, at: datetime) -> None:
        await self._session.execute(
            update(refresh_tokens).where(refresh_tokens.c.id == token_id).values(used_at=at)
        )

    async def revoke_family(self, family_id: str, at: datetime) -> int:
        return await self._revoke(
            update(refresh_tokens).where(refresh_tokens.c.family_id == family_id), at
        )

    async def revoke_user(self, user_id: int, at: datetime) -> int:
        return await self._revoke(
            update(refresh_tokens).where(refresh_tokens.c.user_id == user_id), at
        )

    async def _revoke(self, statement: Update, at: datetime) -> int:
        # tokens revoked earlier keep the time they died, and are not counted again
        statement = (
            statement.where(refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
            .returning(refresh_tokens.c.id)
        )
        return len((await self._session.execute(statement)).all())


def _token(row: Any) -> RefreshToken:
    return RefreshToken(
        id=row["id"],
        user_id=row["user_id"],
        family_id=row["family_id"],
        token_hash=row["token_hash"],
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
        revoked_at=row["revoked_at"],
    )
