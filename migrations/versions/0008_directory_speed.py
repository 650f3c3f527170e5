"""Directory speed: the name-token index orders each token's employees and covers the rest.

ix_name_tokens_token_pattern (token text_pattern_ops) becomes (token text_pattern_ops,
employee_id) INCLUDE (part). The typo step of a one-word name walks each close word's
employees in id order and stops at the page size (PostgresDirectorySearch, `_first_bearers`),
instead of taking all of them ("сергеова" -> сергеевна: thousands of patronymics); and a name
search reads (employee_id, part, token) of the tokens a word matches, so those lookups are
index-only scans rather than a heap visit per row (a token's rows are spread over the whole
table). The index keeps its name and its leading column's operator class, so the range scans
on token that use it are unchanged.

Revision ID: 0008_directory_speed
Revises: 0007_outbox
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008_directory_speed"
down_revision: str | None = "0007_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "employees"
INDEX = "ix_name_tokens_token_pattern"


def upgrade() -> None:
    _replace(["token", "employee_id"], include=["part"])


def downgrade() -> None:
    _replace(["token"], include=[])


def _replace(columns: list[str], include: list[str]) -> None:
    """Builds the new index before the old one goes, so that searches never lack one."""
    op.create_index(
        f"{INDEX}_new",
        "name_tokens",
        columns,
        postgresql_ops={"token": "text_pattern_ops"},
        postgresql_include=include,
        schema=SCHEMA,
    )
    op.drop_index(INDEX, table_name="name_tokens", schema=SCHEMA)
    op.execute(f"ALTER INDEX {SCHEMA}.{INDEX}_new RENAME TO {INDEX}")
