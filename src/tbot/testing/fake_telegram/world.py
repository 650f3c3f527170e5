"""The chats, messages and open queries the fake remembers between calls."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .people import FakeChat, FakeUser


@dataclass(slots=True)
class OpenQuery:
    """A callback or inline query waiting for its single answer."""

    update_id: int
    chat_id: int | None
    answered: bool = False
    answer: dict[str, str] | None = None


class World:
    def __init__(self) -> None:
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        # Message ids count per chat, shared by the user's and the bot's messages as in Telegram.
        self._last_message_id: dict[int, int] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.message_update: dict[tuple[int, int], int] = {}
        self.latest_update: dict[int, int] = {}
        self.callback_queries: dict[str, OpenQuery] = {}
        self.inline_queries: dict[str, OpenQuery] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self._query_seq = 0

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def add_user(self, user: FakeUser) -> FakeUser:
        self.users[user.id] = user
        if user.id not in self.chats:
            self.chats[user.id] = FakeChat.private_with(user)
        return user

    def add_chat(self, chat: FakeChat) -> FakeChat:
        self.chats[chat.id] = chat
        return chat

    def next_message_id(self, chat_id: int) -> int:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    def next_query_id(self) -> str:
        self._query_seq += 1
        # Real ids are large decimal strings; a recognisable prefix helps when reading logs.
        return f"{4_000_000_000_000_000_000 + self._query_seq}"

    def store(self, message: dict[str, Any]) -> None:
        self.messages[(message["chat"]["id"], message["message_id"])] = message

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return self.messages.get((chat_id, message_id))

    def chat(self, chat_id: int) -> FakeChat | None:
        return self.chats.get(chat_id)

    @staticmethod
    def now() -> int:
        return int(time.time())
