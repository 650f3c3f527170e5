"""Engine construction. Nothing here connects until first use."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def async_url(url: str, password: str | None = None) -> str:
    """Accepts the `postgresql://` form operators write and returns the asyncpg one,
    filling in a password from the keyring when the URL has none."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    if password and not parsed.password:
        parsed = parsed.set(password=password)
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, pool_size: int = 10, application_name: str = "tbot") -> AsyncEngine:
    """No pre-ping: it costs a round trip on every checkout, on every request. A connection
    the server has closed (a restart, a failover) fails its first statement instead; the
    error is a disconnect, so SQLAlchemy invalidates the whole pool at once and the next
    checkouts connect afresh. Reads that are safe to repeat retry once themselves
    (PostgresDirectorySearch); anything else fails that one request as a dependency error."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args={
            "server_settings": {"application_name": application_name},
            "timeout": 5,
            "command_timeout": 30,
        },
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
