"""The bot's Dispatcher: middlewares in order, then routers, over one container."""

from __future__ import annotations

from aiogram import Dispatcher

from tbot.container import Container
from tbot.entrypoints.bot.errors import error_router
from tbot.entrypoints.bot.i18n import Catalogs
from tbot.entrypoints.bot.middlewares.exactly_once import ExactlyOnceMiddleware
from tbot.entrypoints.bot.middlewares.identity import IdentityMiddleware
from tbot.entrypoints.bot.middlewares.request_context import RequestContextMiddleware
from tbot.entrypoints.bot.middlewares.throttle import ThrottleMiddleware
from tbot.entrypoints.bot.routers.actions import actions_router
from tbot.entrypoints.bot.routers.directory import directory_router
from tbot.entrypoints.bot.routers.inline import inline_router
from tbot.entrypoints.bot.routers.start import start_router
from tbot.entrypoints.bot.routers.verification import verification_router


def build_dispatcher(container: Container, catalogs: Catalogs) -> Dispatcher:
    # No FSM: the only dialog (verification) keeps its state in PostgreSQL, so any node can
    # continue it after a failover; aiogram's FSM storage and its per-chat locks are not needed.
    dispatcher = Dispatcher(disable_fsm=True)
    runtime = container.runtime()
    # aiogram runs outer middlewares in the order they are added, after its own error
    # middleware: each of ours sees what the ones before it put into `data`.
    dispatcher.update.outer_middleware(RequestContextMiddleware())
    dispatcher.update.outer_middleware(ExactlyOnceMiddleware(container))
    dispatcher.update.outer_middleware(IdentityMiddleware(container, catalogs))
    dispatcher.update.outer_middleware(
        ThrottleMiddleware(container, runtime.bot_messages_per_minute)
    )
    dispatcher.include_routers(
        error_router(catalogs),
        start_router(container, catalogs),
        verification_router(container),
        directory_router(container),
        actions_router(container),
        inline_router(container),
    )
    return dispatcher
