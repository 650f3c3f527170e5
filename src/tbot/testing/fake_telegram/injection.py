"""Updates a test makes happen: a user writes, presses a button, types an inline query."""

from __future__ import annotations

from typing import Any

from .people import FakeChat, FakeUser
from .state import FakeState
from .text import auto_entities
from .world import OpenQuery


def _track(state: FakeState, chat_id: int, update_id: int | None) -> None:
    if update_id is not None:
        state.world.latest_update[chat_id] = update_id


def inject_message(
    state: FakeState,
    user: FakeUser,
    text: str,
    chat: FakeChat | None = None,
    entities: list[dict[str, Any]] | None = None,
    reply_to_message_id: int | None = None,
) -> dict[str, Any]:
    """The user sends `text` to the bot (in private unless `chat` is a group)."""
    world = state.world
    world.add_user(user)
    chat = world.add_chat(chat) if chat is not None else world.chats[user.id]
    message: dict[str, Any] = {
        "message_id": world.next_message_id(chat.id),
        "from": user.to_api(),
        "chat": chat.to_api(),
        "date": world.now(),
        "text": text,
    }
    found = auto_entities(text) if entities is None else entities
    if found:
        message["entities"] = found
    if reply_to_message_id is not None:
        replied = world.message(chat.id, reply_to_message_id)
        if replied is not None:
            message["reply_to_message"] = replied
    world.store(message)
    update_id = state.updates.push("message", message)
    if update_id is not None:
        world.message_update[(chat.id, message["message_id"])] = update_id
    _track(state, chat.id, update_id)
    return {"update_id": update_id, "message": message}


def inject_callback_query(
    state: FakeState, user: FakeUser, chat_id: int, message_id: int, data: str
) -> dict[str, Any]:
    """The user presses an inline button with `data` under a message the bot sent."""
    world = state.world
    world.add_user(user)
    message = world.message(chat_id, message_id)
    if message is None or message["from"]["id"] != state.bot_id:
        raise LookupError(f"the bot sent no message {message_id} to chat {chat_id}")
    query: dict[str, Any] = {
        "id": world.next_query_id(),
        "from": user.to_api(),
        "message": message,
        "chat_instance": str(abs(chat_id) * 7919 % 10**18),
        "data": data,
    }
    update_id = state.updates.push("callback_query", query)
    if update_id is not None:
        world.callback_queries[query["id"]] = OpenQuery(update_id, chat_id)
    _track(state, chat_id, update_id)
    return {"update_id": update_id, "callback_query": query}


def inject_inline_query(
    state: FakeState, user: FakeUser, query_text: str, offset: str = "", chat_type: str = "sender"
) -> dict[str, Any]:
    """The user types `@bot query_text`; the answer is logged under the user's private chat."""
    world = state.world
    world.add_user(user)
    query: dict[str, Any] = {
        "id": world.next_query_id(),
        "from": user.to_api(),
        "query": query_text,
        "offset": offset,
        "chat_type": chat_type,
    }
    update_id = state.updates.push("inline_query", query)
    if update_id is not None:
        world.inline_queries[query["id"]] = OpenQuery(update_id, user.id)
    return {"update_id": update_id, "inline_query": query}
