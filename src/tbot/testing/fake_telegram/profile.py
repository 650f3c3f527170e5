"""getMe, the bot's command lists (per scope and language) and its descriptions."""

from __future__ import annotations

import re
from typing import Any

from .errors import bad_request
from .params import Params
from .state import FakeState

MAX_COMMANDS = 100
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SIMPLE_SCOPES = frozenset(
    {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}
)
_CHAT_SCOPES = frozenset({"chat", "chat_administrators", "chat_member"})


async def get_me(state: FakeState, params: Params, peer: str) -> dict[str, Any]:
    profile = state.bot
    me = profile.user.to_api()
    me.update(
        {
            "is_bot": True,
            "can_join_groups": profile.can_join_groups,
            "can_read_all_group_messages": profile.can_read_all_group_messages,
            "supports_inline_queries": profile.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
    )
    return me


def _scope_key(params: Params) -> str:
    scope = params.json("scope", "Can't parse BotCommandScope JSON object")
    if scope is None:
        return "default"
    prefix = "Can't parse BotCommandScope: "
    if not isinstance(scope, dict):
        raise bad_request(prefix + "BotCommandScope must be an Object")
    kind = scope.get("type")
    if not isinstance(kind, str):
        raise bad_request(prefix + 'Can\'t find field "type"')
    if kind in _SIMPLE_SCOPES:
        return kind
    if kind not in _CHAT_SCOPES:
        raise bad_request(prefix + "Unsupported type specified")
    if scope.get("chat_id") in (None, ""):
        raise bad_request(prefix + 'Can\'t find field "chat_id"')
    key = f"{kind}:{scope['chat_id']}"
    if kind == "chat_member":
        if not isinstance(scope.get("user_id"), int) or scope["user_id"] <= 0:
            raise bad_request(prefix + "Invalid user_id specified")
        key += f":{scope['user_id']}"
    return key


def _language(params: Params) -> str:
    code = params.text("language_code")
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("invalid language code specified")
    return code


def _commands(params: Params) -> list[dict[str, str]]:
    value = params.json("commands", "Can't parse commands JSON object")
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request("Expected an Array of BotCommand")
    if len(value) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    commands = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("Can't parse BotCommand: expected an Object")
        for name in ("command", "description"):
            if not isinstance(item.get(name), str):
                raise bad_request(f"Can't parse BotCommand: Can't find field \"{name}\"")
        command = item["command"].removeprefix("/").lower()
        if not _COMMAND.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(item["description"]) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        commands.append({"command": command, "description": item["description"]})
    return commands


async def set_my_commands(state: FakeState, params: Params, peer: str) -> bool:
    commands = _commands(params)
    key = (_scope_key(params), _language(params))
    if commands:
        state.world.commands[key] = commands
    else:
        state.world.commands.pop(key, None)
    return True


async def get_my_commands(state: FakeState, params: Params, peer: str) -> list[dict[str, str]]:
    return list(state.world.commands.get((_scope_key(params), _language(params)), []))


async def delete_my_commands(state: FakeState, params: Params, peer: str) -> bool:
    state.world.commands.pop((_scope_key(params), _language(params)), None)
    return True


async def set_my_description(state: FakeState, params: Params, peer: str) -> bool:
    description = params.text("description")
    if len(description) > 512:
        raise bad_request("description is too long")
    state.world.descriptions[("description", _language(params))] = description
    return True


async def get_my_description(state: FakeState, params: Params, peer: str) -> dict[str, str]:
    key = ("description", _language(params))
    return {"description": state.world.descriptions.get(key, "")}


async def set_my_short_description(state: FakeState, params: Params, peer: str) -> bool:
    text = params.text("short_description")
    if len(text) > 120:
        raise bad_request("short description is too long")
    state.world.descriptions[("short_description", _language(params))] = text
    return True


async def get_my_short_description(state: FakeState, params: Params, peer: str) -> dict[str, str]:
    key = ("short_description", _language(params))
    return {"short_description": state.world.descriptions.get(key, "")}
