"""Which adapter serves which port. One container per process; `.override()` is the test seam."""

from __future__ import annotations

import inspect
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dependency_injector import containers, providers
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tbot import __version__
from tbot.adapters.jobs_board import ArqJobBoard
from tbot.adapters.jobs_queue import ArqJobQueue
from tbot.adapters.keyring.health import KeyringHealthCheck
from tbot.adapters.keyring.secret_store import KeyringSecretStore, load_backend
from tbot.adapters.mail.smtp import LogMailer, SmtpMailer
from tbot.adapters.observability.cluster import FencingRefusals, LoggedLeadershipEvents
from tbot.adapters.observability.logging import redactor
from tbot.adapters.observability.metrics import Metrics
from tbot.adapters.phones.normalizer import PhonenumbersNormalizer
from tbot.adapters.postgres.directory.search import PostgresDirectorySearch
from tbot.adapters.postgres.engine import async_url, create_engine, create_session_factory
from tbot.adapters.postgres.health import PostgresHealthCheck
from tbot.adapters.postgres.outbox import OutboxNotifier
from tbot.adapters.postgres.unit_of_work import PostgresUnitOfWork
from tbot.adapters.redis.access_gate import RedisAccessGate
from tbot.adapters.redis.client import create_redis
from tbot.adapters.redis.failure_counter import RedisFailureCounter
from tbot.adapters.redis.health import RedisHealthCheck
from tbot.adapters.redis.import_jobs import RedisImportJobStore
from tbot.adapters.redis.leader_election import RedisLeaderElection
from tbot.adapters.redis.locks import RedisLockManager
from tbot.adapters.redis.mirrored_access_gate import MirroredAccessGate
from tbot.adapters.redis.query_memory import RedisQueryMemory
from tbot.adapters.redis.rate_leases import RedisRateLeases
from tbot.adapters.redis.rate_limiter import RedisRateLimiter
from tbot.adapters.redis.revocation_feed import RedisRevocationFeed
from tbot.adapters.redis.revocation_mirror import RevocationMirror
from tbot.adapters.redis.revocations import RedisRevocationList
from tbot.adapters.security.jwt_codec import CachedAccessTokenCodec, JwtAccessTokenCodec
from tbot.adapters.security.passwords import BcryptPasswordHasher
from tbot.adapters.system.clock import SystemClock
from tbot.adapters.system.environment import EnvironmentVariables
from tbot.adapters.telegram.notifier import TelegramNotifier
from tbot.application.cluster.cluster_view import ViewCluster
from tbot.application.cluster.leadership import Leadership
from tbot.application.cluster.list_nodes import ListNodes
from tbot.application.cluster.periodic import EnqueueDueTicks
from tbot.application.cluster.prove_leadership import ProveLeadership
from tbot.application.cluster.record_heartbeat import NodeIdentity, RecordHeartbeat
from tbot.application.directory.cards import GetEmployeeCards, GetMyCard
from tbot.application.directory.get_history import GetHistory
from tbot.application.directory.import_employees import ImportEmployees
from tbot.application.directory.import_jobs import GetImport, RunImport, SubmitImport
from tbot.application.directory.manage_departments import (
    CreateDepartment,
    DeleteDepartment,
    ListDepartments,
    UpdateDepartment,
)
from tbot.application.directory.manage_employees import (
    AssignWorkstations,
    CreateEmployee,
    DismissEmployee,
    UpdateEmployee,
)
from tbot.application.directory.manage_workstations import (
    CreateWorkstation,
    DeleteWorkstation,
    ListWorkstations,
    UpdateWorkstation,
)
from tbot.application.directory.read_employees import GetEmployee, ListEmployees
from tbot.application.directory.search_employees import SearchEmployees
from tbot.application.health.check_health import CheckHealth
from tbot.application.identity.api_tokens import CreateApiToken, ListApiTokens, RevokeApiToken
from tbot.application.identity.authenticate import Authenticate
from tbot.application.identity.authorizer import Authorizer
from tbot.application.identity.browse_audit import BrowseAudit, ExportAudit
from tbot.application.identity.change_password import ChangePassword
from tbot.application.identity.create_user import CreateUser
from tbot.application.identity.email_verification import (
    ConfirmEmailVerification,
    StartEmailVerification,
)
from tbot.application.identity.login import Login
from tbot.application.identity.logout import Logout, LogoutEverywhere
from tbot.application.identity.manage_roles import ChangeRolePermissions, CreateRole, ListRoles
from tbot.application.identity.manage_users import (
    HasAdmin,
    ListUsers,
    ResetPassword,
    SetTelegramBlocked,
    SetUserDisabled,
    SetUserRoles,
)
from tbot.application.identity.policy import policy_from_settings
from tbot.application.identity.refresh_session import RefreshSession
from tbot.application.identity.sessions import SessionIssuer
from tbot.application.jobs.failed_jobs import ListFailedJobs, RetryFailedJob
from tbot.application.jobs.relay_outbox import PurgeOutbox, RelayOutbox
from tbot.application.notifications.actions import NotificationActions
from tbot.application.notifications.deliver import DeliverNotification
from tbot.application.ports.identity import Mailer
from tbot.application.secrets.list_secrets import ListSecrets
from tbot.application.secrets.resolve_secret import ResolveSecret
from tbot.application.secrets.set_secret import DeleteSecret, SetSecret
from tbot.application.settings.change_settings import ChangeSettings
from tbot.application.settings.get_setting import GetSetting
from tbot.application.settings.list_settings import ListSettings
from tbot.application.settings.load_runtime_settings import LoadRuntimeSettings
from tbot.application.settings.reset_setting import ResetSetting
from tbot.application.settings.resolver import SettingsResolver
from tbot.application.telegram.handle_once import HandleUpdateOnce
from tbot.application.telegram.identify import ChooseLanguage, IdentifyTelegramUser
from tbot.application.telegram.retention import PurgeTelegramData
from tbot.application.telegram.search_directory import SearchDirectory
from tbot.domain.errors import ValidationFailed
from tbot.domain.settings import SETTINGS, RuntimeSettings

