"""Jobs: the transactional outbox. A job caused by a change is written in the change's own
transaction and relayed to arq afterwards, so neither a crash between commit and enqueue nor
Redis being down loses it.

Revision ID: 0007_outbox
Revises: 0006_name_lexicon
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_outbox"
down_revision: str | None = "0006_name_lexicon"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        schema="core",
    )
    # The relay reads only what waits: a partial index stays as small as the backlog.
    op.create_index(
        "ix_outbox_id_waiting",
        "outbox",
        ["id"],
        schema="core",
        postgresql_where=sa.text("relayed_at IS NULL"),
    )
    op.create_index("ix_outbox_relayed_at", "outbox", ["relayed_at"], schema="core")


def downgrade() -> None:
    op.drop_index("ix_outbox_relayed_at", table_name="outbox", schema="core")
    op.drop_index("ix_outbox_id_waiting", table_name="outbox", schema="core")
    op.drop_table("outbox", schema="core")
