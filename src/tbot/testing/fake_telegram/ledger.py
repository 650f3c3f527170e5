"""What the bot did, as a test reads it: calls per chat in order, replies per update, counters.

A reply is linked to the update it answers: the message named by reply_parameters (or
reply_to_message_id) when given, the callback or inline query it answers, else the latest
update injected for that chat. A harness reads `replies[update_id]` to check that each update
got exactly one answer, however many bot nodes were running.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SentRecord:
    method: str
    chat_id: int | None
    params: dict[str, str]
    result: Any
    update_id: int | None
    at: float = field(default_factory=time.time)

    @property
    def text(self) -> str | None:
        if isinstance(self.result, dict):
            text = self.result.get("text")
            return text if isinstance(text, str) else None
        return None

    def to_api(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "chat_id": self.chat_id,
            "params": self.params,
            "result": self.result,
            "update_id": self.update_id,
            "at": self.at,
        }


class Ledger:
    def __init__(self) -> None:
        self.by_chat: dict[int, list[SentRecord]] = defaultdict(list)
        self.all: list[SentRecord] = []
        self.replies: dict[int, list[SentRecord]] = defaultdict(list)
        self.calls: Counter[str] = Counter()
        self._waiters: list[tuple[int | None, int, asyncio.Future[None]]] = []

    def record(self, entry: SentRecord) -> None:
        self.all.append(entry)
        if entry.chat_id is not None:
            self.by_chat[entry.chat_id].append(entry)
        if entry.update_id is not None:
            self.replies[entry.update_id].append(entry)
        if self._waiters:
            self._notify()

    def _notify(self) -> None:
        still = []
        for chat_id, count, future in self._waiters:
            if future.done():
                continue
            if self.count(chat_id) >= count:
                future.set_result(None)
            else:
                still.append((chat_id, count, future))
        self._waiters = still

    def count(self, chat_id: int | None) -> int:
        if chat_id is None:
            return len(self.all)
        return len(self.by_chat.get(chat_id, ()))

    async def wait(self, chat_id: int | None, count: int, seconds: float) -> list[SentRecord]:
        """Wait until `count` calls were recorded for the chat (or overall when chat_id is None)."""
        if self.count(chat_id) < count:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append((chat_id, count, future))
            try:
                await asyncio.wait_for(future, seconds)
            except TimeoutError:
                seen = self.count(chat_id)
                where = "overall" if chat_id is None else f"for chat {chat_id}"
                raise TimeoutError(
                    f"expected {count} bot calls {where} within {seconds}s, saw {seen}"
                ) from None
        return list(self.all if chat_id is None else self.by_chat[chat_id])

    def reset(self) -> None:
        self.by_chat.clear()
        self.all.clear()
        self.replies.clear()
        self.calls.clear()
        for _, _, future in self._waiters:
            future.cancel()
        self._waiters.clear()
