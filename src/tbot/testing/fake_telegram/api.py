"""The Bot API front door: `{base}/bot{token}/{method}`, answered in Telegram's envelopes.

`{"ok": true, "result": ...}` on success; `{"ok": false, "error_code", "description",
"parameters"}` with the same HTTP status on failure. Method names are case-insensitive, a wrong
token is 401 and an unknown method 404, as on api.telegram.org. Orders from the test (forced
faults) are applied before the method runs.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import messages, polling, profile, queries
from .errors import ApiError, not_found, unauthorized
from .params import Params, read_params
from .state import FakeState
from .webhook import WebhookDelivery

Handler = Callable[[FakeState, Params, str], Awaitable[Any]]


def _dumps(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _answer(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(body=_dumps(body), status=status, content_type="application/json")


class BotApi:
    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.webhook = WebhookDelivery(state, self.call)
        self.methods: dict[str, Handler] = {
            "getme": profile.get_me,
            "getupdates": polling.get_updates,
            "setwebhook": self.webhook.set_webhook,
            "deletewebhook": self.webhook.delete_webhook,
            "getwebhookinfo": self.webhook.get_webhook_info,
            "sendmessage": messages.send_message,
            "sendcontact": messages.send_contact,
            "sendchataction": messages.send_chat_action,
            "editmessagetext": messages.edit_message_text,
            "editmessagereplymarkup": messages.edit_message_reply_markup,
            "deletemessage": messages.delete_message,
            "answercallbackquery": queries.answer_callback_query,
            "answerinlinequery": queries.answer_inline_query,
            "setmycommands": profile.set_my_commands,
            "getmycommands": profile.get_my_commands,
            "deletemycommands": profile.delete_my_commands,
            "setmydescription": profile.set_my_description,
            "getmydescription": profile.get_my_description,
            "setmyshortdescription": profile.set_my_short_description,
            "getmyshortdescription": profile.get_my_short_description,
        }

    async def call(self, method: str, params: Params, peer: str = "internal") -> Any:
        """Run a method as the server would (faults included); ApiError carries a failure."""
        name = method.lower()
        fault = self.state.faults.take(name) if self.state.faults.armed else None
        if fault is not None:
            raise fault.error()
        return await self._run(name, params, peer)

    async def _run(self, name: str, params: Params, peer: str) -> Any:
        handler = self.methods.get(name)
        if handler is None:
            raise not_found()
        self.state.ledger.calls[name] += 1
        return await handler(self.state, params, peer)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.state.token:
            return _answer(unauthorized().payload(), 401)
        name = request.match_info["method"].lower()
        try:
            if self.state.faults.armed:
                fault = self.state.faults.take(name)
                if fault is not None and fault.drop_connection:
                    return _drop(request)
                if fault is not None:
                    raise fault.error()
            result = await self._run(name, await read_params(request), _peer(request))
        except ApiError as error:
            return _answer(error.payload(), error.error_code)
        return _answer({"ok": True, "result": result})


def _peer(request: web.Request) -> str:
    transport = request.transport
    peername = transport.get_extra_info("peername") if transport is not None else None
    if isinstance(peername, tuple) and len(peername) >= 2:
        return f"{peername[0]}:{peername[1]}"
    return request.remote or "unknown"


def _drop(request: web.Request) -> web.StreamResponse:
    """A network fault: the connection closes with no answer, as a dead proxy would."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=204)
