"""The name lexicon: every distinct name token once, with a trigram index of its own, so that
the typo step of a name search compares a typed word with a few tens of thousands of distinct
words instead of every employee's tokens (at 100k employees a common surname alone has
thousands of token rows), and then takes the employees of the close words by exact token.

name_tokens loses its own trigram index, which only that step read (and which every write of
a name paid for); its token column gets a larger statistics sample, so that the planner's
estimate of a common surname's rows (the join order depends on it) is not a guess.

Revision ID: 0006_name_lexicon
Revises: 0005_cluster
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_name_lexicon"
down_revision: str | None = "0005_cluster"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "employees"
# name_tokens.token: the default (100) samples 30,000 rows of a table with 400,000 at 100k
# employees, too few to see the most common surnames' real share
TOKEN_STATISTICS = 1000


def upgrade() -> None:
    op.create_table(
        "name_lexicon",
        sa.Column("token", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_name_lexicon"),
        schema=SCHEMA,
    )
    op.execute(
        "INSERT INTO employees.name_lexicon (token) "
        "SELECT DISTINCT token FROM employees.name_tokens"
    )
    op.create_index(
        "ix_name_lexicon_token_trgm",
        "name_lexicon",
        ["token"],
        postgresql_using="gin",
        postgresql_ops={"token": "gin_trgm_ops"},
        postgresql_with={"fastupdate": "off"},
        schema=SCHEMA,
    )
    op.drop_index("ix_name_tokens_token_trgm", table_name="name_tokens", schema=SCHEMA)
    op.execute(
        f"ALTER TABLE employees.name_tokens ALTER COLUMN token SET STATISTICS {TOKEN_STATISTICS}"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE employees.name_tokens ALTER COLUMN token SET STATISTICS -1")
    op.create_index(
        "ix_name_tokens_token_trgm",
        "name_tokens",
        ["token"],
        postgresql_using="gin",
        postgresql_ops={"token": "gin_trgm_ops"},
        postgresql_with={"fastupdate": "off"},
        schema=SCHEMA,
    )
    op.drop_index("ix_name_lexicon_token_trgm", table_name="name_lexicon", schema=SCHEMA)
    op.drop_table("name_lexicon", schema=SCHEMA)
