"""Bot API errors as the real server words them (tdlib/telegram-bot-api, Client.cpp)."""

from __future__ import annotations

from typing import Any

POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
SET_WEBHOOK_CONFLICT = "Conflict: terminated by setWebhook request"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_PREFIXES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
             409: "Conflict", 500: "Internal Server Error", 502: "Bad Gateway"}  # fmt: skip


class ApiError(Exception):
    """An `{ok: false}` answer: HTTP status = error_code, as the Bot API sends it."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _sentence(message: str) -> str:
    # The server lower-cases the first letter unless the message is an UPPER_CASE code.
    if len(message) >= 2 and (message[1] == "_" or message[1].isupper()):
        return message
    return message[:1].lower() + message[1:]


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {_sentence(message)}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def error_with_code(error_code: int, description: str | None = None) -> ApiError:
    """A forced fault: the server's usual description for the code unless one is given."""
    if description is None:
        description = _PREFIXES.get(error_code, "Bad Request")
    return ApiError(error_code, description)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")
