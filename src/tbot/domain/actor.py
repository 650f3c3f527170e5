"""Who acts, through which channel, on behalf of which request."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    API = "api"
    BOT = "bot"
    CLI = "cli"
    WORKER = "worker"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """The subject of an action, recorded in every audit event it causes."""

    name: str
    channel: Channel
    request_id: str = ""
    user_id: int | None = None

    @classmethod
    def system(cls, request_id: str = "") -> Actor:
        return cls(name="system", channel=Channel.SYSTEM, request_id=request_id)