if TYPE_CHECKING:
    from tbot.adapters.telegram.sender import AiogramMessageSender

_SENDER_MODULE = "tbot.adapters.telegram.sender"


async def _engine(
    url: str, pool_size: int, node_id: str, resolve_secret: ResolveSecret, metrics: Metrics
) -> AsyncIterator[AsyncEngine]:
    password = (await resolve_secret("database_password")).value
    redactor.register(password)
    engine = create_engine(
        async_url(url, password), pool_size=pool_size, application_name=f"tbot:{node_id}"
    )
    metrics.watch_pool(lambda: _pool_stats(engine))
    yield engine
    await engine.dispose()


async def _redis(url: str, resolve_secret: ResolveSecret) -> AsyncIterator[Redis]:
    password = (await resolve_secret("redis_password")).value
    redactor.register(password)
    client = create_redis(url, password=password)
    yield client
    await client.aclose()


async def _revocation_feed(
    redis: Redis, mirror: RevocationMirror, namespace: str, node_id: str
) -> AsyncIterator[RedisRevocationFeed]:
    # The subscription itself starts with the first access token checked (see
    # MirroredAccessGate) and ends here, with the container.
    feed = RedisRevocationFeed(redis, mirror, namespace=namespace, node=node_id)
    yield feed
    await feed.stop()


def _pool_stats(engine: AsyncEngine) -> dict[str, int]:
    pool = engine.sync_engine.pool
    return {
        "checked_out": int(getattr(pool, "checkedout", lambda: 0)()),
        "idle": int(getattr(pool, "checkedin", lambda: 0)()),
        "overflow": max(0, int(getattr(pool, "overflow", lambda: 0)())),
    }


