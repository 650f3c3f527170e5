"""What a search-box query means. One string, typed in a hurry in either keyboard layout,
may be an address, a network, a MAC, a phone, a host name, a department or a person's name;
the parser decides which, most specific reading first, and the adapter runs the plan."""

from __future__ import annotations

import ipaddress
import re

from tbot.application.ports.directory import EmployeeFilter, SearchKind, SearchPlan
from tbot.domain.directory import validation
from tbot.domain.directory.text import (
    fold,
    initial_variants,
    is_cyrillic,
    name_variants,
    swap_layout,
)
from tbot.domain.errors import ValidationFailed

MIN_QUERY = 2
MAX_LIMIT = 100

_DEPARTMENT_PREFIX = re.compile(r"^(?:отдел|dept)\s*:\s*", re.IGNORECASE)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# "10.1.2." and "10." (a trailing dot: "and whatever follows"), or "10.1.2" / "10.1".
_IPV4_PREFIX = re.compile(rf"^{_OCTET}(?:\.{_OCTET}){{0,3}}\.$|^{_OCTET}(?:\.{_OCTET}){{1,2}}$")
_MAC_SEPARATED = re.compile(r"^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$", re.IGNORECASE)
_MAC_DOTTED = re.compile(r"^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$", re.IGNORECASE)
_MAC_BARE = re.compile(r"^(?=.*[a-f])[0-9a-f]{12}$", re.IGNORECASE)  # all digits: a phone
_PHONE = re.compile(r"^\+?[\d\s()\-]+$")
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$")
_LATIN = re.compile(r"[a-z]")
_TITLE_WORD = re.compile(r"^[A-Z][a-z]+$")
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)+$")
_EDGE_PUNCTUATION = ".,;:!?\"'()«»"


def parse_query(
    text: str,
    where: EmployeeFilter | None = None,
    limit: int = 20,
    after: tuple[float, int] | None = None,
) -> SearchPlan:
    """The plan for a query; ValidationFailed({"q": ...}) when there is too little to search."""
    query = _checked(text)
    where = where or EmployeeFilter()
    limit = min(max(limit, 1), MAX_LIMIT)
    prefix = _DEPARTMENT_PREFIX.match(query)
    if prefix:
        rest = _checked(query[prefix.end() :])
        return SearchPlan(
            SearchKind.DEPARTMENT,
            terms=name_terms(rest),
            value=fold(rest),
            where=where,
            limit=limit,
            after=after,
        )
    for read in (_ip, _cidr, _ipv4_prefix, _mac, _phone, _hostname):
        found = read(query)
        if found is not None:
            kind, value = found
            return SearchPlan(kind, value=value, where=where, limit=limit, after=after)
    return name_plan(query, where, limit, after)


def name_plan(
    text: str,
    where: EmployeeFilter | None = None,
    limit: int = 20,
    after: tuple[float, int] | None = None,
) -> SearchPlan:
    """The query read as a person's name, whatever else it might look like."""
    return SearchPlan(
        SearchKind.NAME,
        terms=name_terms(_checked(text)),
        where=where or EmployeeFilter(),
        limit=min(max(limit, 1), MAX_LIMIT),
        after=after,
    )


def name_terms(text: str) -> tuple[tuple[str, ...], ...]:
    """The readings of each typed word. "И." (and "И.И.") are initials: one-letter readings
    (initial_variants)."""
    terms: list[tuple[str, ...]] = []
    for word in text.split():
        if _INITIALS.match(word):
            terms.extend(initial_variants(letter) for letter in word.split(".") if letter)
        elif readings := _word_readings(word):
            terms.append(readings)
    return tuple(terms)


def could_be_name(text: str) -> bool:
    """Whether a query read as a host name might have been a name ("ivanov-petrov")."""
    return not any(ch.isdigit() or ch == "." for ch in text)


def _checked(text: str) -> str:
    query = " ".join(text.split())
    if len(query) < MIN_QUERY:
        raise ValidationFailed({"q": f"type at least {MIN_QUERY} characters"}, "nothing to search")
    return query


def _word_readings(word: str) -> tuple[str, ...]:
    stripped = word.strip(_EDGE_PUNCTUATION)
    if is_cyrillic(word):
        # Punctuation around a Cyrillic word is punctuation.
        return name_variants(stripped) if stripped else ()
    # In Latin letters ",", ".", ";", "'", "[" may be Cyrillic letters typed in the wrong
    # layout ("Uktk," is "Глеб"), or punctuation: keep both readings.
    readings = name_variants(word) + (name_variants(stripped) if stripped else ())
    return tuple(dict.fromkeys(readings))


def _ip(query: str) -> tuple[SearchKind, str] | None:
    try:
        return SearchKind.IP, str(ipaddress.ip_address(query))
    except ValueError:
        return None


def _cidr(query: str) -> tuple[SearchKind, str] | None:
    if "/" not in query:
        return None
    try:
        return SearchKind.CIDR, str(ipaddress.ip_network(query, strict=False))
    except ValueError:
        return None


def _ipv4_prefix(query: str) -> tuple[SearchKind, str] | None:
    """The start of an IPv4 address as the network it names: "10.1." is 10.1.0.0/16."""
    if not _IPV4_PREFIX.match(query):
        return None
    octets = query.rstrip(".").split(".")
    if len(octets) == 4:  # "10.1.2.3." is the address itself
        return SearchKind.IP, str(ipaddress.ip_address(".".join(octets)))
    address = ".".join(octets + ["0"] * (4 - len(octets)))
    return SearchKind.CIDR, str(ipaddress.ip_network(f"{address}/{8 * len(octets)}"))


def _mac(query: str) -> tuple[SearchKind, str] | None:
    if _MAC_SEPARATED.match(query) or _MAC_DOTTED.match(query) or _MAC_BARE.match(query):
        return SearchKind.MAC, validation.mac_address(query)
    return None


def _phone(query: str) -> tuple[SearchKind, str] | None:
    """Digits with the usual + ( ) - and spaces. At least 4 digits, or 2-6 bare digits (an
    internal extension). A national "8 916 ..." is the E.164 "7916...": stored phones are."""
    if not _PHONE.match(query):
        return None
    digits = re.sub(r"\D", "", query)
    if len(digits) < 4 and not (query.isdigit() and len(digits) >= MIN_QUERY):
        return None
    if len(digits) == 11 and digits.startswith("8") and not query.startswith("+"):
        digits = "7" + digits[1:]
    return SearchKind.PHONE, digits


def _hostname(query: str) -> tuple[SearchKind, str] | None:
    """A name with Latin letters and a digit or a hyphen ("ws-ivanov", "PC0123",
    "srv-db1.corp.local"), lowercased. A capitalised double-barrelled word ("Rimsky-Korsakov")
    is a surname; a Cyrillic word with digits is a host name typed in the Russian layout."""
    lower = query.lower()
    if _HOST.match(lower) and _LATIN.search(lower) and re.search(r"[\d-]", lower):
        if could_be_name(query) and all(_TITLE_WORD.match(p) for p in query.split("-")):
            return None
        return SearchKind.HOSTNAME, lower
    if is_cyrillic(query) and any(ch.isdigit() for ch in query):
        swapped = swap_layout(query).lower()
        if _HOST.match(swapped) and _LATIN.search(swapped):
            return SearchKind.HOSTNAME, swapped
    return None
