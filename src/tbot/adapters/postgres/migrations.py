"""Alembic, driven from code: `tbot db ...`, `tbot up` and the test fixtures all use this."""

from __future__ import annotations

import asyncio
import io
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


def migrations_dir() -> Path:
    """The repository's `migrations/` in a source checkout, else the copy in the wheel."""
    source = Path(__file__).resolve().parents[4] / "migrations"
    if (source / "env.py").exists():
        return source
    packaged = Path(str(resources.files("tbot") / "_migrations"))
    if (packaged / "env.py").exists():
        return packaged
    raise FileNotFoundError("Alembic migrations not found next to the source nor in the package")


def alembic_config(url: str, output: io.StringIO | None = None) -> Config:
    config = Config(stdout=output) if output is not None else Config()
    config.set_main_option("script_location", str(migrations_dir()))
    # configparser interpolation would eat a '%' in a password
    config.set_main_option("sqlalchemy.url", _asyncpg(url).replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def _asyncpg(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def history(url: str) -> str:
    out = io.StringIO()
    command.history(alembic_config(url, out), verbose=False)
    return out.getvalue()


def head_revision() -> str | None:
    script = ScriptDirectory.from_config(alembic_config("postgresql://localhost/x"))
    return script.get_current_head()


def known_revision(revision: str) -> bool:
    script = ScriptDirectory.from_config(alembic_config("postgresql://localhost/x"))
    return any(rev.revision == revision for rev in script.walk_revisions())


async def current_revision(url: str) -> str | None:
    engine = create_async_engine(_asyncpg(url))
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Alembic's async env runs its own event loop, so it goes to a thread."""
    await asyncio.to_thread(upgrade, url, revision)


async def downgrade_async(url: str, revision: str) -> None:
    await asyncio.to_thread(downgrade, url, revision)


__all__ = [
    "alembic_config",
    "current_revision",
    "downgrade",
    "downgrade_async",
    "head_revision",
    "history",
    "known_revision",
    "migrations_dir",
    "upgrade",
    "upgrade_async",
]
