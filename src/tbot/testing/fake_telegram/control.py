"""The test API over HTTP, under `/_fake/`, for a harness that runs the fake in another process.

All bodies and answers are JSON. Users are given inline (`"user": {"id": 1, "first_name": "A"}`)
or by `"user_id"` of one made earlier.

    POST /_fake/users                 {"id"?, "first_name", "last_name"?, "username"?, "language_code"?}
    POST /_fake/groups                {"title", "id"?, "supergroup"?}
    POST /_fake/messages              {"user" | "user_id", "text", "chat_id"?, "entities"?, "reply_to_message_id"?}
    POST /_fake/callback_queries      {"user" | "user_id", "chat_id", "message_id", "data"}
    POST /_fake/inline_queries        {"user" | "user_id", "query", "offset"?}
    GET  /_fake/sent?chat_id=&since=  the bot's calls in order (since = index to read from)
    GET  /_fake/sent/wait?chat_id=&count=&timeout=
    GET  /_fake/replies               {update_id: [call, ...]}
    GET  /_fake/pollers?since=        active, max_concurrent, conflicts, timeline
    GET  /_fake/stats                 calls per method, pending updates, pollers, webhook
    GET  /_fake/commands              every command list by scope and language
    POST /_fake/faults                {"method", "times"?, "error_code"?, "description"?, "retry_after"?, "drop_connection"?}
    POST /_fake/rate_limits           {"enabled"?, "per_chat_per_second"?, "per_chat_burst"?, ...}
    POST /_fake/reset
"""  # noqa: E501

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .people import FakeChat, FakeUser

if TYPE_CHECKING:
    from .fake import FakeTelegram

_FAKE = web.AppKey("fake_telegram", object)


