"""Text forms a name can be typed in: ё/е, Cyrillic⇄Latin transliteration, and the wrong
keyboard layout (ЙЦУКЕН⇄QWERTY). Search compares every form a query can mean."""

from __future__ import annotations

_RU_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
# Latin spellings people actually use for Russian names, longest first when reading.
_LAT_TO_RU = sorted(
    {
        "shch": "щ", "sch": "щ", "zh": "ж", "kh": "х", "ts": "ц", "tz": "ц", "ch": "ч", "sh": "ш",
        "yu": "ю", "ju": "ю", "ya": "я", "ja": "я", "yo": "е", "jo": "е", "ye": "е", "iy": "ий",
        "yi": "ый", "a": "а", "b": "б", "v": "в", "w": "в", "g": "г", "d": "д", "e": "е",
        "z": "з", "i": "и", "j": "й", "y": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о",
        "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф", "h": "х", "c": "к", "x": "кс",
        "q": "к",
    }.items(),
    key=lambda pair: -len(pair[0]),
)  # fmt: skip
_QWERTY = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_JCUKEN = "йцукенгшщзхъфывапролджэячсмитьбюё"
_TO_JCUKEN = str.maketrans(_QWERTY + _QWERTY.upper(), _JCUKEN + _JCUKEN.upper())
_TO_QWERTY = str.maketrans(_JCUKEN + _JCUKEN.upper(), _QWERTY + _QWERTY.upper())


def fold(text: str) -> str:
    """Lowercase, ё as е, single spaces: the form names are indexed and compared in."""
    return " ".join(text.lower().replace("ё", "е").split())


def to_latin(text: str) -> str:
    return "".join(_RU_TO_LAT.get(ch, ch) for ch in fold(text))


def to_cyrillic(text: str) -> str:
    source, out, i = fold(text), [], 0
    while i < len(source):
        for latin, cyrillic in _LAT_TO_RU:
            if source.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            out.append(source[i])
            i += 1
    return "".join(out)


def swap_layout(text: str) -> str:
    """What the user meant when they typed with the other keyboard layout on."""
    has_cyrillic = any("а" <= ch <= "я" or ch == "ё" for ch in text.lower())
    return text.translate(_TO_QWERTY if has_cyrillic else _TO_JCUKEN)


def is_cyrillic(text: str) -> bool:
    letters = [ch for ch in text.lower() if ch.isalpha()]
    return bool(letters) and all("а" <= ch <= "я" or ch == "ё" for ch in letters)


def name_variants(query: str) -> tuple[str, ...]:
    """Every reading of a typed name, folded and without duplicates, the literal one first:
    as typed, transliterated the other way, and re-read in the other keyboard layout (and
    that transliterated too)."""
    typed = fold(query)
    swapped = fold(swap_layout(query))
    forms = [typed, _transliterate(typed), swapped, _transliterate(swapped)]
    return tuple(dict.fromkeys(f for f in forms if f))


def initial_variants(letter: str) -> tuple[str, ...]:
    """The readings of an initial ("И." is и), one letter each: as typed and the first letter
    of its transliteration (И/I), and for a Latin letter the Russian one on its key too
    ("B." typed with the Latin layout on is "И."). An initial matches every first name or
    patronymic it begins, thousands at 100k employees, so it gets no more readings than
    that: a Cyrillic letter typed for a Latin one would be a rare slip, and a layout reading
    transliterated again a rarer one."""
    typed = fold(letter)[:1]
    if not typed:
        return ()
    forms = [typed, _transliterate(typed)[:1]]
    if not is_cyrillic(typed):
        forms.append(fold(swap_layout(typed))[:1])
    return tuple(dict.fromkeys(f for f in forms if f.isalpha()))


def _transliterate(text: str) -> str:
    return to_latin(text) if is_cyrillic(text) else to_cyrillic(text)
