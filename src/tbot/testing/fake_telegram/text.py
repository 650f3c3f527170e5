"""Message text as Telegram measures and annotates it: UTF-16 lengths, trimming, bot commands."""

from __future__ import annotations

import re
from typing import Any

MAX_MESSAGE_LENGTH = 4096
# TDLib's match_bot_commands: `/name` or `/name@botusername`, not glued to a word, `/`, `<`, `>`.
_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_BLOCKING = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})
_MENTION = re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")


def utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf16_prefix(text: str, index: int) -> int:
    return utf16_len(text[:index])


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace as Telegram does, moving and clipping the entities with it."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    if not stripped:
        return "", []
    head = _utf16_prefix(text, text.index(stripped))
    size = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - head, 0)
        end = min(entity["offset"] + entity["length"] - head, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _found(pattern: re.Pattern[str], kind: str, text: str) -> list[dict[str, Any]]:
    ascii_only = text.isascii()
    found = []
    for match in pattern.finditer(text):
        start = match.start() if ascii_only else _utf16_prefix(text, match.start())
        found.append({"offset": start, "length": utf16_len(match.group()), "type": kind})
    return found


def auto_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram finds by itself in any text: bot commands and @mentions."""
    if "/" not in text and "@" not in text:
        return []
    commands = _found(_BOT_COMMAND, "bot_command", text)
    mentions = [
        m
        for m in _found(_MENTION, "mention", text)
        # "@bot" inside "/start@bot" belongs to the command.
        if not any(c["offset"] < m["offset"] < c["offset"] + c["length"] for c in commands)
    ]
    return commands + mentions


def merge_entities(
    explicit: list[dict[str, Any]], found: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Found entities are added unless code, pre or a link covers them, then all are sorted."""
    merged = list(explicit)
    blocking = [e for e in explicit if e["type"] in _BLOCKING]
    for entity in found:
        start, end = entity["offset"], entity["offset"] + entity["length"]
        if not any(e["offset"] < end and start < e["offset"] + e["length"] for e in blocking):
            merged.append(entity)
    merged.sort(key=lambda e: (e["offset"], -e["length"]))
    return merged