def _json(body: Any, status: int = 200) -> web.Response:
    text = json.dumps(body, ensure_ascii=False, default=str)
    return web.Response(text=text, status=status, content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return body


def _fake(request: web.Request) -> FakeTelegram:
    fake: FakeTelegram = request.app[_FAKE]  # type: ignore[assignment]
    return fake


def _user(fake: FakeTelegram, body: dict[str, Any]) -> FakeUser:
    if isinstance(body.get("user"), dict):
        return fake.state.world.add_user(FakeUser.from_api(body["user"]))
    user = fake.state.world.users.get(int(body.get("user_id", 0)))
    if user is None:
        raise web.HTTPNotFound(text=f"no user {body.get('user_id')!r}; POST /_fake/users first")
    return user


def _int_query(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    return int(raw) if raw not in (None, "") else None


async def create_user(request: web.Request) -> web.Response:
    body = await _body(request)
    fake = _fake(request)
    user = fake.user(
        id=body.get("id"),
        first_name=body.get("first_name", "Test"),
        last_name=body.get("last_name"),
        username=body.get("username"),
        language_code=body.get("language_code", "ru"),
    )
    return _json(user.to_api())


async def create_group(request: web.Request) -> web.Response:
    body = await _body(request)
    chat = _fake(request).group(
        title=body.get("title", "Test group"),
        id=body.get("id"),
        supergroup=bool(body.get("supergroup")),
    )
    return _json(chat.to_api())


async def post_message(request: web.Request) -> web.Response:
    body = await _body(request)
    fake = _fake(request)
    user = _user(fake, body)
    chat: FakeChat | None = None
    if body.get("chat_id") is not None:
        chat = fake.state.world.chat(int(body["chat_id"]))
        if chat is None:
            raise web.HTTPNotFound(text=f"no chat {body['chat_id']}")
    update = fake.send_message(
        user, str(body.get("text", "")), chat, body.get("entities"), body.get("reply_to_message_id")
    )
    return _json(update)


async def post_callback_query(request: web.Request) -> web.Response:
    body = await _body(request)
    fake = _fake(request)
    user = _user(fake, body)
    message = {"chat": {"id": int(body["chat_id"])}, "message_id": int(body["message_id"])}
    try:
        update = fake.press_button(user, message, str(body.get("data", "")))
    except LookupError as error:
        raise web.HTTPNotFound(text=str(error)) from None
    return _json(update)


async def post_inline_query(request: web.Request) -> web.Response:
    body = await _body(request)
    fake = _fake(request)
    user = _user(fake, body)
    update = fake.inline_query(user, str(body.get("query", "")), str(body.get("offset", "")))
    return _json(update)


async def get_sent(request: web.Request) -> web.Response:
    chat_id = _int_query(request, "chat_id")
    since = _int_query(request, "since") or 0
    calls = _fake(request).sent(chat_id)[since:]
    return _json([c.to_api() for c in calls])


async def wait_sent(request: web.Request) -> web.Response:
    chat_id = _int_query(request, "chat_id")
    count = _int_query(request, "count") or 1
    timeout = float(request.query.get("timeout", "5"))
    try:
        calls = await _fake(request).wait_sent(chat_id, count, timeout)
    except TimeoutError as error:
        return _json({"error": str(error)}, status=408)
    return _json([c.to_api() for c in calls])


async def get_replies(request: web.Request) -> web.Response:
    replies = _fake(request).replies_by_update
    return _json({str(k): [c.to_api() for c in v] for k, v in replies.items()})


def _pollers(fake: FakeTelegram, since: int = 0) -> dict[str, Any]:
    return {
        "active": fake.active_pollers,
        "max_concurrent": fake.max_concurrent_pollers,
        "conflicts": fake.poll_conflicts,
        "timeline": [e.to_api() for e in fake.poller_timeline[since:]],
    }


async def get_pollers(request: web.Request) -> web.Response:
    return _json(_pollers(_fake(request), _int_query(request, "since") or 0))


async def get_stats(request: web.Request) -> web.Response:
    fake = _fake(request)
    pollers = _pollers(fake)
    pollers.pop("timeline")
    webhook = asdict(fake.state.webhook)
    webhook.pop("secret_token")
    return _json(
        {
            "calls": fake.calls,
            "sent": len(fake.state.ledger.all),
            "pending_updates": fake.pending_updates,
            "pollers": pollers,
            "webhook": webhook,
            "rate_limits": asdict(fake.rate_limits),
        }
    )


async def get_commands(request: web.Request) -> web.Response:
    commands = _fake(request).state.world.commands
    return _json(
        [{"scope": s, "language_code": lang, "commands": c} for (s, lang), c in commands.items()]
    )


async def post_fault(request: web.Request) -> web.Response:
    body = await _body(request)
    fake = _fake(request)
    method = str(body.get("method", "*"))
    times = int(body.get("times", 1))
    if body.get("drop_connection"):
        fake.drop_next(method, times)
    else:
        fake.fail_next(
            method,
            times,
            int(body.get("error_code", 500)),
            body.get("description"),
            body.get("retry_after"),
        )
    return _json([f.to_api() for f in fake.state.faults.pending()])


async def post_rate_limits(request: web.Request) -> web.Response:
    body = await _body(request)
    try:
        limits = _fake(request).set_rate_limits(**body)
    except AttributeError as error:
        raise web.HTTPBadRequest(text=str(error)) from None
    return _json(asdict(limits))


async def post_reset(request: web.Request) -> web.Response:
    _fake(request).reset()
    return _json({"ok": True})


def add_control_routes(app: web.Application, fake: FakeTelegram) -> None:
    app[_FAKE] = fake
    router = app.router
    router.add_post("/_fake/users", create_user)
    router.add_post("/_fake/groups", create_group)
    router.add_post("/_fake/messages", post_message)
    router.add_post("/_fake/callback_queries", post_callback_query)
    router.add_post("/_fake/inline_queries", post_inline_query)
    router.add_get("/_fake/sent", get_sent)
    router.add_get("/_fake/sent/wait", wait_sent)
    router.add_get("/_fake/replies", get_replies)
    router.add_get("/_fake/pollers", get_pollers)
    router.add_get("/_fake/stats", get_stats)
    router.add_get("/_fake/commands", get_commands)
    router.add_post("/_fake/faults", post_fault)
    router.add_post("/_fake/rate_limits", post_rate_limits)
    router.add_post("/_fake/reset", post_reset)
