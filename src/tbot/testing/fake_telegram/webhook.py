"""setWebhook, deleteWebhook, getWebhookInfo and the delivery loop behind them.

While a webhook is set, each pending update is POSTed as JSON to its URL with the
X-Telegram-Bot-Api-Secret-Token header, one at a time and in order, and retried with a growing
pause until the endpoint answers 2xx, as Telegram does. An answer that carries a method call
(`{"method": "sendMessage", ...}`) is executed, as Telegram executes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .errors import SET_WEBHOOK_CONFLICT, ApiError, bad_request
from .params import Params
from .polling import read_allowed_updates
from .state import FakeState
from .updates import DEFAULT_ALLOWED

SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]*")
FIRST_RETRY_S = 0.05
LAST_RETRY_S = 2.0
DELIVERY_TIMEOUT_S = 10.0

MethodCall = Callable[[str, Params], Awaitable[Any]]


class WebhookDelivery:
    def __init__(self, state: FakeState, call: MethodCall) -> None:
        self._state = state
        self._call = call
        self._task: asyncio.Task[None] | None = None

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _restart(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.get_running_loop().create_task(self._deliver_forever())

    async def _deliver_forever(self) -> None:
        queue = self._state.updates
        pause = FIRST_RETRY_S
        timeout = aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                first = queue.first()
                if first is None:
                    queue.arrived.clear()
                    await queue.arrived.wait()
                    continue
                update_id, update = first
                if await self._post(session, update):
                    queue.confirm(update_id + 1)
                    pause = FIRST_RETRY_S
                else:
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, LAST_RETRY_S)

    async def _post(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> bool:
        webhook = self._state.webhook
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        webhook.attempts += 1
        try:
            async with session.post(webhook.url, data=json.dumps(update), headers=headers) as resp:
                body = await resp.read()
                if not 200 <= resp.status < 300:
                    self._failed(f"Wrong response from the webhook: {resp.status} {resp.reason}")
                    return False
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            self._failed(_connection_error(error))
            return False
        webhook.delivered += 1
        await self._run_answer(resp.content_type, body)
        return True

    def _failed(self, message: str) -> None:
        self._state.webhook.last_error_date = self._state.world.now()
        self._state.webhook.last_error_message = message

    async def _run_answer(self, content_type: str, body: bytes) -> None:
        if content_type != "application/json" or not body:
            return
        try:
            answer = json.loads(body)
        except ValueError:
            return
        if not isinstance(answer, dict) or not isinstance(answer.get("method"), str):
            return
        values = {
            k: v if isinstance(v, str) else json.dumps(v)
            for k, v in answer.items()
            if k != "method" and v is not None
        }
        with contextlib.suppress(ApiError):
            await self._call(answer["method"], Params(values))

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        allowed = ("https", "http") if self._state.allow_http_webhooks else ("https",)
        if parts.scheme not in allowed:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if not parts.hostname:
            raise bad_request("invalid webhook URL specified")

    async def set_webhook(self, state: FakeState, params: Params, peer: str) -> bool:
        url = params.text("url").strip()
        if not url:
            return await self.delete_webhook(state, params, peer)
        self._check_url(url)
        secret = params.text("secret_token")
        if len(secret) > 256:
            raise bad_request("secret token is too long")
        if not SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        read_allowed_updates(state, params)
        if params.flag("drop_pending_updates"):
            state.updates.drop_all()
        state.updates.end_long_poll(ApiError(409, SET_WEBHOOK_CONFLICT))
        webhook = state.webhook
        webhook.url = url
        webhook.secret_token = secret
        webhook.max_connections = params.integer("max_connections", 40, 1, 100)
        webhook.last_error_date = 0
        webhook.last_error_message = ""
        self._restart()
        return True

    async def delete_webhook(self, state: FakeState, params: Params, peer: str) -> bool:
        if params.flag("drop_pending_updates"):
            state.updates.drop_all()
        state.webhook.url = ""
        state.webhook.secret_token = ""
        await self.close()
        return True

    async def get_webhook_info(self, state: FakeState, params: Params, peer: str) -> dict[str, Any]:
        webhook = state.webhook
        info: dict[str, Any] = {
            "url": webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(state.updates),
        }
        if webhook.last_error_date:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
        if webhook.url:
            info["max_connections"] = webhook.max_connections
            info["ip_address"] = "127.0.0.1"
        if state.updates.allowed != DEFAULT_ALLOWED:
            info["allowed_updates"] = sorted(state.updates.allowed)
        return info


def _connection_error(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "Read timeout expired"
    if isinstance(error, aiohttp.ClientConnectorError | ConnectionRefusedError):
        return "Connection refused"
    return f"Connection error: {type(error).__name__}"
