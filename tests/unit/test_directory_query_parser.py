from __future__ import annotations

import pytest

from tbot.application.directory.query_parser import parse_query
from tbot.application.ports.directory import EmployeeFilter, SearchKind
from tbot.domain.errors import ValidationFailed


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("10.1.2.3", "10.1.2.3"),
        (" 192.168.0.10 ", "192.168.0.10"),
        ("10.1.2.3.", "10.1.2.3"),
        ("fe80::1", "fe80::1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_an_address_is_searched_as_an_ip(query: str, value: str) -> None:
    plan = parse_query(query)
    assert (plan.kind, plan.value) == (SearchKind.IP, value)


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("10.1.2.", "10.1.2.0/24"),
        ("10.1.", "10.1.0.0/16"),
        ("10.", "10.0.0.0/8"),
        ("10.1.2", "10.1.2.0/24"),
        ("10.1.0.0/16", "10.1.0.0/16"),
        ("10.1.2.3/16", "10.1.0.0/16"),  # normalised, strict=False
        ("2001:db8::/32", "2001:db8::/32"),
    ],
)
def test_an_address_start_or_a_network_is_searched_as_a_cidr(query: str, value: str) -> None:
    plan = parse_query(query)
    assert (plan.kind, plan.value) == (SearchKind.CIDR, value)


@pytest.mark.parametrize(
    "query",
    [
        "aa:bb:cc:dd:ee:ff",
        "AA-BB-CC-DD-EE-FF",
        "aabb.ccdd.eeff",
        "AABBCCDDEEFF",
        "aA:Bb:cC:dD:eE:fF",
    ],
)
def test_a_mac_in_any_separator_style_is_normalised(query: str) -> None:
    plan = parse_query(query)
    assert (plan.kind, plan.value) == (SearchKind.MAC, "aa:bb:cc:dd:ee:ff")


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("8 (916) 123-45-67", "79161234567"),
        ("89161234567", "79161234567"),
        ("+7 916 123 45 67", "79161234567"),
        ("+7(495)123-45-67", "74951234567"),
        ("+44 20 7946 0958", "442079460958"),
        ("+8 123 456 78 90", "81234567890"),  # with "+" it is a country code, kept
        ("123-45-67", "1234567"),
        ("1234", "1234"),
        ("42", "42"),  # an internal extension
        ("123456789012", "123456789012"),  # twelve digits: a phone, not a MAC
    ],
)
def test_digits_are_searched_as_a_phone(query: str, value: str) -> None:
    plan = parse_query(query)
    assert (plan.kind, plan.value) == (SearchKind.PHONE, value)


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("ws-ivanov", "ws-ivanov"),
        ("WS-IVANOV", "ws-ivanov"),
        ("PC0123", "pc0123"),
        ("srv-db1.corp.local", "srv-db1.corp.local"),
        ("rimsky-korsakov", "rimsky-korsakov"),  # lowercase: a host; search retries it as a name
        ("зс0123", "pc0123"),  # typed with the Russian layout on
    ],
)
def test_a_host_name_is_searched_lowercased(query: str, value: str) -> None:
    plan = parse_query(query)
    assert (plan.kind, plan.value) == (SearchKind.HOSTNAME, value)


@pytest.mark.parametrize(
    "query",
    [
        "Иванов",
        "Rimsky-Korsakov",
        "Салтыков-Щедрин",
        "Ivanov",
        "Bdfyjd",
        "ab",
        "Иванов И.",
        "И.И.",
        "Fk`yf",
        "Jcbgjd",
    ],
)
def test_names_are_not_swallowed_by_other_readings(query: str) -> None:
    assert parse_query(query).kind is SearchKind.NAME


def test_a_name_gives_every_reading_of_every_word() -> None:
    plan = parse_query("Иванов Иван")
    assert plan.terms == (
        ("иванов", "ivanov", "bdfyjd", "бдфййд"),
        ("иван", "ivan", "bdfy", "бдфй"),
    )


def test_an_initial_is_a_one_letter_reading() -> None:
    plan = parse_query("Иванов И. П.")
    assert plan.terms[1] == ("и", "i")  # as typed, and transliterated for Ivanov I.
    assert plan.terms[2][0] == "п"
    assert parse_query("Иванов И.П.").terms[1:] == plan.terms[1:]
    assert parse_query("Щукин Ж.").terms[1] == ("ж", "z")  # one letter, never "zh"


def test_a_latin_initial_may_be_a_russian_one_typed_in_the_wrong_layout() -> None:
    assert parse_query("Bdfyjd B.").terms[1] == ("b", "б", "и")  # Иванов И.
    assert parse_query("Ivanov I.").terms[1] == ("i", "и", "ш")


def test_a_latin_name_is_read_in_cyrillic_too() -> None:
    (readings,) = parse_query("Ivanov").terms
    assert readings[:2] == ("ivanov", "иванов")


def test_the_wrong_keyboard_layout_is_read_as_meant() -> None:
    assert "иванов" in parse_query("Bdfyjd").terms[0]
    assert "глеб" in parse_query("Ukt,").terms[0]  # "," is "б" on the Russian layout
    assert "ivanov" in parse_query("шмфтщм").terms[0]


def test_yo_is_read_as_ye_in_every_form() -> None:
    assert parse_query("Алёна").terms[0][0] == "алена"
    assert "алена" in parse_query("Fk`yf").terms[0]  # "`" is "ё"
    # The literal and transliterated readings agree; the layout reading keeps the key pressed.
    assert parse_query("Фёдоров").terms[0][:2] == parse_query("Федоров").terms[0][:2]


def test_punctuation_after_a_cyrillic_word_is_dropped() -> None:
    assert parse_query("Иванов, Иван").terms[0][0] == "иванов"
    assert "ivanov" in parse_query("Ivanov,").terms[0]


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("отдел: Бухгалтерия", "бухгалтерия"),
        ("Отдел:ИТ", "ит"),
        ("dept: IT Support", "it support"),
        ("DEPT:Склад Ёлок", "склад елок"),
    ],
)
def test_a_prefixed_query_is_searched_as_a_department(query: str, value: str) -> None:
    plan = parse_query(query)
    assert (plan.kind, plan.value) == (SearchKind.DEPARTMENT, value)
    assert plan.terms[0][0] == value.split()[0]


@pytest.mark.parametrize("query", ["", "   ", "И", " 7 ", "отдел: ", "dept:x"])
def test_too_short_a_query_is_refused_naming_q(query: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_query(query)
    assert set(caught.value.errors) == {"q"}


def test_filters_limit_and_cursor_pass_through() -> None:
    where = EmployeeFilter(department_id=5, include_dismissed=True)
    plan = parse_query("Иванов", where, limit=1000, after=(0.5, 17))
    assert (plan.where, plan.limit, plan.after) == (where, 100, (0.5, 17))
    assert parse_query("Иванов", limit=0).limit == 1
