"""Cluster: the last tick the leader enqueued for each periodic job.

Revision ID: 0009_periodic_ticks
Revises: 0008_directory_speed
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_periodic_ticks"
down_revision: str | None = "0008_directory_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "periodic_ticks",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("last_tick", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.Text(), nullable=False),
        sa.Column("fencing_token", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("name", name="pk_periodic_ticks"),
        schema="cluster",
    )


def downgrade() -> None:
    op.drop_table("periodic_ticks", schema="cluster")
