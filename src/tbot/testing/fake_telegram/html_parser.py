"""Telegram's HTML parse mode, following TDLib's `parse_html` (td/telegram/MessageEntity.cpp).

The real server is lenient where browsers are strict and strict where they are lenient: an `&`
that starts no known entity stays a literal `&`, `&lt` without `;` still decodes, but any tag
outside the short list below is refused, and so is an unclosed or mismatched one. Errors carry
TDLib's own wording and a byte offset into the UTF-8 text, because bots log and match on them.
Offsets and lengths of the resulting entities count UTF-16 code units, as the Bot API does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .text import utf16_len

_SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
        "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
# TDLib's is_space: the NUL that ends a C string counts as a space, which is how its loops stop
# at the end of the text; `_at` below returns NUL past the end to keep the same control flow.
_SPACES = frozenset(" \t\r\n\0\v\f")
_SPECIAL = re.compile(r"[<&]")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HEX = frozenset("0123456789abcdefABCDEF")
_ALNUM_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")


class HtmlParseError(Exception):
    """TDLib's message; the Bot API prefixes it with "can't parse entities: "."""


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    utf16_offset: int
    text_index: int
    attributes: dict[str, str] = field(default_factory=dict)


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(source: str, pos: int) -> tuple[str, int] | None:
    """The character an `&...` at `pos` stands for and where it ends, or None for a literal `&`."""
    n = len(source)
    end = pos + 1
    if end < n and source[end] == "#":
        end += 1
        value = 0
        if end < n and source[end] == "x":
            end += 1
            while end < n and source[end] in _HEX:
                value = value * 16 + int(source[end], 16)
                end += 1
        else:
            while end < n and "0" <= source[end] <= "9":
                value = value * 10 + ord(source[end]) - 48
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(value)
    else:
        while end < n and source[end].isascii() and source[end].isalpha():
            end += 1
        named = _NAMED.get(source[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and source[end] == ";":
        end += 1
    return char, end


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.n = len(source)
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[dict[str, Any]] = []
        self.stack: list[_Open] = []

    def _at(self, i: int) -> str:
        return self.source[i] if i < self.n else "\0"

    def _fail(self, message: str) -> HtmlParseError:
        return HtmlParseError(message)

    def _emit(self, chunk: str) -> None:
        if chunk:
            self.out.append(chunk)
            self.utf16 += utf16_len(chunk)

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        i = 0
        while i < self.n:
            match = _SPECIAL.search(self.source, i)
            if match is None:
                self._emit(self.source[i:])
                break
            self._emit(self.source[i : match.start()])
            i = match.start()
            if self.source[i] == "&":
                decoded = _decode_entity(self.source, i)
                if decoded is None:
                    self._emit("&")
                    i += 1
                else:
                    self._emit(decoded[0])
                    i = decoded[1]
                continue
            i = self._end_tag(i) if self._at(i + 1) == "/" else self._start_tag(i)
        if self.stack:
            raise self._fail(f"Can't find end tag corresponding to start tag {self.stack[-1].tag}")
        text = "".join(self.out)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self._fail(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            ) from None
        # TDLib's sort_entities: by offset, longer first, so that outer entities come first.
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return text, self.entities

    def _start_tag(self, begin: int) -> int:
        at = self._at
        i = begin + 1
        while at(i) not in _SPACES and at(i) != ">":
            i += 1
        offset = _byte_offset(self.source, begin)
        if i >= self.n:
            raise self._fail(f"Unclosed start tag at byte offset {offset}")
        tag = self.source[begin + 1 : i].lower()
        if tag not in _SUPPORTED_TAGS:
            raise self._fail(f'Unsupported start tag "{tag}" at byte offset {offset}')
        argument = ""
        while at(i) != ">":
            while i < self.n and at(i) in _SPACES:
                i += 1
            if at(i) == ">":
                break
            name_begin = i
            while at(i) not in _SPACES and at(i) != "=" and at(i) != ">":
                i += 1
            name = self.source[name_begin:i]
            if not name:
                raise self._fail(f'Empty attribute name in the tag "{tag}" at byte offset {offset}')
            while i < self.n and at(i) in _SPACES:
                i += 1
            if at(i) != "=":
                if tag == "blockquote" and name == "expandable":
                    argument = "1"
                    continue
                raise self._fail(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {offset}'
                )
            i += 1
            while i < self.n and at(i) in _SPACES:
                i += 1
            if i >= self.n:
                raise self._fail(f'Unclosed start tag "{tag}" at byte offset {offset}')
            value, i = self._attribute_value(i)
            if i >= self.n:
                raise self._fail(f"Unclosed start tag at byte offset {offset}")
            argument = _argument(tag, name, value, argument)
        if tag == "span" and argument != "spoiler":
            raise self._fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        self.stack.append(_Open(tag, argument, self.utf16, len(self.out)))
        return i + 1

    def _attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.source[i]
        if quote not in "'\"":
            # A name token: letters, digits, periods, hyphens; case-insensitive.
            match = _ALNUM_TOKEN.match(self.source, i)
            end = match.end() if match else i
            if self._at(end) not in _SPACES and self._at(end) != ">":
                raise self._fail(
                    f"Unexpected end of name token at byte offset {_byte_offset(self.source, i)}"
                )
            return self.source[i:end].lower(), end
        i += 1
        value: list[str] = []
        while i < self.n and self.source[i] != quote:
            if self.source[i] == "&":
                decoded = _decode_entity(self.source, i)
                if decoded is not None:
                    value.append(decoded[0])
                    i = decoded[1]
                    continue
            value.append(self.source[i])
            i += 1
        if i < self.n:
            i += 1
        return "".join(value), i

    def _end_tag(self, begin: int) -> int:
        at = self._at
        offset = _byte_offset(self.source, begin)
        if not self.stack:
            raise self._fail(f"Unexpected end tag at byte offset {offset}")
        i = begin + 2
        while at(i) not in _SPACES and at(i) != ">":
            i += 1
        end_name = self.source[begin + 2 : i].lower()
        while i < self.n and at(i) in _SPACES:
            i += 1
        if at(i) != ">":
            raise self._fail(f"Unclosed end tag at byte offset {offset}")
        opened = self.stack[-1]
        if end_name and end_name != opened.tag:
            raise self._fail(
                f'Unmatched end tag at byte offset {offset}, expected "</{opened.tag}>", '
                f'found "</{end_name}>"'
            )
        if self.utf16 > opened.utf16_offset:
            self._close(opened)
        self.stack.pop()
        return i + 1

    def _close(self, opened: _Open) -> None:
        offset, length = opened.utf16_offset, self.utf16 - opened.utf16_offset
        tag = opened.tag
        simple = _SIMPLE_TYPES.get(tag)
        if simple is not None:
            self.entities.append({"offset": offset, "length": length, "type": simple})
        elif tag == "tg-emoji":
            if not opened.argument.isdigit() or int(opened.argument) == 0:
                raise self._fail("Invalid custom emoji identifier specified")
            self.entities.append(
                {
                    "offset": offset,
                    "length": length,
                    "type": "custom_emoji",
                    "custom_emoji_id": opened.argument,
                }
            )
        elif tag == "a":
            self._close_link(opened, offset, length)
        elif tag in ("pre", "code"):
            self._close_code(opened, offset, length)
        else:  # blockquote
            kind = "expandable_blockquote" if opened.argument else "blockquote"
            self.entities.append({"offset": offset, "length": length, "type": kind})

    def _close_link(self, opened: _Open, offset: int, length: int) -> None:
        url = opened.argument or "".join(self.out[opened.text_index :])
        user = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if user:
            self.entities.append(
                {
                    "offset": offset,
                    "length": length,
                    "type": "text_mention",
                    "user": {"id": int(user.group(1)), "is_bot": False, "first_name": ""},
                }
            )
            return
        checked = checked_link(url)
        if checked:
            self.entities.append(
                {"offset": offset, "length": length, "type": "text_link", "url": checked}
            )

    def _close_code(self, opened: _Open, offset: int, length: int) -> None:
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and last["offset"] == offset and last["length"] == length
        if opened.tag == "pre" and same_span and last and last["type"] == "code":
            language = last.pop("language", "")
            last["type"] = "pre"
            if language:
                last["language"] = language
            return
        if opened.tag == "code" and same_span and last and last["type"] == "pre":
            if opened.argument:
                last["language"] = opened.argument
            return
        entity: dict[str, Any] = {"offset": offset, "length": length, "type": opened.tag}
        if opened.tag == "code" and opened.argument:
            # Kept only until a surrounding <pre> claims it, as TDLib does.
            entity["language"] = opened.argument
        self.entities.append(entity)


def _argument(tag: str, name: str, value: str, current: str) -> str:
    if tag == "a" and name == "href":
        return value
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value[9:]
    if tag == "span" and name == "class" and value.startswith("tg-"):
        return value[3:]
    if tag == "tg-emoji" and name == "emoji-id":
        return value
    return current


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_ALLOWED_SCHEMES = frozenset({"http", "https", "ftp", "tg", "ton", "tonsite"})


def checked_link(url: str) -> str:
    """The URL Telegram would store for a text link, or "" when it drops the link."""
    url = url.strip()
    if not url or any(c in url for c in " \t\r\n"):
        return ""
    scheme_match = _SCHEME.match(url)
    if scheme_match is None:
        if "." not in url.split("/", 1)[0]:
            return ""
        url = "http://" + url
        scheme = "http"
    else:
        scheme = scheme_match.group(1).lower()
        if scheme not in _ALLOWED_SCHEMES:
            return ""
    if scheme in ("http", "https", "ftp"):
        rest = url.split("://", 1)[1]
        host = re.split(r"[/?#]", rest, maxsplit=1)[0]
        if not host:
            return ""
        if len(rest) == len(host):
            url += "/"
        elif rest[len(host)] != "/":
            url = url[: len(url) - len(rest) + len(host)] + "/" + rest[len(host) :]
    return url


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and Bot API MessageEntity dicts; HtmlParseError in TDLib's words."""
    if "<" not in source and "&" not in source:
        return source, []
    for entity in (parsed := _Parser(source).parse())[1]:
        if entity["type"] == "code":
            entity.pop("language", None)
    return parsed
