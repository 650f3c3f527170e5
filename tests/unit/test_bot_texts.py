"""The bot's catalogs: every key in both languages, every key the code uses exists, and the
two languages really differ where they should."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tbot.domain.telegram.language import Language
from tbot.entrypoints.bot import i18n
from tbot.entrypoints.bot.i18n import Raw, load_catalogs, t

BOT_SOURCES = Path(i18n.__file__).parent
# t("key" ...) and t(f"prefix.{...}") in the bot's code
_LITERAL_KEY = re.compile(r"""\bt\(\s*"([a-z_.]+)\"""")
_PREFIX_KEY = re.compile(r"""\bt\(\s*f"([a-z_.]+)\{""")


def _used_keys() -> tuple[set[str], set[str]]:
    literal: set[str] = set()
    prefixes: set[str] = set()
    for source in BOT_SOURCES.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        literal |= set(_LITERAL_KEY.findall(text))
        prefixes |= set(_PREFIX_KEY.findall(text))
    return literal, prefixes


def test_both_catalogs_have_the_same_keys_and_no_empty_text() -> None:
    catalogs = load_catalogs()
    ru, en = catalogs.keys("ru"), catalogs.keys("en")
    assert ru == en, f"only in ru: {sorted(ru - en)}; only in en: {sorted(en - ru)}"
    for language in Language:
        with catalogs.context():
            empty = [k for k in ru if not t(k, language.value).strip()]
        assert not empty, f"{language}: empty texts {empty}"


def test_every_key_the_code_uses_is_in_the_catalogs() -> None:
    keys = load_catalogs().keys("ru")
    literal, prefixes = _used_keys()
    assert literal, "the scan found no t() calls: the pattern is stale"
    assert not literal - keys, f"used but missing: {sorted(literal - keys)}"
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in keys), f"no key starts with {prefix!r}"


def test_languages_differ_and_values_are_escaped() -> None:
    catalogs = load_catalogs()
    with catalogs.context():
        ru = t("verify.code_sent", "ru", email="<b>x&y</b>@corp.ru")
        en = t("verify.code_sent", "en", email="<b>x&y</b>@corp.ru")
        raw = t("errors.invalid", "en", reason=Raw("<i>as is</i>"))
    assert ru != en
    assert "&lt;b&gt;x&amp;y&lt;/b&gt;@corp.ru" in ru
    assert "<b>" not in ru
    assert "<i>as is</i>" in raw


def test_a_missing_key_is_an_error_not_a_raw_key_shown_to_users() -> None:
    with load_catalogs().context(), pytest.raises(KeyError, match=r"no\.such\.key"):
        t("no.such.key")
