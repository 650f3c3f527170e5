"""sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage, sendContact,
sendChatAction: validated as the Bot API does, stored, and logged as replies."""

from __future__ import annotations

from typing import Any

from .errors import NOT_MODIFIED, bad_request
from .html_parser import HtmlParseError, parse_html
from .ledger import SentRecord
from .markup import check_reply_markup
from .params import Params
from .people import FakeChat
from .state import FakeState
from .text import MAX_MESSAGE_LENGTH, auto_entities, merge_entities, trim, utf16_len

MAX_RAW_TEXT_BYTES = 1 << 15
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip


def resolve_chat(state: FakeState, params: Params) -> FakeChat:
    raw = params.text("chat_id").strip()
    if not raw:
        raise bad_request("chat_id is empty")
    if raw.startswith("@"):
        name = raw[1:].lower()
        for chat in state.world.chats.values():
            if chat.username and chat.username.lower() == name:
                return chat
        raise bad_request("chat not found")
    try:
        chat_id = int(raw)
    except ValueError:
        raise bad_request("chat not found") from None
    found = state.world.chat(chat_id)
    if found is None:
        raise bad_request("chat not found")
    return found


def formatted_text(
    params: Params, text_key: str = "text", entities_key: str = "entities"
) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities after parse_mode, trimmed; the server's errors for empty and long text."""
    text = params.text(text_key)
    if not text:
        raise bad_request("Message text is empty")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_RAW_TEXT_BYTES:
        raise bad_request("Text is too long")
    mode = params.text("parse_mode").lower()
    entities: list[dict[str, Any]]
    if mode == "html":
        try:
            text, entities = parse_html(text)
        except HtmlParseError as error:
            raise bad_request(f"Can't parse entities: {error}") from None
    elif mode in ("", "none", "markdown", "markdownv2"):
        # Markdown is accepted as plain text: TBot renders HTML only, so the fake needs no more.
        raw = params.json(entities_key, "Can't parse entities JSON object") if not mode else None
        entities = [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []
    else:
        raise bad_request("Unsupported parse_mode")
    text, entities = trim(text, entities)
    if not text:
        raise bad_request("Message text is empty")
    if utf16_len(text) > MAX_MESSAGE_LENGTH:
        raise bad_request("message is too long")
    return text, merge_entities(entities, auto_entities(text))


def _reply_target(state: FakeState, chat: FakeChat, params: Params) -> int | None:
    """The id of the message this one replies to, checked; None when it replies to none."""
    reply = params.json("reply_parameters", "Can't parse reply parameters JSON object")
    if isinstance(reply, dict) and reply.get("message_id") is not None:
        message_id = int(reply["message_id"])
        allow_missing = bool(reply.get("allow_sending_without_reply"))
    elif "reply_to_message_id" in params:
        message_id = params.integer("reply_to_message_id")
        allow_missing = params.flag("allow_sending_without_reply")
    else:
        return None
    if state.world.message(chat.id, message_id) is not None:
        return message_id
    if allow_missing:
        return None
    raise bad_request("message to be replied not found")


def _linked_update(state: FakeState, chat_id: int, reply_to: int | None) -> int | None:
    world = state.world
    if reply_to is not None:
        linked = world.message_update.get((chat_id, reply_to))
        if linked is not None:
            return linked
    return world.latest_update.get(chat_id)


def _new_message(
    state: FakeState, chat: FakeChat, reply_to: int | None, markup: dict[str, Any] | None
) -> dict[str, Any]:
    world = state.world
    message: dict[str, Any] = {
        "message_id": world.next_message_id(chat.id),
        "from": state.bot.user.to_api(),
        "chat": chat.to_api(),
        "date": world.now(),
    }
    if reply_to is not None:
        replied = world.message(chat.id, reply_to)
        if replied is not None:
            message["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
    if markup is not None:
        message["reply_markup"] = markup
    return message


def _send(
    state: FakeState, method: str, params: Params, chat: FakeChat, message: dict[str, Any]
) -> dict[str, Any]:
    state.world.store(message)
    reply_to = message.get("reply_to_message", {}).get("message_id")
    linked = _linked_update(state, chat.id, reply_to)
    state.ledger.record(SentRecord(method, chat.id, params.values, message, linked))
    return message


def _markup(params: Params) -> dict[str, Any] | None:
    return check_reply_markup(
        params.json("reply_markup", "Can't parse reply keyboard markup JSON object")
    )


async def send_message(state: FakeState, params: Params, peer: str) -> dict[str, Any]:
    chat = resolve_chat(state, params)
    text, entities = formatted_text(params)
    markup = _markup(params)
    reply_to = _reply_target(state, chat, params)
    # Checked last, as Telegram does after the Bot API server has validated the request.
    state.flood.check(chat.id, chat.is_group)
    message = _new_message(state, chat, reply_to, markup)
    message["text"] = text
    if entities:
        message["entities"] = entities
    preview = params.json("link_preview_options", "Can't parse link preview options JSON object")
    if isinstance(preview, dict) and preview:
        message["link_preview_options"] = preview
    return _send(state, "sendMessage", params, chat, message)


async def send_contact(state: FakeState, params: Params, peer: str) -> dict[str, Any]:
    chat = resolve_chat(state, params)
    contact = {
        "phone_number": params.require("phone_number"),
        "first_name": params.require("first_name"),
    }
    for key in ("last_name", "vcard"):
        if params.text(key):
            contact[key] = params.text(key)
    markup = _markup(params)
    reply_to = _reply_target(state, chat, params)
    state.flood.check(chat.id, chat.is_group)
    message = _new_message(state, chat, reply_to, markup)
    message["contact"] = contact
    return _send(state, "sendContact", params, chat, message)


def _own_message(state: FakeState, params: Params, action: str) -> tuple[FakeChat, dict[str, Any]]:
    if "inline_message_id" in params and "chat_id" not in params:
        # Inline messages live in other people's chats; the fake does not track them.
        raise bad_request("MESSAGE_ID_INVALID")
    chat = resolve_chat(state, params)
    message = state.world.message(chat.id, params.integer("message_id"))
    if message is None:
        raise bad_request(f"message to {action} not found")
    if message["from"]["id"] != state.bot_id and action == "edit":
        raise bad_request("message can't be edited")
    return chat, message


def _edit(
    state: FakeState, method: str, params: Params, chat: FakeChat, edited: dict[str, Any]
) -> dict[str, Any]:
    edited["edit_date"] = state.world.now()
    state.flood.check(chat.id, chat.is_group)
    state.world.store(edited)
    state.ledger.record(
        SentRecord(method, chat.id, params.values, edited, _linked_update(state, chat.id, None))
    )
    return edited


async def edit_message_text(state: FakeState, params: Params, peer: str) -> dict[str, Any]:
    chat, message = _own_message(state, params, "edit")
    text, entities = formatted_text(params)
    markup = _markup(params)
    if (
        message.get("text") == text
        and message.get("entities", []) == entities
        and message.get("reply_markup") == markup
    ):
        raise bad_request(NOT_MODIFIED)
    edited = {k: v for k, v in message.items() if k not in ("entities", "reply_markup")}
    edited["text"] = text
    if entities:
        edited["entities"] = entities
    if markup is not None:
        edited["reply_markup"] = markup
    return _edit(state, "editMessageText", params, chat, edited)


async def edit_message_reply_markup(state: FakeState, params: Params, peer: str) -> dict[str, Any]:
    chat, message = _own_message(state, params, "edit")
    markup = _markup(params)
    if message.get("reply_markup") == markup:
        raise bad_request(NOT_MODIFIED)
    edited = {k: v for k, v in message.items() if k != "reply_markup"}
    if markup is not None:
        edited["reply_markup"] = markup
    return _edit(state, "editMessageReplyMarkup", params, chat, edited)


async def delete_message(state: FakeState, params: Params, peer: str) -> bool:
    chat, message = _own_message(state, params, "delete")
    del state.world.messages[(chat.id, message["message_id"])]
    state.ledger.record(SentRecord("deleteMessage", chat.id, params.values, True, None))
    return True


async def send_chat_action(state: FakeState, params: Params, peer: str) -> bool:
    chat = resolve_chat(state, params)
    if params.text("action") not in CHAT_ACTIONS:
        raise bad_request("Wrong parameter action in request")
    state.ledger.record(SentRecord("sendChatAction", chat.id, params.values, True, None))
    return True
