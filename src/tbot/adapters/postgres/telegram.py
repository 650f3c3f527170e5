from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import (
    inbound_messages,
    processed_updates,
    telegram_users,
)
from tbot.application.ports.telegram import Recorded, Sender, SenderAccount
from tbot.domain.identity.permissions import Permission
from tbot.domain.telegram.updates import InboundUpdate

# Who :telegram_id is: the language they chose and the account they verified into, with the
# permissions of its roles. One row, of NULLs for a stranger.
_SENDER = """
SELECT
    (SELECT language FROM telegram.users WHERE telegram_id = :telegram_id) AS chosen_language,
    u.id AS user_id, u.login, u.email, u.employee_id, u.disabled, u.telegram_blocked,
    ARRAY(SELECT role FROM core.user_roles WHERE user_id = u.id) AS roles,
    ARRAY(
        SELECT DISTINCT rp.permission
        FROM core.user_roles ur JOIN core.role_permissions rp ON rp.role = ur.role
        WHERE ur.user_id = u.id
    ) AS permissions{fresh}
FROM (SELECT) AS one
LEFT JOIN core.users u ON u.telegram_id = :telegram_id
"""

# One round trip per update: the claim, and only for a new update the sender, the chat and
# the log line; and who the sender is (read before this statement's writes, which change
# nothing of it). A repeat writes nothing (every arm but the claim waits for it). A sender's
# or chat's row is rewritten only when it changed, or to move its last_seen on after a
# minute: not twice per message of someone chatting.
_CLAIM = """
WITH claim AS (
    INSERT INTO telegram.processed_updates (bot_id, update_id, node)
    VALUES (:bot_id, :update_id, :node)
    ON CONFLICT DO NOTHING
    RETURNING update_id
), sender AS (
    INSERT INTO telegram.users (telegram_id, username, first_name, last_name, language_code)
    SELECT :telegram_id, :username, :first_name, :last_name, :language_code
    WHERE :telegram_id IS NOT NULL AND EXISTS (SELECT FROM claim)
    ON CONFLICT (telegram_id) DO UPDATE SET
        username = EXCLUDED.username, first_name = EXCLUDED.first_name,
        last_name = EXCLUDED.last_name, language_code = EXCLUDED.language_code,
        last_seen = now()
    WHERE (users.username, users.first_name, users.last_name, users.language_code)
          IS DISTINCT FROM
          (EXCLUDED.username, EXCLUDED.first_name, EXCLUDED.last_name, EXCLUDED.language_code)
       OR users.last_seen < now() - interval '1 minute'
), place AS (
    INSERT INTO telegram.chats (chat_id, type, title, username)
    SELECT :chat_id, :chat_type, :chat_title, :chat_username
    WHERE :chat_id IS NOT NULL AND :telegram_id IS NOT NULL AND EXISTS (SELECT FROM claim)
    ON CONFLICT (chat_id) DO UPDATE SET
        type = EXCLUDED.type, title = EXCLUDED.title, username = EXCLUDED.username,
        last_seen = now()
    WHERE (chats.type, chats.title, chats.username)
          IS DISTINCT FROM (EXCLUDED.type, EXCLUDED.title, EXCLUDED.username)
       OR chats.last_seen < now() - interval '1 minute'
), logged AS (
    INSERT INTO telegram.inbound_messages (bot_id, update_id, chat_id, telegram_id, kind, text)
    SELECT :bot_id, :update_id, :chat_id, :telegram_id, :kind, :text
    WHERE EXISTS (SELECT FROM claim)
)
"""
_FRESH = ", EXISTS (SELECT FROM claim) AS fresh"
_RECORD = text(_CLAIM + _SENDER.format(fresh=_FRESH)).bindparams(
    bindparam("telegram_id", type_=BigInteger),
    bindparam("chat_id", type_=BigInteger),
)
_LOOKUP = text(_SENDER.format(fresh="")).bindparams(bindparam("telegram_id", type_=BigInteger))


class PostgresTelegramRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, update: InboundUpdate, node: str) -> Recorded:
        sender, chat = update.sender, update.chat
        result = await self._session.execute(
            _RECORD,
            {
                "bot_id": update.bot_id,
                "update_id": update.update_id,
                "node": node,
                "telegram_id": sender.telegram_id if sender else None,
                "username": sender.username if sender else None,
                "first_name": sender.first_name if sender else "",
                "last_name": sender.last_name if sender else "",
                "language_code": sender.language_code if sender else None,
                "chat_id": chat.chat_id if chat else None,
                "chat_type": chat.type if chat else "",
                "chat_title": chat.title if chat else "",
                "chat_username": chat.username if chat else None,
                "kind": update.kind.value,
                "text": update.text,
            },
        )
        row = result.mappings().one()
        return Recorded(bool(row["fresh"]), _sender(row) if sender else None)

    async def sender(self, telegram_id: int) -> Sender:
        result = await self._session.execute(_LOOKUP, {"telegram_id": telegram_id})
        return _sender(result.mappings().one())

    async def chosen_language(self, telegram_id: int) -> str | None:
        query = select(telegram_users.c.language).where(telegram_users.c.telegram_id == telegram_id)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def choose_language(self, telegram_id: int, language: str) -> None:
        statement = insert(telegram_users).values(telegram_id=telegram_id, language=language)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[telegram_users.c.telegram_id], set_={"language": language}
            )
        )

    async def purge_processed(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(processed_updates).where(processed_updates.c.handled_at < before)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def purge_log(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(inbound_messages).where(inbound_messages.c.received_at < before)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _sender(row: Any) -> Sender:
    if row["user_id"] is None:
        return Sender(row["chosen_language"], None)
    account = SenderAccount(
        user_id=row["user_id"],
        login=row["login"],
        email=row["email"],
        employee_id=row["employee_id"],
        # sorted here, not in SQL: the database collation may order '_' differently
        roles=tuple(sorted(row["roles"])),
        permissions=frozenset(Permission(name) for name in row["permissions"]),
        blocked=row["telegram_blocked"] or row["disabled"],
    )
    return Sender(row["chosen_language"], account)
