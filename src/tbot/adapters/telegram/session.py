"""aiogram's HTTP session, with two costs of every Bot API call taken out.

- Requests without files go as one JSON object, not as a urlencoded form. The values are the
  strings aiogram would put in the form (nested objects JSON-encoded), which the Bot API reads
  the same way from either; percent-encoding each byte of a reply's text and keyboard in
  Python (urllib's quote) was most of the cost of building a request.
- The response models are kept. aiogram reads every answer through `Response[<the method's
  result type>]`, a pydantic generic model made on demand, which pydantic caches in a
  WeakValueDictionary: nothing else holds it, so a garbage collection drops it and the next
  call builds it again (schema and validator: milliseconds of CPU). A busy bot collects often.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiohttp import ClientError, ClientTimeout

if TYPE_CHECKING:
    from aiogram import Bot

# One model per result type, for the life of the process: a few dozen at most.
_KEPT: dict[Any, type[Response[Any]]] = {}
_JSON = {"Content-Type": "application/json"}


class BotApiSession(AiohttpSession):
    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        body = self._json_body(bot, method)
        if body is None:  # files to upload: multipart, as aiogram does it
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=body,
                headers=_JSON,
                timeout=ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(
            bot=bot, method=method, status_code=resp.status, content=raw_result
        )
        return cast(TelegramType, response.result)

    def _json_body(self, bot: Bot, method: TelegramMethod[TelegramType]) -> bytes | None:
        """The form's fields as a JSON object; None when the method uploads a file."""
        files: dict[str, Any] = {}
        fields = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:  # what the form leaves out too
                fields[key] = prepared
        if files:
            return None
        return json.dumps(fields, ensure_ascii=False).encode()

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in _KEPT:
            _KEPT[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
