"""Telegram: the users and chats the bot has seen, the updates it has handled (exactly-once),
and the inbound message log.

Revision ID: 0004_telegram
Revises: 0003_directory
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_telegram"
down_revision: str | None = "0003_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _seen_columns() -> list[sa.Column[sa.DateTime]]:
    return [
        sa.Column(
            "first_seen", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "last_seen", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("first_name", sa.Text(), server_default="", nullable=False),
        sa.Column("last_name", sa.Text(), server_default="", nullable=False),
        sa.Column("language_code", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        *_seen_columns(),
        sa.PrimaryKeyConstraint("telegram_id", name="pk_users"),
        schema="telegram",
    )
    op.create_table(
        "chats",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("username", sa.Text(), nullable=True),
        *_seen_columns(),
        sa.PrimaryKeyConstraint("chat_id", name="pk_chats"),
        schema="telegram",
    )
    op.create_table(
        "processed_updates",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "handled_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("node", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name="pk_processed_updates"),
        schema="telegram",
    )
    op.create_index(
        "ix_processed_updates_handled_at", "processed_updates", ["handled_at"], schema="telegram"
    )
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_messages"),
        schema="telegram",
    )
    op.create_index(
        "ix_inbound_messages_received_at", "inbound_messages", ["received_at"], schema="telegram"
    )
    op.create_index(
        "ix_inbound_messages_telegram_id_received_at",
        "inbound_messages",
        ["telegram_id", "received_at"],
        schema="telegram",
    )


def downgrade() -> None:
    op.drop_table("inbound_messages", schema="telegram")
    op.drop_table("processed_updates", schema="telegram")
    op.drop_table("chats", schema="telegram")
    op.drop_table("users", schema="telegram")
