from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import email_verifications
from tbot.domain.identity.verification import EmailVerification


class PostgresVerificationRepository:
    """One pending verification per Telegram user: a new code replaces the old one."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, telegram_id: int) -> EmailVerification | None:
        query = select(email_verifications).where(email_verifications.c.telegram_id == telegram_id)
        row = (await self._session.execute(query)).mappings().first()
        return _verification(row) if row else None

    async def save(self, verification: EmailVerification) -> None:
        values = {
            "telegram_id": verification.telegram_id,
            "email": verification.email,
            "code_hash": verification.code_hash,
            "sent_at": verification.sent_at,
            "expires_at": verification.expires_at,
            "attempts": verification.attempts,
            "locked_until": verification.locked_until,
        }
        statement = insert(email_verifications).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[email_verifications.c.telegram_id],
            set_={k: v for k, v in values.items() if k != "telegram_id"},
        )
        await self._session.execute(statement)

    async def delete(self, telegram_id: int) -> None:
        await self._session.execute(
            delete(email_verifications).where(email_verifications.c.telegram_id == telegram_id)
        )


def _verification(row: Any) -> EmailVerification:
    return EmailVerification(
        telegram_id=row["telegram_id"],
        email=row["email"],
        code_hash=row["code_hash"],
        sent_at=row["sent_at"],
        expires_at=row["expires_at"],
        attempts=row["attempts"],
        locked_until=row["locked_until"],
    )