def _node_identity(node_id: str, roles: tuple[str, ...]) -> NodeIdentity:
    return NodeIdentity(
        node_id=node_id,
        host=socket.gethostname(),
        pid=os.getpid(),
        version=__version__,
        roles=roles,
        started_at=datetime.now(UTC),
    )


# A revocation must outlive every access token it revokes, whatever access_token_minutes
# becomes later: keep it for the longest lifetime the setting allows.
REVOCATION_TTL_S = (
    int(next(s for s in SETTINGS if s.name == "access_token_minutes").maximum or 1440) * 60 + 60
)


def _mailer(runtime: RuntimeSettings, password: str | None) -> Mailer:
    if not runtime.smtp_host:
        return LogMailer()
    return SmtpMailer(
        runtime.smtp_host,
        runtime.smtp_port,
        username=runtime.smtp_username or None,
        password=password,
        sender=runtime.smtp_from,
        starttls=runtime.smtp_starttls,
    )


def _aiogram_sender(
    token: Callable[[], Awaitable[str | None]], api_url: str
) -> AiogramMessageSender:
    # Imported here: aiogram takes seconds to import (its types), and only a process that
    # delivers notifications needs it, not every CLI command that builds the container.
    from tbot.adapters.telegram.sender import AiogramMessageSender

    return AiogramMessageSender(token=token, api_url=api_url)


def _company_timezone(runtime: RuntimeSettings) -> ZoneInfo:
    """The company_timezone setting as a zone; an unknown name is the setting's error (the
    registry cannot check it: the zone database is the operating system's)."""
    try:
        return ZoneInfo(runtime.company_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            {"company_timezone": f"unknown time zone {runtime.company_timezone!r}"},
            "setting company_timezone is not usable; fix it with `tbot settings set`",
        ) from None


def _secret_reader(resolve: ResolveSecret, name: str) -> Callable[[], Awaitable[str | None]]:
    """Reads the secret when called, not when wired: a token set after start is picked up."""

    async def read() -> str | None:
        return (await resolve(name)).value

    return read


