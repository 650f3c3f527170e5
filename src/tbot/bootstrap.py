"""One call from settings to working use cases: for scripts, the API, the bot and the worker."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dependency_injector import providers

from tbot.config import ALL_ROLES, BootstrapSettings, read_environment
from tbot.container import Container, close_resources, configure, open_resources

if TYPE_CHECKING:
    from tbot.adapters.embedded import EmbeddedPostgres, EmbeddedRedis
    from tbot.application.cluster.list_nodes import ListNodes
    from tbot.application.cluster.record_heartbeat import RecordHeartbeat
    from tbot.application.health.check_health import CheckHealth
    from tbot.application.ports.health import DependencyCheck
    from tbot.application.secrets.list_secrets import ListSecrets
    from tbot.application.secrets.set_secret import DeleteSecret, SetSecret
    from tbot.application.settings.change_settings import ChangeSettings
    from tbot.application.settings.get_setting import GetSetting
    from tbot.application.settings.list_settings import ListSettings
    from tbot.application.settings.reset_setting import ResetSetting
    from tbot.domain.settings import RuntimeSettings


@dataclass
class Servers:
    """Where PostgreSQL and Redis are, and the embedded ones this process started."""

    database_url: str
    redis_url: str
    embedded_postgres: EmbeddedPostgres | None = None
    embedded_redis: EmbeddedRedis | None = None

    @property
    def embedded(self) -> bool:
        return self.embedded_postgres is not None or self.embedded_redis is not None

    async def stop(self) -> None:
        for server in (self.embedded_redis, self.embedded_postgres):
            if server is not None:
                await asyncio.to_thread(server.stop)


async def start_servers(settings: BootstrapSettings, *, need_redis: bool = True) -> Servers:
    """External servers when configured; otherwise real embedded ones under the data folder
    (attached to, when another TBot process on the same folder already runs them)."""
    servers = Servers(settings.database_url, settings.redis_url)
    if settings.database_url and (settings.redis_url or not need_redis):
        return servers
    if sys.platform == "win32":
        raise SystemExit(
            "The embedded PostgreSQL and Redis are not supported on Windows yet: set "
            "TBOT_DATABASE_URL and TBOT_REDIS_URL (PostgreSQL and Memurai services)."
        )
    from tbot.adapters.embedded import EmbeddedPostgres, EmbeddedRedis

    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        if not settings.database_url:
            servers.embedded_postgres = EmbeddedPostgres(data_dir / "postgres")
            await asyncio.to_thread(servers.embedded_postgres.start)
            servers.database_url = servers.embedded_postgres.url
        if not settings.redis_url and need_redis:
            servers.embedded_redis = EmbeddedRedis(data_dir / "redis")
            await asyncio.to_thread(servers.embedded_redis.start)
            servers.redis_url = servers.embedded_redis.url
    except BaseException:
        await servers.stop()
        raise
    return servers


@dataclass
class TBotApp:
    """The use cases, ready to call. Each attribute access builds a fresh use case with its
    own unit of work, so concurrent callers never share a transaction."""

    container: Container
    servers: Servers
    runtime: RuntimeSettings | None = field(default=None)

    @property
    def list_settings(self) -> ListSettings:
        return self.container.list_settings()

    @property
    def get_setting(self) -> GetSetting:
        return self.container.get_setting()

    @property
    def change_settings(self) -> ChangeSettings:
        return self.container.change_settings()

    @property
    def reset_setting(self) -> ResetSetting:
        return self.container.reset_setting()

    @property
    def list_secrets(self) -> ListSecrets:
        return self.container.list_secrets()

    @property
    def set_secret(self) -> SetSecret:
        return self.container.set_secret()

    @property
    def delete_secret(self) -> DeleteSecret:
        return self.container.delete_secret()

    @property
    def check_health(self) -> CheckHealth:
        return self.container.check_health()

    @property
    def record_heartbeat(self) -> RecordHeartbeat:
        return self.container.record_heartbeat()

    @property
    def list_nodes(self) -> ListNodes:
        return self.container.list_nodes()


def build_container(
    settings: BootstrapSettings, servers: Servers, roles: tuple[str, ...] = ALL_ROLES
) -> Container:
    container = Container()
    configure(
        container,
        database_url=servers.database_url,
        redis_url=servers.redis_url,
        node_id=settings.effective_node_id,
        environ=read_environment(),
        development=settings.is_development,
        keyring_backend=settings.keyring_backend,
        keyring_file=settings.keyring_file,
        roles=roles,
        db_pool_size=settings.db_pool_size,
        redis_namespace=settings.redis_namespace,
    )
    return container


async def apply_runtime_settings(
    container: Container, *, keep_new_key: bool = False
) -> RuntimeSettings:
    """Reads the effective settings from the database layer and hands the ones the
    container wires (intervals, cache) to it."""
    runtime = await container.load_runtime_settings()()
    container.runtime.override(providers.Object(runtime))
    await prepare_identity(container, keep_new_key=keep_new_key)
    container.config.heartbeat_interval_s.from_value(runtime.heartbeat_interval_s)
    container.config.node_down_after_beats.from_value(runtime.node_down_after_beats)
    container.config.health_cache_s.from_value(runtime.health_cache_s)
    health = container.check_health()
    health.cache_s = runtime.health_cache_s
    health.add_checks(await _integration_checks(container, runtime))
    return runtime


async def prepare_identity(container: Container, *, keep_new_key: bool = False) -> None:
    """Reads the JWT keys and the SMTP password. Without a signing key one is made: a node
    (`keep_new_key`) keeps it in the keyring, audited; a CLI command or a script only
    uses it for its own run, so that `tbot secrets set jwt_signing_key` on a fresh folder
    does not first store and audit a key it is about to replace. Without a keyring the key
    lives only in this process, and tokens die with it, said loudly."""
    import structlog

    from tbot.adapters.observability.logging import redactor
    from tbot.adapters.security.jwt_codec import generate_signing_key
    from tbot.domain.actor import Actor

    log = structlog.get_logger("tbot.identity")
    resolve = container.resolve_secret()
    current = (await resolve("jwt_signing_key")).value
    if current is None:
        current = generate_signing_key()
        if not keep_new_key:
            log.debug("jwt_key_for_this_run")
        elif container.secret_store().status().available:
            await container.set_secret()("jwt_signing_key", current, Actor.system())
            log.warning("jwt_key_generated", detail="copy it to every node: tbot secrets set")
        else:
            log.warning("jwt_key_ephemeral", detail="no keyring: tokens end with this process")
    previous = (await resolve("jwt_previous_signing_key")).value
    smtp_password = (await resolve("smtp_password")).value
    for value in (current, previous, smtp_password):
        redactor.register(value)
    container.config.jwt_signing_key.from_value(current)
    container.config.jwt_previous_keys.from_value([previous] if previous else [])
    container.config.smtp_password.from_value(smtp_password)


async def _integration_checks(
    container: Container, runtime: RuntimeSettings
) -> list[DependencyCheck]:
    """Telegram and OTRS are optional: shown as "not configured" until they are."""
    from tbot.adapters.system.health import ConfiguredCheck, NotConfiguredCheck

    token = (await container.resolve_secret()("bot_token")).value
    telegram: DependencyCheck = (
        ConfiguredCheck("telegram", "bot token set")
        if token
        else NotConfiguredCheck("telegram", "no bot token: tbot secrets set bot_token")
    )
    otrs: DependencyCheck = (
        ConfiguredCheck("otrs", runtime.otrs_url)
        if runtime.otrs_url
        else NotConfiguredCheck("otrs", "otrs_url is empty")
    )
    return [telegram, otrs]


@asynccontextmanager
async def bootstrap(
    settings: BootstrapSettings,
    *,
    roles: tuple[str, ...] = ALL_ROLES,
    migrate: bool | None = None,
) -> AsyncIterator[TBotApp]:
    """Starts (or attaches to) the servers, wires the container, yields the use cases.

    `migrate=None` upgrades an embedded database (ours) but only checks an external one,
    whose upgrades the operator runs deliberately with `tbot db upgrade`."""
    servers = await start_servers(settings)
    container = build_container(settings, servers, roles)
    try:
        if migrate or (migrate is None and servers.embedded_postgres is not None):
            await migrate_database(container, servers)
        else:
            await require_current_schema(container, servers)
        await open_resources(container)
        runtime = await apply_runtime_settings(container)
        yield TBotApp(container, servers, runtime)
    finally:
        await close_resources(container)
        await servers.stop()


class SchemaOutOfDate(RuntimeError):
    """The database is not at the revision this TBot version needs."""


async def database_url(container: Container, servers: Servers) -> str:
    """The database URL with the keyring's password filled in when the URL has none."""
    from tbot.adapters.postgres.engine import async_url

    password = (await container.resolve_secret()("database_password")).value
    return async_url(servers.database_url, password)


async def require_current_schema(container: Container, servers: Servers) -> None:
    from tbot.adapters.postgres.migrations import current_revision, head_revision, known_revision

    current = await current_revision(await database_url(container, servers))
    head = head_revision()
    if current == head:
        return
    if current is not None and not known_revision(current):
        raise SchemaOutOfDate(
            f"the database is at revision {current}, newer than this TBot knows ({head}): "
            "upgrade TBot on this machine"
        )
    raise SchemaOutOfDate(
        f"the database is at revision {current or '(empty)'}, this TBot needs {head}: "
        "run `tbot db upgrade`"
    )


async def migrate_database(container: Container, servers: Servers) -> None:
    """Upgrades to head. Nodes starting together take turns (an advisory lock in env.py)."""
    from tbot.adapters.postgres.migrations import upgrade_async

    await upgrade_async(await database_url(container, servers))
