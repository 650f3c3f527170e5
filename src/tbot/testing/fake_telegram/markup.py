"""reply_markup checks, in the server's words (Client.cpp get_reply_markup and Telegram's codes).

The message keeps an inline keyboard as sent; reply keyboards, removal and force_reply are
accepted but not shown on the Message, as the real server does.
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request

MAX_CALLBACK_DATA_BYTES = 64
_BUTTON_KINDS = (
    "url", "callback_data", "callback_game", "pay", "switch_inline_query",
    "switch_inline_query_chosen_chat", "switch_inline_query_current_chat", "login_url", "web_app",
    "copy_text",
)  # fmt: skip


def _field_error(name: str) -> str:
    return f'Can\'t find field "{name}"'


def _check_inline_button(button: Any) -> dict[str, Any]:
    prefix = "Can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request(prefix + _field_error("text"))
    kind = next((k for k in _BUTTON_KINDS if button.get(k) not in (None, "")), None)
    if kind is None:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if kind == "callback_data":
        data = button["callback_data"]
        if not isinstance(data, str) or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if kind == "url":
        url = button["url"]
        if not isinstance(url, str) or not url.strip() or " " in url.strip():
            raise bad_request("BUTTON_URL_INVALID")
    if not button["text"]:
        raise bad_request("BUTTON_TEXT_INVALID")
    return button


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """The inline keyboard to show on the message, or None; 400 for a malformed markup."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("Object expected as reply markup")
    keyboard = markup.get("keyboard")
    if keyboard is not None:
        if not isinstance(keyboard, list) or not all(isinstance(r, list) for r in keyboard):
            raise bad_request('Field "keyboard" must be an Array of Arrays')
        return None
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request(
            'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    checked = [[_check_inline_button(b) for b in row] for row in rows]
    if not any(checked):
        return None
    return {"inline_keyboard": [row for row in checked if row]}