class Container(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)
    # Replaced by the effective settings once the database is reachable (bootstrap).
    runtime = providers.Object(RuntimeSettings.defaults())

    clock = providers.Singleton(SystemClock)
    metrics = providers.Singleton(Metrics)
    environment = providers.Singleton(
        EnvironmentVariables, values=config.environ, development=config.development
    )
    keyring_backend = providers.Singleton(
        load_backend, dotted=config.keyring_backend, file_path=config.keyring_file
    )
    secret_store = providers.Singleton(KeyringSecretStore, backend=keyring_backend)
    resolve_secret = providers.Factory(ResolveSecret, store=secret_store, environment=environment)

    engine = providers.Resource(
        _engine,
        url=config.database_url,
        pool_size=config.db_pool_size,
        node_id=config.node_id,
        resolve_secret=resolve_secret,
        metrics=metrics,
    )
    session_factory = providers.Singleton(create_session_factory, engine)
    redis = providers.Resource(_redis, url=config.redis_url, resolve_secret=resolve_secret)

    fencing_refusals = providers.Singleton(FencingRefusals, metrics=metrics)
    uow = providers.Factory(
        PostgresUnitOfWork,
        session_factory=session_factory,
        node=config.node_id,
        on_fenced=fencing_refusals,
    )
    settings_resolver = providers.Factory(
        SettingsResolver, secrets=secret_store, environment=environment
    )

    list_settings = providers.Factory(ListSettings, uow=uow, resolver=settings_resolver)
    get_setting = providers.Factory(GetSetting, uow=uow, resolver=settings_resolver)
    load_runtime_settings = providers.Factory(
        LoadRuntimeSettings, uow=uow, resolver=settings_resolver
    )
    change_settings = providers.Factory(ChangeSettings, uow=uow)
    reset_setting = providers.Factory(ResetSetting, uow=uow)

    list_secrets = providers.Factory(ListSecrets, resolve=resolve_secret)
    set_secret = providers.Factory(SetSecret, uow=uow, store=secret_store)
    delete_secret = providers.Factory(DeleteSecret, uow=uow, store=secret_store)

    node_identity = providers.Singleton(_node_identity, node_id=config.node_id, roles=config.roles)
    record_heartbeat = providers.Factory(
        RecordHeartbeat, uow=uow, clock=clock, identity=node_identity
    )
    list_nodes = providers.Factory(
        ListNodes,
        uow=uow,
        clock=clock,
        interval_s=config.heartbeat_interval_s,
        down_after_beats=config.node_down_after_beats,
    )

    # -- cluster: leader election with fencing, distributed locks, the cluster view ----------
    leader_election = providers.Singleton(
        RedisLeaderElection, redis=redis, namespace=config.redis_namespace, clock=clock
    )
    lock_manager = providers.Singleton(
        RedisLockManager, redis=redis, namespace=config.redis_namespace, clock=clock
    )
    # One per process, built once the runtime settings are known (not pinned with the
    # resources: that happens before the settings are read).
    leadership = providers.Singleton(
        Leadership,
        election=leader_election,
        clock=clock,
        node_id=config.node_id,
        ttl_s=runtime.provided.leader_ttl_s,
        retry_s=runtime.provided.leader_retry_s,
        events=providers.Singleton(LoggedLeadershipEvents, metrics=metrics),
    )
    view_cluster = providers.Factory(ViewCluster, list_nodes=list_nodes)

    # -- identity and access ----------------------------------------------------------------
    identity_policy = providers.Singleton(policy_from_settings, runtime=runtime)
    authorizer = providers.Singleton(Authorizer)
    password_hasher = providers.Singleton(
        BcryptPasswordHasher, rounds=runtime.provided.bcrypt_rounds
    )
    access_tokens = providers.Singleton(
        CachedAccessTokenCodec,
        providers.Singleton(
            JwtAccessTokenCodec,
            signing_key=config.jwt_signing_key,
            previous_keys=config.jwt_previous_keys,
        ),
    )
    # The process's copy of the revocation list, fed from Redis pub/sub; the gate reads it
    # instead of Redis while the feed vouches for it.
    revocation_mirror = providers.Singleton(RevocationMirror)
    revocation_feed = providers.Resource(
        _revocation_feed,
        redis=redis,
        mirror=revocation_mirror,
        namespace=config.redis_namespace,
        node_id=config.node_id,
    )
    access_gate = providers.Singleton(
        MirroredAccessGate,
        mirror=revocation_mirror,
        feed=revocation_feed,
        leases=providers.Singleton(RedisRateLeases, redis=redis, namespace=config.redis_namespace),
        fallback=providers.Singleton(
            RedisAccessGate, redis=redis, namespace=config.redis_namespace
        ),
    )
    revocations = providers.Singleton(
        RedisRevocationList,
        redis=redis,
        namespace=config.redis_namespace,
        ttl_s=REVOCATION_TTL_S,
        mirror=revocation_mirror,
    )
    rate_limiter = providers.Singleton(
        RedisRateLimiter, redis=redis, namespace=config.redis_namespace
    )
    failure_counter = providers.Singleton(
        RedisFailureCounter, redis=redis, namespace=config.redis_namespace
    )
    mailer = providers.Singleton(_mailer, runtime=runtime, password=config.smtp_password)
    sessions = providers.Factory(
        SessionIssuer, codec=access_tokens, clock=clock, policy=identity_policy
    )
    login = providers.Factory(
        Login,
        uow=uow,
        hasher=password_hasher,
        failures=failure_counter,
        sessions=sessions,
        policy=identity_policy,
    )
    refresh_session = providers.Factory(
        RefreshSession, uow=uow, sessions=sessions, revocations=revocations, clock=clock
    )
    logout = providers.Factory(Logout, uow=uow, revocations=revocations, clock=clock)
    logout_everywhere = providers.Factory(
        LogoutEverywhere, uow=uow, revocations=revocations, clock=clock
    )
    change_password = providers.Factory(
        ChangePassword,
        uow=uow,
        hasher=password_hasher,
        revocations=revocations,
        clock=clock,
        policy=identity_policy,
        failures=failure_counter,
    )
    # One for the process: it runs on every request and keeps no per-call state.
    authenticate = providers.Singleton(
        Authenticate, uow_factory=uow.provider, codec=access_tokens, gate=access_gate, clock=clock
    )
    create_user = providers.Factory(
        CreateUser, uow=uow, hasher=password_hasher, authorizer=authorizer, policy=identity_policy
    )
    list_users = providers.Factory(ListUsers, uow=uow, authorizer=authorizer)
    has_admin = providers.Factory(HasAdmin, uow=uow)
    set_user_roles = providers.Factory(
        SetUserRoles, uow=uow, authorizer=authorizer, revocations=revocations, clock=clock
    )
    set_user_disabled = providers.Factory(
        SetUserDisabled, uow=uow, authorizer=authorizer, revocations=revocations, clock=clock
    )
    set_telegram_blocked = providers.Factory(
        SetTelegramBlocked, uow=uow, authorizer=authorizer, revocations=revocations, clock=clock
    )
    reset_password = providers.Factory(
        ResetPassword,
        uow=uow,
        authorizer=authorizer,
        revocations=revocations,
        clock=clock,
        hasher=password_hasher,
        policy=identity_policy,
    )
    list_roles = providers.Factory(ListRoles, uow=uow, authorizer=authorizer)
    create_role = providers.Factory(CreateRole, uow=uow, authorizer=authorizer)
    change_role_permissions = providers.Factory(
        ChangeRolePermissions, uow=uow, authorizer=authorizer
    )
    create_api_token = providers.Factory(
        CreateApiToken, uow=uow, authorizer=authorizer, clock=clock
    )
    list_api_tokens = providers.Factory(ListApiTokens, uow=uow, authorizer=authorizer)
    revoke_api_token = providers.Factory(
        RevokeApiToken, uow=uow, authorizer=authorizer, clock=clock
    )
    start_email_verification = providers.Factory(
        StartEmailVerification,
        uow=uow,
        mailer=mailer,
        limiter=rate_limiter,
        clock=clock,
        policy=identity_policy,
    )
    confirm_email_verification = providers.Factory(ConfirmEmailVerification, uow=uow, clock=clock)
    browse_audit = providers.Factory(BrowseAudit, uow=uow, authorizer=authorizer)
    export_audit = providers.Factory(ExportAudit, uow=uow, authorizer=authorizer)

    # -- employee directory ------------------------------------------------------------------
    phones = providers.Singleton(
        PhonenumbersNormalizer, default_region=runtime.provided.phone_default_region
    )
    company_timezone = providers.Callable(_company_timezone, runtime=runtime)
    # Inside the bot's update journal a search reads on the journal's connection.
    directory_search = providers.Factory(
        PostgresDirectorySearch,
        session_factory=session_factory,
    )
    create_employee = providers.Factory(
        CreateEmployee, uow=uow, authorizer=authorizer, phones=phones, clock=clock
    )
    update_employee = providers.Factory(
        UpdateEmployee,
        uow=uow,
        authorizer=authorizer,
        phones=phones,
        clock=clock,
        timezone=company_timezone,
    )
    dismiss_employee = providers.Factory(
        DismissEmployee, uow=uow, authorizer=authorizer, clock=clock, timezone=company_timezone
    )
    assign_workstations = providers.Factory(
        AssignWorkstations, uow=uow, authorizer=authorizer, clock=clock
    )
    get_employee = providers.Factory(GetEmployee, uow=uow, authorizer=authorizer)
    list_employees = providers.Factory(ListEmployees, uow=uow, authorizer=authorizer)
    search_employees = providers.Factory(
        SearchEmployees, search=directory_search, authorizer=authorizer
    )
    get_history = providers.Factory(GetHistory, uow=uow, authorizer=authorizer)
    import_employees = providers.Factory(
        ImportEmployees,
        uow=uow,
        authorizer=authorizer,
        phones=phones,
        clock=clock,
        timezone=company_timezone,
    )
    create_department = providers.Factory(
        CreateDepartment, uow=uow, authorizer=authorizer, clock=clock
    )
    update_department = providers.Factory(
        UpdateDepartment, uow=uow, authorizer=authorizer, clock=clock
    )
    delete_department = providers.Factory(
        DeleteDepartment, uow=uow, authorizer=authorizer, clock=clock
    )
    list_departments = providers.Factory(ListDepartments, uow=uow, authorizer=authorizer)
    create_workstation = providers.Factory(
        CreateWorkstation, uow=uow, authorizer=authorizer, clock=clock
    )
    update_workstation = providers.Factory(
        UpdateWorkstation, uow=uow, authorizer=authorizer, clock=clock
    )
    delete_workstation = providers.Factory(
        DeleteWorkstation, uow=uow, authorizer=authorizer, clock=clock
    )
    list_workstations = providers.Factory(ListWorkstations, uow=uow, authorizer=authorizer)

    prove_leadership = providers.Factory(ProveLeadership, uow=uow)
    # The schedules come from the caller (entrypoints/worker/schedules.py).
    enqueue_due_ticks = providers.Factory(EnqueueDueTicks, uow=uow, clock=clock)
    employee_cards = providers.Factory(GetEmployeeCards, uow=uow, authorizer=authorizer)
    my_card = providers.Factory(GetMyCard, uow=uow, cards=employee_cards)

    # Telegram: what the bot keeps of its users and of the updates it handled.
    handle_update_once = providers.Factory(
        HandleUpdateOnce,
        uow=uow,
        node=config.node_id,
        log_text=runtime.provided.telegram_log_text,
    )
    search_directory = providers.Factory(SearchDirectory, search=search_employees, uow=uow)
    identify_telegram_user = providers.Factory(
        IdentifyTelegramUser, uow=uow, default_language=runtime.provided.default_language
    )
    choose_language = providers.Factory(ChooseLanguage, uow=uow)
    query_memory = providers.Singleton(
        RedisQueryMemory, redis=redis, namespace=config.redis_namespace
    )

    job_queue = providers.Singleton(ArqJobQueue, redis=redis, namespace=config.redis_namespace)
    import_job_store = providers.Singleton(
        RedisImportJobStore, redis=redis, namespace=config.redis_namespace
    )
    submit_import = providers.Factory(
        SubmitImport,
        store=import_job_store,
        authorizer=authorizer,
        clock=clock,
        uow=uow,
    )
    get_import = providers.Factory(GetImport, store=import_job_store, authorizer=authorizer)
    run_import = providers.Factory(RunImport, store=import_job_store, clock=clock)

    # Notifications: queued in arq, delivered by any node's worker within Telegram's limits.
    notifier = providers.Singleton(TelegramNotifier, queue=job_queue)
    message_sender = providers.Singleton(
        _aiogram_sender,
        token=providers.Callable(_secret_reader, resolve_secret, "bot_token"),
        api_url=runtime.provided.telegram_api_url,
    )
    deliver_notification = providers.Factory(
        DeliverNotification, sender=message_sender, limiter=rate_limiter, uow=uow
    )
    notification_actions = providers.Singleton(NotificationActions)
    purge_telegram_data = providers.Factory(
        PurgeTelegramData,
        uow=uow,
        clock=clock,
        log_days=runtime.provided.telegram_log_retention_days,
    )

    # Jobs: the outbox relayed to arq on every node; failed jobs seen and retried.
    # `notifier` queues at once (Redis must be up); `outbox_notifier` commits the notification
    # with the caller's change (inside its `uow.shared()` block) and the relay queues it.
    outbox_notifier = providers.Factory(OutboxNotifier, uow_factory=uow.provider)
    relay_outbox = providers.Factory(RelayOutbox, uow=uow, queue=job_queue)
    purge_outbox = providers.Factory(PurgeOutbox, uow=uow, clock=clock)
    job_board = providers.Singleton(ArqJobBoard, redis=redis, namespace=config.redis_namespace)
    list_failed_jobs = providers.Factory(ListFailedJobs, board=job_board, authorizer=authorizer)
    retry_failed_job = providers.Factory(
        RetryFailedJob, board=job_board, authorizer=authorizer, uow=uow
    )

    database_check = providers.Singleton(PostgresHealthCheck, engine=engine)
    redis_check = providers.Singleton(RedisHealthCheck, redis=redis)
    keyring_check = providers.Singleton(KeyringHealthCheck, store=secret_store)
    check_health = providers.Singleton(
        CheckHealth,
        checks=providers.List(database_check, redis_check, keyring_check),
        clock=clock,
        node_id=config.node_id,
        version=__version__,
        role=config.role_label,
        cache_s=config.health_cache_s,
    )


