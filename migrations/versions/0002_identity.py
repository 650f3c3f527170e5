"""Identity: users, roles and their permissions, refresh and API tokens, email verifications;
the four built-in roles.

Revision ID: 0002_identity
Revises: 0001_foundation
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_identity"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than read from tbot.domain.identity.roles: this revision must seed the
# same rows whatever the domain says later; later changes come as revisions of their own.
BUILTIN_ROLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "employee",
        "Every verified employee: finds colleagues, files tickets.",
        ("directory.read", "tickets.create"),
    ),
    (
        "it_staff",
        "IT department: keeps the directory and the servers.",
        (
            "directory.read",
            "directory.write",
            "directory.network",
            "servers.read",
            "servers.write",
            "settings.read",
            "tickets.create",
            "tickets.read_all",
        ),
    ),
    (
        "admin",
        "Everything, including users and settings.",
        (
            "directory.read",
            "directory.write",
            "directory.network",
            "servers.read",
            "servers.write",
            "settings.read",
            "settings.write",
            "audit.read",
            "users.manage",
            "tokens.manage",
            "tickets.create",
            "tickets.read_all",
        ),
    ),
    (
        "auditor",
        "Reads the audit log; changes nothing.",
        ("audit.read", "directory.read", "settings.read"),
    ),
)


def upgrade() -> None:
    _create_roles()
    _create_users()
    _create_tokens()
    _create_email_verifications()
    _seed_builtin_roles()


def downgrade() -> None:
    op.drop_table("email_verifications", schema="core")
    op.drop_table("api_tokens", schema="core")
    op.drop_table("refresh_tokens", schema="core")
    op.drop_table("user_roles", schema="core")
    op.drop_table("users", schema="core")
    op.drop_table("role_permissions", schema="core")
    op.drop_table("roles", schema="core")


def _create_roles() -> None:
    op.create_table(
        "roles",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("builtin", sa.Boolean(), server_default="false", nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_roles"),
        schema="core",
    )
    op.create_table(
        "role_permissions",
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("permission", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role"],
            ["core.roles.name"],
            name="fk_role_permissions_role_roles",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("role", "permission", name="pk_role_permissions"),
        schema="core",
    )


def _create_users() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("login", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("telegram_blocked", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("employee_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("login", name="uq_users_login"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.UniqueConstraint("telegram_id", name="uq_users_telegram_id"),
        schema="core",
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["core.users.id"], name="fk_user_roles_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["role"], ["core.roles.name"], name="fk_user_roles_role_roles", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name="pk_user_roles"),
        schema="core",
    )


def _create_tokens() -> None:
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("family_id", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["core.users.id"],
            name="fk_refresh_tokens_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_refresh_tokens_token_hash"),
        schema="core",
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"], schema="core")
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"], schema="core")

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("prefix", name="uq_api_tokens_prefix"),
        schema="core",
    )


def _create_email_verifications() -> None:
    op.create_table(
        "email_verifications",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("code_hash", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("telegram_id", name="pk_email_verifications"),
        schema="core",
    )


def _seed_builtin_roles() -> None:
    roles = sa.table(
        "roles",
        sa.column("name", sa.Text()),
        sa.column("description", sa.Text()),
        sa.column("builtin", sa.Boolean()),
        schema="core",
    )
    role_permissions = sa.table(
        "role_permissions",
        sa.column("role", sa.Text()),
        sa.column("permission", sa.Text()),
        schema="core",
    )
    op.bulk_insert(
        roles,
        [{"name": name, "description": text, "builtin": True} for name, text, _ in BUILTIN_ROLES],
    )
    op.bulk_insert(
        role_permissions,
        [
            {"role": name, "permission": permission}
            for name, _, permissions in BUILTIN_ROLES
            for permission in permissions
        ],
    )
