"""Faults a test orders: "the next K calls of method M answer error E", or drop the connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ApiError, error_with_code, too_many_requests

ANY_METHOD = "*"


@dataclass(slots=True)
class Fault:
    method: str
    remaining: int
    error_code: int = 500
    description: str | None = None
    retry_after: int | None = None
    drop_connection: bool = False

    def error(self) -> ApiError:
        if self.error_code == 429:
            retry_after = self.retry_after or 1
            if self.description is None:
                return too_many_requests(retry_after)
            return ApiError(429, self.description, retry_after)
        return error_with_code(self.error_code, self.description)

    def to_api(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "remaining": self.remaining,
            "error_code": self.error_code,
            "description": self.description,
            "retry_after": self.retry_after,
            "drop_connection": self.drop_connection,
        }


class Faults:
    def __init__(self) -> None:
        self._queue: list[Fault] = []

    def add(self, fault: Fault) -> None:
        fault.method = fault.method.lower()
        self._queue.append(fault)

    def take(self, method: str) -> Fault | None:
        """The first fault ordered for this method (or any), spending one of its calls."""
        if not self._queue:
            return None
        for fault in self._queue:
            if fault.method in (method, ANY_METHOD):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._queue.remove(fault)
                return fault
        return None

    @property
    def armed(self) -> bool:
        return bool(self._queue)

    def pending(self) -> list[Fault]:
        return list(self._queue)

    def clear(self) -> None:
        self._queue.clear()