def configure(
    container: Container,
    *,
    database_url: str,
    redis_url: str,
    node_id: str,
    environ: dict[str, str],
    development: bool,
    keyring_backend: str = "",
    keyring_file: str = "",
    roles: tuple[str, ...] = ("api", "bot", "worker"),
    db_pool_size: int = 10,
    redis_namespace: str = "tbot",
) -> None:
    container.config.from_dict(
        {
            "database_url": database_url,
            "redis_url": redis_url,
            "node_id": node_id,
            "environ": environ,
            "development": development,
            "keyring_backend": keyring_backend,
            "keyring_file": keyring_file,
            "roles": roles,
            "role_label": "+".join(roles),
            "db_pool_size": db_pool_size,
            "redis_namespace": redis_namespace,
            "heartbeat_interval_s": 5.0,
            "node_down_after_beats": 3,
            "health_cache_s": 1.0,
            # Set by `prepare_identity` once the keyring has been read.
            "jwt_signing_key": "",
            "jwt_previous_keys": [],
            "smtp_password": None,
        }
    )


# Singletons built on the async resources. Once the resources are up, each is resolved once
# and pinned as a plain object, so that use-case factories stay synchronous: calling
# `container.list_settings()` then returns the use case, not a Future of it.
_BUILT_ON_RESOURCES = (
    "session_factory",
    "database_check",
    "redis_check",
    "check_health",
    "revocations",
    "access_gate",
    "rate_limiter",
    "failure_counter",
    "query_memory",
    "job_queue",
    "job_board",
    "import_job_store",
    "notifier",
    "leader_election",
    "lock_manager",
)


async def open_resources(container: Container) -> None:
    """Opens the engine and the Redis client (neither connects until first use)."""
    await _awaited(container.init_resources())
    for name in _BUILT_ON_RESOURCES:
        provider = getattr(container, name)
        value = provider()
        provider.override(providers.Object(await value if inspect.isawaitable(value) else value))
        provider.disable_async_mode()


async def close_resources(container: Container) -> None:
    # The sender's HTTP session exists only once a notification went out through it; a
    # process that never imported the sender's module (aiogram) never made one.
    if _SENDER_MODULE in sys.modules:
        await container.message_sender().close()
    for name in _BUILT_ON_RESOURCES:
        getattr(container, name).reset_override()
        getattr(container, name).reset_async_mode()
    await _awaited(container.shutdown_resources())


async def _awaited(result: Awaitable[None] | None) -> None:
    # dependency-injector returns an awaitable only when some resource is async
    if result is not None:
        await result
