"""Employee directory: departments, workstations and their addresses, employees and their
workstations, the search keys (name tokens, reversed phone digits), the change history.

pg_trgm serves the fuzzy name search. On a managed PostgreSQL (RDS, Azure, Yandex MDB...) the
migrating role may not be allowed to create extensions: an administrator then runs
`CREATE EXTENSION pg_trgm` in this database once, and this revision goes through.

Revision ID: 0003_directory
Revises: 0002_identity
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_directory"
down_revision: str | None = "0002_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "employees"


def upgrade() -> None:
    # Not dropped on downgrade: other schemas of the database may use it too.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    _create_departments()
    _create_workstations()
    _create_employees()
    _create_search_keys()
    _create_history()
    # departments and employees point at each other: this side comes once both exist
    op.create_foreign_key(
        "fk_departments_head_employee_id_employees",
        "departments",
        "employees",
        ["head_employee_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(
        "fk_departments_head_employee_id_employees",
        "departments",
        schema=SCHEMA,
        type_="foreignkey",
    )
    for table in (
        "history",
        "phone_keys",
        "name_tokens",
        "employee_workstations",
        "employees",
        "workstation_addresses",
        "workstations",
        "departments",
    ):
        op.drop_table(table, schema=SCHEMA)


def _create_departments() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("head_employee_id", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["employees.departments.id"],
            name="fk_departments_parent_id_departments",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_departments"),
        schema=SCHEMA,
    )
    op.create_index("ix_departments_parent_id", "departments", ["parent_id"], schema=SCHEMA)
    op.create_index(
        "uq_departments_parent_name_key",
        "departments",
        [sa.text("coalesce(parent_id, 0)"), "name_key"],
        unique=True,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_departments_name_key_trgm",
        "departments",
        ["name_key"],
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
        postgresql_with={"fastupdate": "off"},
        schema=SCHEMA,
    )


def _create_workstations() -> None:
    op.create_table(
        "workstations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("hostname", sa.Text(), nullable=False),
        sa.Column("mac", sa.Text(), nullable=True),
        sa.Column("os", sa.Text(), server_default="", nullable=False),
        sa.Column("location", sa.Text(), server_default="", nullable=False),
        sa.Column("inventory_number", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workstations"),
        sa.UniqueConstraint("mac", name="uq_workstations_mac"),
        sa.UniqueConstraint("inventory_number", name="uq_workstations_inventory_number"),
        schema=SCHEMA,
    )
    # text_pattern_ops: uniqueness, equality and prefix ranges from one index
    op.create_index(
        "uq_workstations_hostname",
        "workstations",
        ["hostname"],
        unique=True,
        postgresql_ops={"hostname": "text_pattern_ops"},
        schema=SCHEMA,
    )

    op.create_table(
        "workstation_addresses",
        sa.Column("workstation_id", sa.BigInteger(), nullable=False),
        sa.Column("address", postgresql.INET(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workstation_id"],
            ["employees.workstations.id"],
            name="fk_workstation_addresses_workstation_id_workstations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workstation_id", "address", name="pk_workstation_addresses"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_workstation_addresses_address", "workstation_addresses", ["address"], schema=SCHEMA
    )
    op.create_index(
        "ix_workstation_addresses_address_gist",
        "workstation_addresses",
        ["address"],
        postgresql_using="gist",
        postgresql_ops={"address": "inet_ops"},
        schema=SCHEMA,
    )


def _create_employees() -> None:
    op.create_table(
        "employees",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("middle_name", sa.Text(), server_default="", nullable=False),
        sa.Column("position", sa.Text(), server_default="", nullable=False),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column("work_phone", sa.Text(), nullable=True),
        sa.Column("mobile_phone", sa.Text(), nullable=True),
        sa.Column("extension", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("telegram_username", sa.Text(), nullable=True),
        sa.Column("room", sa.Text(), server_default="", nullable=False),
        sa.Column("personnel_number", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column("hired_on", sa.Date(), nullable=True),
        sa.Column("dismissed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('active', 'on_leave', 'dismissed')", name="ck_employees_status"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["employees.departments.id"],
            name="fk_employees_department_id_departments",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_employees"),
        sa.UniqueConstraint("email", name="uq_employees_email"),
        sa.UniqueConstraint("personnel_number", name="uq_employees_personnel_number"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_employees_department_id_id", "employees", ["department_id", "id"], schema=SCHEMA
    )

    op.create_table(
        "employee_workstations",
        sa.Column("employee_id", sa.BigInteger(), nullable=False),
        sa.Column("workstation_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.employees.id"],
            name="fk_employee_workstations_employee_id_employees",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workstation_id"],
            ["employees.workstations.id"],
            name="fk_employee_workstations_workstation_id_workstations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("employee_id", "workstation_id", name="pk_employee_workstations"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_employee_workstations_workstation_id",
        "employee_workstations",
        ["workstation_id"],
        schema=SCHEMA,
    )


def _create_search_keys() -> None:
    op.create_table(
        "name_tokens",
        sa.Column("employee_id", sa.BigInteger(), nullable=False),
        sa.Column("part", sa.Text(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.employees.id"],
            name="fk_name_tokens_employee_id_employees",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("employee_id", "part", "token", name="pk_name_tokens"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_name_tokens_token_pattern",
        "name_tokens",
        ["token"],
        postgresql_ops={"token": "text_pattern_ops"},
        schema=SCHEMA,
    )
    op.create_index(
        "ix_name_tokens_token_trgm",
        "name_tokens",
        ["token"],
        postgresql_using="gin",
        postgresql_ops={"token": "gin_trgm_ops"},
        postgresql_with={"fastupdate": "off"},
        schema=SCHEMA,
    )

    op.create_table(
        "phone_keys",
        sa.Column("employee_id", sa.BigInteger(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("reversed_digits", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.employees.id"],
            name="fk_phone_keys_employee_id_employees",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("employee_id", "field", name="pk_phone_keys"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_phone_keys_reversed_digits",
        "phone_keys",
        ["reversed_digits"],
        postgresql_ops={"reversed_digits": "text_pattern_ops"},
        schema=SCHEMA,
    )


def _create_history() -> None:
    op.create_table(
        "history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.BigInteger(), nullable=False),
        sa.Column("changes", postgresql.JSONB(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Text(), server_default="", nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_history"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_history_entity_entity_id_id", "history", ["entity", "entity_id", "id"], schema=SCHEMA
    )
