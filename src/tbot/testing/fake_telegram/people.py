"""Users and chats the fake knows, shaped like the Bot API's User and Chat objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> FakeUser:
        return cls(
            id=int(data["id"]),
            first_name=str(data.get("first_name") or "User"),
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code"),
            is_bot=bool(data.get("is_bot", False)),
        )


@dataclass(frozen=True, slots=True)
class FakeChat:
    """A private chat has the user's id and names; a group has a negative id and a title."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_api(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value:
                chat[key] = value
        return chat

    @classmethod
    def private_with(cls, user: FakeUser) -> FakeChat:
        return cls(
            id=user.id,
            type="private",
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
        )

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> FakeChat:
        return cls(
            id=int(data["id"]),
            type=str(data.get("type") or "private"),
            title=data.get("title"),
            first_name=data.get("first_name"),
            last_name=data.get("last_name"),
            username=data.get("username"),
        )
