"""Bot texts through aiogram's i18n: gettext catalogs (`locales/<lang>/LC_MESSAGES/tbot.po`)
compiled in memory at start, so no compiled .mo file can fall out of step with its source."""

from __future__ import annotations

import gettext
import html
import io
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tbot.domain.telegram.language import Language

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "tbot"


class Catalogs(I18n):
    """aiogram's I18n reading .po sources instead of compiled .mo files."""

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for source in sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po")):
            with source.open("rb") as po:
                catalog = read_po(po)
            compiled = io.BytesIO()
            write_mo(compiled, catalog)
            compiled.seek(0)
            translations[source.parent.parent.name] = gettext.GNUTranslations(compiled)
        return translations

    def keys(self, language: str) -> set[str]:
        catalog = self.locales[language]
        return {key for key in catalog._catalog if isinstance(key, str) and key}  # type: ignore[attr-defined]


def load_catalogs(default: Language = Language.RU) -> Catalogs:
    catalogs = Catalogs(path=LOCALES, default_locale=default.value, domain=DOMAIN)
    missing = {lang.value for lang in Language} - set(catalogs.locales)
    if missing:
        raise RuntimeError(f"bot texts missing for: {', '.join(sorted(missing))}")
    return catalogs


class Raw(str):
    """A value already in HTML (built from escaped parts): `t()` inserts it as it is."""


def t(key: str, /, language: str | None = None, **values: Any) -> str:
    """The text `key` in the current user's language (or `language`), with every value
    HTML-escaped unless it is `Raw`. A key missing from the catalog is a bug: it raises."""
    catalogs = Catalogs.get_current(no_error=False)
    locale = language or catalogs.current_locale
    template = catalogs.gettext(key, locale=locale)
    if template == key:
        raise KeyError(f"bot text {key!r} is missing from the {locale} catalog")
    if not values:
        return template
    return template.format(**{name: _escaped(value) for name, value in values.items()})


def _escaped(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    return html.escape(str(value), quote=False)
