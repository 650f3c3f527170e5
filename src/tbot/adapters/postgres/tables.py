"""The schema as SQLAlchemy Core tables. Alembic migrations must match it exactly
(a test runs autogenerate and fails on any difference)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import ARRAY, INET, JSONB

SCHEMAS = ("core", "telegram", "employees", "monitoring", "otrs", "cluster")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

settings = Table(
    "settings",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", Text, nullable=False),
    schema="core",
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor", Text, nullable=False),
    Column("actor_user_id", BigInteger, nullable=True),
    Column("action", Text, nullable=False),
    Column("target_type", Text, nullable=False),
    Column("target_id", Text, nullable=False),
    Column("before", JSONB, nullable=True),
    Column("after", JSONB, nullable=True),
    Column("channel", Text, nullable=False),
    Column("request_id", Text, nullable=False, server_default=""),
    Column("node", Text, nullable=False, server_default=""),
    Index(None, "at"),
    Index(None, "actor", "at"),
    Index(None, "action", "at"),
    Index(None, "target_type", "target_id", "at"),
    schema="core",
)

nodes = Table(
    "nodes",
    metadata,
    Column("node_id", Text, primary_key=True),
    Column("host", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("version", Text, nullable=False),
    Column("roles", ARRAY(Text), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("is_leader", Boolean, nullable=False, server_default="false"),
    Column("fencing_token", BigInteger, nullable=True),
    schema="cluster",
)

# The newest fencing token seen per lease: a leader-only write is refused once a newer leader
# has written (see PostgresLeadershipRepository.fence).
leadership = Table(
    "leadership",
    metadata,
    Column("name", Text, primary_key=True),
    Column("fencing_token", BigInteger, nullable=False),
    Column("holder", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema="cluster",
)

# The last tick of each periodic job the leader has put in the outbox: written with the fencing
# token in the same transaction, so a tick is enqueued once however leadership moves.
periodic_ticks = Table(
    "periodic_ticks",
    metadata,
    Column("name", Text, primary_key=True),
    Column("last_tick", DateTime(timezone=True), nullable=False),
    Column("holder", Text, nullable=False),
    Column("fencing_token", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema="cluster",
)

# Jobs written in the same transaction as the change that causes them; a relay on every
# node moves them to arq (see PostgresOutbox). Relayed rows are purged after a day.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("job", Text, nullable=False),
    Column("payload", JSONB, nullable=False),  # the job's arguments, a JSON array
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("relayed_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=False, server_default=""),
    Index("ix_outbox_id_waiting", "id", postgresql_where=literal_column("relayed_at IS NULL")),
    Index(None, "relayed_at"),
    schema="core",
)

roles = Table(
    "roles",
    metadata,
    Column("name", Text, primary_key=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("builtin", Boolean, nullable=False, server_default="false"),
    schema="core",
)

role_permissions = Table(
    "role_permissions",
    metadata,
    Column("role", Text, ForeignKey("core.roles.name", ondelete="CASCADE"), nullable=False),
    Column("permission", Text, nullable=False),
    PrimaryKeyConstraint("role", "permission"),
    schema="core",
)

users = Table(
    "users",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("login", Text, nullable=True, unique=True),
    # stored lowercased, so that the unique constraint is case-insensitive
    Column("email", Text, nullable=True, unique=True),
    Column("display_name", Text, nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("disabled", Boolean, nullable=False, server_default="false"),
    Column("telegram_id", BigInteger, nullable=True, unique=True),
    Column("telegram_blocked", Boolean, nullable=False, server_default="false"),
    # no foreign key yet: the employee directory's tables come in a later revision
    Column("employee_id", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("password_changed_at", DateTime(timezone=True), nullable=True),
    Column("version", Integer, nullable=False, server_default="1"),
    schema="core",
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", BigInteger, ForeignKey("core.users.id", ondelete="CASCADE"), nullable=False),
    Column("role", Text, ForeignKey("core.roles.name", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("user_id", "role"),
    schema="core",
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("core.users.id", ondelete="CASCADE"), nullable=False),
    Column("family_id", Text, nullable=False),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index(None, "family_id"),
    Index(None, "user_id"),
    schema="core",
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("prefix", Text, nullable=False, unique=True),
    Column("token_hash", Text, nullable=False),
    Column("scopes", ARRAY(Text), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    schema="core",
)

email_verifications = Table(
    "email_verifications",
    metadata,
    # the Telegram user's own id, never generated here
    Column("telegram_id", BigInteger, primary_key=True, autoincrement=False),
    Column("email", Text, nullable=False),
    Column("code_hash", Text, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    schema="core",
)

# --- employees: the directory ------------------------------------------------------------
# Names and hostnames are compared in the forms tbot.domain.directory.text.fold and
# tbot.domain.directory.validation produce; the repositories write those forms (name_key,
# name_tokens, phone_keys), never triggers, so the Python code stays the one definition.

departments = Table(
    "departments",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("name", Text, nullable=False),
    # fold(name): what uniqueness and the search compare
    Column("name_key", Text, nullable=False),
    Column("parent_id", BigInteger, ForeignKey("employees.departments.id"), nullable=True),
    # departments and employees point at each other; this side is added after both exist
    Column(
        "head_employee_id",
        BigInteger,
        ForeignKey("employees.employees.id", ondelete="SET NULL", use_alter=True),
        nullable=True,
    ),
    Column("version", Integer, nullable=False, server_default="1"),
    Index(None, "parent_id"),
    Index(
        "ix_departments_name_key_trgm",
        "name_key",
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
        postgresql_with={"fastupdate": "off"},
    ),
    schema="employees",
)
# One name per parent, top level included: NULL parents never collide in a plain unique
# constraint, and NULLS NOT DISTINCT needs PostgreSQL 15.
Index(
    "uq_departments_parent_name_key",
    func.coalesce(departments.c.parent_id, literal_column("0")),
    departments.c.name_key,
    unique=True,
)

workstations = Table(
    "workstations",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("hostname", Text, nullable=False),  # lowercased by the domain
    Column("mac", Text, nullable=True, unique=True),  # aa:bb:cc:dd:ee:ff
    Column("os", Text, nullable=False, server_default=""),
    Column("location", Text, nullable=False, server_default=""),
    Column("inventory_number", Text, nullable=True, unique=True),
    Column("version", Integer, nullable=False, server_default="1"),
    # text_pattern_ops: one index for uniqueness, equality and prefix ranges (~>=~ / ~<~),
    # whatever the database collation
    Index(
        "uq_workstations_hostname",
        "hostname",
        unique=True,
        postgresql_ops={"hostname": "text_pattern_ops"},
    ),
    schema="employees",
)

workstation_addresses = Table(
    "workstation_addresses",
    metadata,
    Column(
        "workstation_id",
        BigInteger,
        ForeignKey("employees.workstations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("address", INET, nullable=False),
    # the order the addresses were given in: the first is the one people mean
    Column("position", SmallInteger, nullable=False),
    PrimaryKeyConstraint("workstation_id", "address"),
    Index(None, "address"),  # exact lookups
    Index(
        "ix_workstation_addresses_address_gist",
        "address",
        postgresql_using="gist",
        postgresql_ops={"address": "inet_ops"},
    ),  # subnets: address <<= cidr
    schema="employees",
)

employees = Table(
    "employees",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("last_name", Text, nullable=False),
    Column("first_name", Text, nullable=False),
    Column("middle_name", Text, nullable=False, server_default=""),
    Column("position", Text, nullable=False, server_default=""),
    Column("department_id", BigInteger, ForeignKey("employees.departments.id"), nullable=True),
    Column("work_phone", Text, nullable=True),  # E.164
    Column("mobile_phone", Text, nullable=True),  # E.164
    Column("extension", Text, nullable=True),  # digits
    Column("email", Text, nullable=True, unique=True),  # lowercased by the domain
    Column("telegram_username", Text, nullable=True),
    Column("room", Text, nullable=False, server_default=""),
    Column("personnel_number", Text, nullable=True, unique=True),
    Column("status", Text, nullable=False, server_default="active"),
    Column("hired_on", Date, nullable=True),
    Column("dismissed_on", Date, nullable=True),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('active', 'on_leave', 'dismissed')", name="status"),
    # with id: a department's employees in id order, a page at a time
    Index(None, "department_id", "id"),
    schema="employees",
)

employee_workstations = Table(
    "employee_workstations",
    metadata,
    Column(
        "employee_id",
        BigInteger,
        ForeignKey("employees.employees.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "workstation_id",
        BigInteger,
        ForeignKey("employees.workstations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    PrimaryKeyConstraint("employee_id", "workstation_id"),
    Index(None, "workstation_id"),
    schema="employees",
)

# Every folded word of an employee's last, first and middle name, one row each.
name_tokens = Table(
    "name_tokens",
    metadata,
    Column(
        "employee_id",
        BigInteger,
        ForeignKey("employees.employees.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("part", Text, nullable=False),  # last | first | middle: initials match first/middle
    Column("token", Text, nullable=False),
    PrimaryKeyConstraint("employee_id", "part", "token"),
    # exact and prefix (~>=~ / ~<~ ranges); a close word's bearers in id order, index-only
    # (typos, migration 0008)
    Index(
        "ix_name_tokens_token_pattern",
        "token",
        "employee_id",
        postgresql_ops={"token": "text_pattern_ops"},
        postgresql_include=["part"],
    ),
    # typos go through name_lexicon; the token's statistics sample is raised by migration
    # 0006 (common surnames: the planner's join order depends on their real share)
    schema="employees",
)

# Every token of name_tokens, once: the typo step compares a typed word with the distinct
# words (tens of thousands) rather than with every employee's tokens, then takes the close
# words' employees by exact token. Written with name_tokens by the repository, never pruned:
# a token nobody has any more (after a rename) may linger, and finds no one.
name_lexicon = Table(
    "name_lexicon",
    metadata,
    Column("token", Text, primary_key=True),
    # typos: token % reading. Without the pending list (fastupdate): every search would scan
    # it whole until (auto)vacuum merges it; the directory is read far more than written.
    Index(
        "ix_name_lexicon_token_trgm",
        "token",
        postgresql_using="gin",
        postgresql_ops={"token": "gin_trgm_ops"},
        postgresql_with={"fastupdate": "off"},
    ),
    schema="employees",
)

# The digits of each phone field reversed, so that "ends with these digits" is a prefix range.
phone_keys = Table(
    "phone_keys",
    metadata,
    Column(
        "employee_id",
        BigInteger,
        ForeignKey("employees.employees.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("field", Text, nullable=False),  # work_phone | mobile_phone | extension
    Column("reversed_digits", Text, nullable=False),
    PrimaryKeyConstraint("employee_id", "field"),
    Index(
        "ix_phone_keys_reversed_digits",
        "reversed_digits",
        postgresql_ops={"reversed_digits": "text_pattern_ops"},
    ),
    schema="employees",
)

history = Table(
    "history",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("entity", Text, nullable=False),  # employee | department | workstation
    Column("entity_id", BigInteger, nullable=False),
    Column("changes", JSONB, nullable=False),  # [{field, before, after}, ...]
    Column("actor", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("request_id", Text, nullable=False, server_default=""),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index(None, "entity", "entity_id", "id"),
    schema="employees",
)

# ---------------------------------------------------------------------------- telegram

telegram_users = Table(
    "users",
    metadata,
    Column("telegram_id", BigInteger, primary_key=True),
    Column("username", Text, nullable=True),
    Column("first_name", Text, nullable=False, server_default=""),
    Column("last_name", Text, nullable=False, server_default=""),
    Column("language_code", Text, nullable=True),  # what Telegram says the client uses
    Column("language", Text, nullable=True),  # what the user chose with /lang; wins
    Column("first_seen", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_seen", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema="telegram",
)

telegram_chats = Table(
    "chats",
    metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("type", Text, nullable=False),
    Column("title", Text, nullable=False, server_default=""),
    Column("username", Text, nullable=True),
    Column("first_seen", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_seen", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema="telegram",
)

processed_updates = Table(
    "processed_updates",
    metadata,
    Column("bot_id", BigInteger, nullable=False),
    Column("update_id", BigInteger, nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("node", Text, nullable=False),
    PrimaryKeyConstraint("bot_id", "update_id"),
    Index(None, "handled_at"),  # the 72 h purge
    schema="telegram",
)

inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("bot_id", BigInteger, nullable=False),
    Column("update_id", BigInteger, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("chat_id", BigInteger, nullable=True),
    Column("telegram_id", BigInteger, nullable=True),
    Column("kind", Text, nullable=False),  # message, command, callback, inline
    Column("text", Text, nullable=True),  # only while telegram_log_text is on
    Index(None, "received_at"),  # the retention purge
    Index(None, "telegram_id", "received_at"),
    schema="telegram",
)
