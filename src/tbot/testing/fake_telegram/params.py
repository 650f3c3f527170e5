"""Method parameters, read like the Bot API reads them.

The real server accepts the query string, urlencoded and multipart forms and a JSON object,
and treats every value as a string: nested objects (reply_markup, entities, results...) arrive
JSON-encoded in forms, as aiogram sends them, and as JSON values in a JSON body.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from .errors import ApiError, bad_request

_LEADING_INT = re.compile(r"\s*([+-]?\d+)")
_TRUE = frozenset({"true", "1", "True", "TRUE"})


class Params:
    """String parameters with the server's forgiving conversions."""

    __slots__ = ("values",)

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return bool(self.values.get(name))

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def integer(
        self, name: str, default: int = 0, low: int | None = None, high: int | None = None
    ) -> int:
        """td::to_integer: leading digits count, garbage is 0; then clamped like get_integer_arg."""
        raw = self.values.get(name, "")
        if not raw:
            value = default
        else:
            match = _LEADING_INT.match(raw)
            value = int(match.group(1)) if match else 0
        if low is not None:
            value = max(value, low)
        if high is not None:
            value = min(value, high)
        return value

    def flag(self, name: str) -> bool:
        return self.values.get(name, "") in _TRUE

    def json(self, name: str, error: str) -> Any:
        """The decoded JSON value, None when absent; `error` is the server's wording."""
        raw = self.values.get(name, "")
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise bad_request(error) from None

    def require(self, name: str) -> str:
        value = self.values.get(name, "")
        if not value:
            raise bad_request(f'Parameter "{name}" is required')
        return value


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def read_params(request: web.Request) -> Params:
    values: dict[str, str] = dict(request.query)
    if request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON object") from None
            if isinstance(body, dict):
                values.update((str(k), _as_text(v)) for k, v in body.items() if v is not None)
        elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            for key, value in form.items():
                # Uploaded files are accepted but not stored: the fake keeps no media.
                values[key] = value if isinstance(value, str) else "attach://file"
    return Params(values)
