"""Runs one node: servers, migrations, roles, heartbeat; stops them all on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import socket
import sys
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import structlog
from redis.exceptions import RedisError

from tbot import __version__
from tbot.adapters.observability.logging import configure_logging, redactor
from tbot.application.cluster.leadership import Leadership
from tbot.bootstrap import (
    Servers,
    apply_runtime_settings,
    build_container,
    migrate_database,
    start_servers,
)
from tbot.config import BootstrapSettings, Role
from tbot.container import Container, close_resources, open_resources
from tbot.domain.settings import SECRETS, SETTINGS, RuntimeSettings
from tbot.entrypoints.node.banner import Banner
from tbot.entrypoints.node.heartbeat import beat_forever
from tbot.entrypoints.node.supervisor import keep_running

if TYPE_CHECKING:
    from tbot.entrypoints.bot.runner import BotRunner
    from tbot.entrypoints.bot.webhook import WebhookIntake

_log = structlog.get_logger("tbot.node")


@dataclass(frozen=True)
class NodeOptions:
    roles: tuple[Role, ...]
    restart_delay_s: float = 3.0


async def run_node(settings: BootstrapSettings, options: NodeOptions, banner: Banner) -> int:
    configure_logging(
        log_file=settings.data_dir / "logs" / "tbot.log",
        fmt=settings.log_format,
        node_id=settings.effective_node_id,
    )
    if "api" in options.roles:
        ensure_port_free(settings.api_host, settings.api_port)
    stop = _install_stop_signals()
    banner.starting(settings, options.roles)
    servers = await start_servers(settings)
    container = build_container(settings, servers, options.roles)
    tasks: list[asyncio.Task[Any]] = []
    try:
        runtime = await _prepare(container, servers, settings, banner)
        tasks = await _start_roles(container, servers, settings, options, runtime, banner)
        banner.ready(
            settings,
            servers,
            options.roles,
            await _bot_token(container) is not None,
            runtime.bot_mode,
        )
        # Everything built at start lives for the whole run: keep it out of the collector's
        # full passes, which otherwise stall requests for tens of milliseconds.
        gc.freeze()
        await _wait(stop, tasks)
    finally:
        banner.stopping()
        await _stop_tasks(tasks)
        await close_resources(container)
        await servers.stop()
        banner.stopped()
    return 0


async def _prepare(
    container: Container, servers: Servers, settings: BootstrapSettings, banner: Banner
) -> RuntimeSettings:
    await migrate_database(container, servers)
    await open_resources(container)
    runtime = await apply_runtime_settings(container, keep_new_key=True)
    configure_logging(
        level=runtime.log_level,
        log_file=settings.data_dir / "logs" / "tbot.log",
        max_bytes=runtime.log_file_max_mb * 1024 * 1024,
        backups=runtime.log_file_backups,
        fmt=settings.log_format,
        node_id=settings.effective_node_id,
    )
    await _register_secrets(container)
    _warn_about_environment(container, settings, banner)
    await _warn_about_bad_values(container, banner)
    if not await container.has_admin()():
        banner.no_admin()
    return runtime


async def _warn_about_bad_values(container: Container, banner: Banner) -> None:
    for setting in await container.list_settings()():
        if setting.problem:
            banner.setting_problem(setting.name, setting.problem)
            _log.warning("setting_value_ignored", setting=setting.name, problem=setting.problem)


async def _register_secrets(container: Container) -> None:
    """Every secret value known to this node is masked in every log line from now on."""
    resolve = container.resolve_secret()
    for spec in SECRETS:
        redactor.register((await resolve(spec.name)).value)


def _warn_about_environment(
    container: Container, settings: BootstrapSettings, banner: Banner
) -> None:
    environment = container.environment()
    used = environment.used([s.name for s in SETTINGS] + [s.name for s in SECRETS])
    if used:
        banner.environment_used(used, settings.is_development)
        _log.warning("settings_from_environment", names=used, development=settings.is_development)
    store = container.secret_store().status()
    if not store.available:
        banner.keyring_unavailable(store.detail)
        _log.warning("keyring_unavailable", detail=store.detail)


async def _bot_token(container: Container) -> str | None:
    return (await container.resolve_secret()("bot_token")).value


async def _start_roles(
    container: Container,
    servers: Servers,
    settings: BootstrapSettings,
    options: NodeOptions,
    runtime: RuntimeSettings,
    banner: Banner,
) -> list[asyncio.Task[Any]]:
    metrics = container.metrics()
    tasks: list[asyncio.Task[Any]] = []

    def spawn(name: str, work: Coroutine[Any, Any, Any]) -> None:
        tasks.append(asyncio.create_task(work, name=name))

    # Every node campaigns for the leader's lease; cancelling the task (the node stopping)
    # releases it, so another node takes over at once.
    leadership = container.leadership()
    container.check_health().watch_cluster(container.view_cluster(), leadership.is_leader)
    _schedule_periodic_jobs(container, leadership)
    spawn("leadership", leadership.run())
    spawn("heartbeat", beat_forever(container, runtime.heartbeat_interval_s, metrics, leadership))
    for name, server in (
        ("postgres", servers.embedded_postgres),
        ("redis", servers.embedded_redis),
    ):
        if server is not None:
            spawn(
                f"supervise-{name}",
                keep_running(name, server, check_s=1.0, restart_delay_s=options.restart_delay_s),
            )
    runner = await _open_bot(container) if "bot" in options.roles else None
    intake = await _webhook_intake(container, runner, runtime, options) if runner else None
    if "api" in options.roles:
        spawn("api", _serve_api(container, settings, intake))
    if "worker" in options.roles:
        from tbot.entrypoints.worker.relay import relay_forever

        spawn("worker", _run_worker(container, servers, settings))
        spawn("outbox-relay", relay_forever(container))
    if runner is not None:
        spawn("bot", _run_bot(container, runner, intake))
    # Let a port clash or a bad worker config fail the start instead of the first request.
    await asyncio.sleep(0)
    return tasks


async def _serve_api(
    container: Container, settings: BootstrapSettings, intake: WebhookIntake | None
) -> None:
    from tbot.entrypoints.api.app import create_asgi
    from tbot.entrypoints.node.api_server import create_server

    app = create_asgi(container, intake)
    server = create_server(app, settings.api_host, settings.api_port)
    try:
        await server.serve()
    except asyncio.CancelledError:
        # Finish in-flight requests before the resources they use are closed.
        server.should_exit = True
        await server.shutdown()
        raise


async def _open_bot(container: Container) -> BotRunner | None:
    from tbot.entrypoints.bot.app import build_runner

    token = await _bot_token(container)
    return build_runner(container, token) if token else None


async def _webhook_intake(
    container: Container, runner: BotRunner, runtime: RuntimeSettings, options: NodeOptions
) -> WebhookIntake | None:
    """In webhook mode this node's API takes Telegram's posts, and the node tells Telegram
    where to post (the cluster issue leaves that to the leader)."""
    from tbot.entrypoints.bot.webhook import WebhookIntake, webhook_secret

    if runtime.bot_mode != "webhook":
        return None
    if "api" not in options.roles:
        raise SystemExit("bot_mode is webhook: the bot role needs the api role in the same node")
    if not _webhook_url_usable(runtime.bot_webhook_url):
        raise SystemExit(
            "bot_mode is webhook but bot_webhook_url is not an https:// address; set it with "
            "`tbot settings set bot_webhook_url https://tbot.example.com/telegram/webhook`"
        )
    return WebhookIntake(runner, await webhook_secret(container), runtime.bot_webhook_url)


async def _until_telegram_answers(runner: BotRunner, intake: WebhookIntake | None) -> None:
    from tbot.entrypoints.bot.commands import register_commands

    backoff = 1.0
    while True:
        try:
            await register_commands(runner.bot, runner.catalogs)
            _log.info("telegram_connected", mode="webhook" if intake else "polling")
            return
        except Exception as error:  # unreachable, or refusing the token: say so, keep trying
            _log.warning("telegram_unreachable", error=str(error), retry_in_s=backoff)
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, 60.0)


def _webhook_url_usable(url: str) -> bool:
    """Telegram posts to https only; plain http is allowed to loopback, for the fake Bot API."""
    parsed = urlsplit(url)
    loopback = parsed.hostname in {"127.0.0.1", "localhost", "::1"}
    return parsed.scheme == "https" or (parsed.scheme == "http" and loopback)


async def _run_bot(container: Container, runner: BotRunner, intake: WebhookIntake | None) -> None:
    """Registers the bot with Telegram (retrying while Telegram is unreachable: the rest of
    the node serves meanwhile). Then, polling, it polls while this node leads the cluster
    (BotSupervisor); in webhook mode it sets the webhook and keeps the bot's session for the
    route. On stop the batch in hand finishes and is confirmed, if this node still leads."""
    from tbot.entrypoints.bot.supervisor import BotSupervisor
    from tbot.entrypoints.bot.webhook import set_webhook

    try:
        await _until_telegram_answers(runner, intake)
        if intake is not None:
            await set_webhook(runner, intake.url, intake.secret)
        else:
            BotSupervisor(runner, container.leadership(), container.prove_leadership()).attach()
        await asyncio.Event().wait()
    finally:
        await runner.stop_polling()
        await runner.close()


def _schedule_periodic_jobs(container: Container, leadership: Leadership) -> None:
    """Every node is ready to enqueue the periodic jobs; only the leader does, under its
    fencing token. Any node with the worker role runs them."""
    from tbot.entrypoints.node.periodic import PeriodicScheduler
    from tbot.entrypoints.worker.schedules import SCHEDULES

    PeriodicScheduler(
        leadership,
        container.enqueue_due_ticks(schedules=SCHEDULES),
        container.clock(),
        container.fencing_refusals().lease_expired,
    ).attach()


async def _run_worker(container: Container, servers: Servers, settings: BootstrapSettings) -> None:
    """Keeps an arq worker running. Redis going away (restart, failover) is an outage to
    wait out, not a reason for the node to die: the worker is rebuilt with backoff."""
    from tbot.entrypoints.worker.runner import create_worker

    password = (await container.resolve_secret()("redis_password")).value
    backoff = 0.5
    while True:
        worker = create_worker(
            servers.redis_url,
            namespace=settings.redis_namespace,
            node_id=settings.effective_node_id,
            metrics=container.metrics(),
            password=password,
            container=container,
        )
        started = time.monotonic()
        try:
            await worker.async_run()
        except (OSError, RedisError) as error:
            _log.warning("worker_lost_redis", error=str(error), retry_in_s=backoff)
        except Exception:
            _log.exception("worker_crashed", retry_in_s=backoff)
        finally:
            # close() talks to Redis too; with Redis gone it fails the same way
            with contextlib.suppress(OSError, RedisError):
                await worker.close()
        backoff = 0.5 if time.monotonic() - started > 30 else min(backoff * 2, 10.0)
        await asyncio.sleep(backoff)


def _install_stop_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C arrives as KeyboardInterrupt
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
    return stop


async def _wait(stop: asyncio.Event, tasks: list[asyncio.Task[Any]]) -> None:
    """Until a stop signal, or until a role dies: a node that lost its API must not pretend."""
    stopper = asyncio.create_task(stop.wait(), name="stop-signal")
    done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    for task in done:
        if task is not stopper and not task.cancelled() and task.exception() is not None:
            _log.error("role_failed", role=task.get_name(), error=str(task.exception()))
            raise SystemExit(f"{task.get_name()} failed: {task.exception()}")


async def _stop_tasks(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, Exception) and not isinstance(result, asyncio.CancelledError):
            _log.warning("role_stopped_with_error", role=task.get_name(), error=str(result))


def ensure_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise SystemExit(
                f"API port {host}:{port} is taken ({error.strerror}); choose another with "
                "--port or TBOT_API_PORT"
            ) from None


def version_line() -> str:
    return f"TBot {__version__} on Python {sys.version.split()[0]}"
