"""FakeTelegram: one fake bot on a local HTTP port, with a test API to drive and read it.

    async with FakeTelegram(token="42:TEST") as tg:
        bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
        alice = tg.user(first_name="Alice")
        tg.send_message(alice, "/start")
        [reply] = await tg.wait_sent(alice.id, 1)

The same test API is served over HTTP under `/_fake/` (see control.py) for harnesses that run
the fake in another process.
"""

from __future__ import annotations

import itertools
from types import TracebackType
from typing import Any

from aiohttp import web

from .api import BotApi
from .control import add_control_routes
from .faults import Fault
from .injection import inject_callback_query, inject_inline_query, inject_message
from .ledger import SentRecord
from .limits import RateLimits
from .people import FakeChat, FakeUser
from .state import BotProfile, FakeState
from .updates import PollEvent

DEFAULT_TOKEN = "123456789:FAKE-telegram-token-for-tests"


def build_app(api: BotApi) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/bot{token}/{method}", api.handle)
    return app


class FakeTelegram:
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "tbot_fake_bot",
        bot_first_name: str = "TBot",
        rate_limits: RateLimits | None = None,
        allow_http_webhooks: bool = True,
    ) -> None:
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        bot = FakeUser(id=bot_id, first_name=bot_first_name, username=bot_username, is_bot=True)
        self.state = FakeState(
            token=token,
            bot=BotProfile(user=bot),
            limits=rate_limits or RateLimits(),
            allow_http_webhooks=allow_http_webhooks,
        )
        self.api = BotApi(self.state)
        self.app = build_app(self.api)
        add_control_routes(self.app, self)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._ids = itertools.count(10_001)

    # Lifecycle ------------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        # handler_cancellation: a poller that hangs up stops counting as active at once.
        self._runner = web.AppRunner(self.app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        await self.api.webhook.close()
        self.state.updates.end_long_poll()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def url(self) -> str:
        """The base URL for aiogram's TelegramAPIServer.from_base."""
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    # People ---------------------------------------------------------------------------------

    def user(
        self,
        id: int | None = None,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> FakeUser:
        """A user with a private chat with the bot."""
        user = FakeUser(
            id=id if id is not None else next(self._ids),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        return self.state.world.add_user(user)

    def group(
        self, title: str = "Test group", id: int | None = None, supergroup: bool = False
    ) -> FakeChat:
        chat_id = id if id is not None else -(next(self._ids) + (10**12 if supergroup else 0))
        kind = "supergroup" if supergroup else "group"
        return self.state.world.add_chat(FakeChat(id=chat_id, type=kind, title=title))

    # Updates --------------------------------------------------------------------------------

    def send_message(
        self,
        user: FakeUser,
        text: str,
        chat: FakeChat | None = None,
        entities: list[dict[str, Any]] | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """The user writes to the bot; returns the update (update_id None if filtered out)."""
        return inject_message(self.state, user, text, chat, entities, reply_to_message_id)

    def press_button(self, user: FakeUser, message: dict[str, Any], data: str) -> dict[str, Any]:
        """The user presses the button with `data` under `message`, a Message the bot sent."""
        return inject_callback_query(
            self.state, user, message["chat"]["id"], message["message_id"], data
        )

    def inline_query(self, user: FakeUser, query: str, offset: str = "") -> dict[str, Any]:
        return inject_inline_query(self.state, user, query, offset)

    # What the bot did -----------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[SentRecord]:
        """The bot's calls in order, for one chat or overall."""
        ledger = self.state.ledger
        return list(ledger.all if chat_id is None else ledger.by_chat.get(chat_id, []))

    async def wait_sent(
        self,
        chat_id: int | None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline for the whole wait, not one call
    ) -> list[SentRecord]:
        """Wait until the bot made `count` calls for the chat; TimeoutError says how many came."""
        return await self.state.ledger.wait(chat_id, count, timeout)

    def replies(self, update_id: int) -> list[SentRecord]:
        return list(self.state.ledger.replies.get(update_id, []))

    @property
    def replies_by_update(self) -> dict[int, list[SentRecord]]:
        return dict(self.state.ledger.replies)

    @property
    def calls(self) -> dict[str, int]:
        """Calls per method (lower-case names, as the server matches them)."""
        return dict(self.state.ledger.calls)

    def commands(self, scope: str = "default", language_code: str = "") -> list[dict[str, str]]:
        return list(self.state.world.commands.get((scope, language_code), []))

    def callback_answer(self, update: dict[str, Any]) -> dict[str, str] | None:
        query = self.state.world.callback_queries.get(update["callback_query"]["id"])
        return query.answer if query else None

    def inline_answer(self, update: dict[str, Any]) -> dict[str, str] | None:
        query = self.state.world.inline_queries.get(update["inline_query"]["id"])
        return query.answer if query else None

    @property
    def pending_updates(self) -> int:
        return len(self.state.updates)

    # Pollers --------------------------------------------------------------------------------

    @property
    def active_pollers(self) -> int:
        return self.state.polls.active

    @property
    def max_concurrent_pollers(self) -> int:
        return self.state.polls.max_active

    @property
    def poll_conflicts(self) -> int:
        return self.state.polls.conflicts

    @property
    def poller_timeline(self) -> list[PollEvent]:
        return list(self.state.polls.timeline)

    # Faults and limits ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        times: int = 1,
        error_code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """The next `times` calls of `method` ("*" for any) answer this error."""
        self.state.faults.add(Fault(method, times, error_code, description, retry_after))

    def drop_next(self, method: str, times: int = 1) -> None:
        """The next `times` calls of `method` lose their connection without an answer."""
        self.state.faults.add(Fault(method, times, drop_connection=True))

    @property
    def rate_limits(self) -> RateLimits:
        return self.state.limits

    def set_rate_limits(self, **changes: Any) -> RateLimits:
        for key, value in changes.items():
            if not hasattr(self.state.limits, key):
                raise AttributeError(f"RateLimits has no {key!r}")
            setattr(self.state.limits, key, value)
        self.state.flood.reset()
        return self.state.limits

    def reset(self) -> None:
        """Forget updates, chats, messages, calls, faults and pollers' history; keep the port."""
        state = self.state
        state.updates.end_long_poll()
        state.updates.drop_all()
        state.world.reset()
        state.ledger.reset()
        state.faults.clear()
        state.flood.reset()
        state.polls.reset()
