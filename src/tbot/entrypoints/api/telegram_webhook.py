"""POST /telegram/webhook: where Telegram delivers updates in webhook mode. Public (Telegram
has no token of ours) but checked by the secret Telegram echoes back; outside the OpenAPI
schema, which documents the API for people."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, post
from litestar.status_codes import HTTP_200_OK, HTTP_403_FORBIDDEN, HTTP_503_SERVICE_UNAVAILABLE

from tbot.entrypoints.api.security import PUBLIC
from tbot.entrypoints.bot.webhook import SECRET_HEADER, WebhookIntake


def webhook_router(intake: WebhookIntake) -> Router:
    @post("/webhook", opt=PUBLIC, include_in_schema=False, status_code=HTTP_200_OK)
    async def telegram_webhook(request: Request[Any, Any, Any]) -> Response[None]:
        if not intake.admits(request.headers.get(SECRET_HEADER)):
            return Response(None, status_code=HTTP_403_FORBIDDEN)
        recorded = await intake.handle(await request.body())
        # Not recorded (the database is down): Telegram keeps the update and retries.
        return Response(None, status_code=HTTP_200_OK if recorded else HTTP_503_SERVICE_UNAVAILABLE)

    return Router("/telegram", route_handlers=[telegram_webhook], include_in_schema=False)
