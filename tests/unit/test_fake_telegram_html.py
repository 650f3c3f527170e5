"""The fake's HTML parse mode gives TDLib's answers (cases from td/test/message_entities.cpp)."""

from __future__ import annotations

import pytest

from tbot.testing.fake_telegram.html_parser import HtmlParseError, parse_html
from tbot.testing.fake_telegram.text import auto_entities, trim


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
        (
            "🏟 🏟&lt;<i    aba>",
            'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13',
        ),
        ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
        ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
        ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
        (
            "🏟 🏟&lt;<i>a</em   >",
            'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"',
        ),
        ("<b>x", "Can't find end tag corresponding to start tag b"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "&#57311;",
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units",
        ),
    ],
)
def test_malformed_html_is_refused_with_tdlibs_reason(html: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as refused:
        parse_html(html)

    assert str(refused.value) == error


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("&lt;&gt;&amp;&quot;&laquo;&#12345678;", '<>&"&laquo;&#12345678;', []),
        ("a & b", "a & b", []),
        ("➡️ ➡️<i>➡️ ➡️</i><b>➡️ ➡️</b>", "➡️ ➡️➡️ ➡️➡️ ➡️", [("italic", 5, 5), ("bold", 10, 5)]),
        ("🏟 🏟<i>🏟 &gt;<b aba = caba>&lt🏟</b></i>", "🏟 🏟🏟 ><🏟", [("italic", 5, 7), ("bold", 9, 3)]),
        ("🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;'>a</>", "🏟 🏟<a", [("italic", 6, 1)]),
        ("<a>telegram.org</a>", "telegram.org", [("text_link", 0, 12)]),
        ('<pre><code class="language-python">x</code></pre>', "x", [("pre", 0, 1)]),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", [("custom_emoji", 0, 2)]),
        (
            "<u>u</u><s>s</s><del>d</del>",
            "usd",
            [("underline", 0, 1), ("strikethrough", 1, 1), ("strikethrough", 2, 1)],
        ),
    ],
)
def test_good_html_becomes_text_and_utf16_entities(
    html: str, text: str, entities: list[tuple[str, int, int]]
) -> None:
    parsed_text, parsed = parse_html(html)

    assert parsed_text == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


def test_links_are_normalised_and_code_keeps_its_language_only_inside_pre() -> None:
    _, link = parse_html("<a href=telegram.org> </a>")
    _, pre = parse_html('<pre><code class="language-python">x</code></pre>')
    _, code = parse_html('<code class="language-python">x</code>')

    assert link[0]["url"] == "http://telegram.org/"
    assert pre[0]["language"] == "python"
    assert "language" not in code[0]


def test_bot_commands_are_found_like_telegram_finds_them() -> None:
    assert auto_entities("/start") == [{"offset": 0, "length": 6, "type": "bot_command"}]
    assert auto_entities("🏟 /help@tbot_bot now") == [
        {"offset": 3, "length": 14, "type": "bot_command"}
    ]
    assert auto_entities("a/b and http://x/y") == []


def test_trimming_moves_entities_with_the_text() -> None:
    text, entities = trim("  <x> ", [{"offset": 2, "length": 3, "type": "bold"}])

    assert text == "<x>"
    assert entities == [{"offset": 0, "length": 3, "type": "bold"}]
