from __future__ import annotations

from collections.abc import Iterator

import pytest

from tbot.application.directory.cards import EmployeeCard
from tbot.domain.directory.model import Employee, EmployeeStatus, Workstation
from tbot.entrypoints.bot.i18n import load_catalogs
from tbot.entrypoints.bot.render import MESSAGE_LIMIT, card, split, units, vcard, workstations


@pytest.fixture(autouse=True)
def _russian() -> Iterator[None]:
    catalogs = load_catalogs()
    with catalogs.context(), catalogs.use_locale("ru"):
        yield


def _employee(**changes: object) -> Employee:
    values: dict[str, object] = {
        "id": 7,
        "last_name": "Иванов",
        "first_name": "Иван",
        "middle_name": "Иванович",
        "position": "Инженер",
        "work_phone": "+74951234567",
        "extension": "1234",
        "email": "ivanov@corp.ru",
        "room": "101",
    }
    values.update(changes)
    return Employee(**values)  # type: ignore[arg-type]


def test_card_shows_the_contacts_with_a_tappable_phone() -> None:
    text = card(EmployeeCard(_employee(), "Бухгалтерия"))
    assert "<b>Иванов Иван Иванович</b>" in text
    assert "Инженер, Бухгалтерия" in text
    assert "+7 495 123-45-67" in text
    assert "Внутренний: 1234" in text
    assert "ivanov@corp.ru" in text


def test_html_in_directory_data_is_shown_escaped() -> None:
    text = card(
        EmployeeCard(_employee(last_name="<b>Bold</b>", position="R&D <script>x</script>"), "A & B")
    )
    assert "&lt;b&gt;Bold&lt;/b&gt;" in text
    assert "R&amp;D &lt;script&gt;x&lt;/script&gt;" in text
    assert "A &amp; B" in text
    assert "<script>" not in text


def test_status_and_workstations() -> None:
    ws = Workstation(id=1, hostname="pc-<1>", addresses=("10.1.2.3",), mac="aa:bb:cc:dd:ee:ff")
    text = card(EmployeeCard(_employee(status=EmployeeStatus.ON_LEAVE), "", (ws,)))
    assert "в отпуске" in text
    assert "pc-&lt;1&gt;" in text
    assert "10.1.2.3" in text
    detail = workstations(_employee(), [ws])
    assert "aa:bb:cc:dd:ee:ff" in detail
    assert "не закреплено" in workstations(_employee(), [])


def test_long_answers_are_split_between_blocks_under_the_limit() -> None:
    blocks = [card(EmployeeCard(_employee(id=i, room="x" * 150), "Отдел")) for i in range(40)]
    total = sum(units(b) for b in blocks)
    assert total > 5000
    messages = split(blocks)
    assert len(messages) >= 2
    assert all(units(m) <= MESSAGE_LIMIT for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(blocks)  # nothing lost, nothing cut


def test_a_single_huge_block_is_cut_without_breaking_an_entity() -> None:
    line = "&amp;" * 3000
    messages = split([line])
    assert all(units(m) <= MESSAGE_LIMIT for m in messages)
    assert "".join(messages) == line
    assert all(m.count("&") == m.count(";") for m in messages)


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    assert units("😀") == 2
    messages = split(["😀" * 3000])
    assert all(units(m) <= MESSAGE_LIMIT for m in messages)


def test_vcard_escapes_its_separators() -> None:
    text = vcard(EmployeeCard(_employee(last_name="Doe; Jr", position="A,B"), "IT"))
    assert "N:Doe\\; Jr;Иван;Иванович;;" in text
    assert "TITLE:A\\,B" in text
    assert "TEL;TYPE=WORK,VOICE:+74951234567" in text
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0")
    assert text.endswith("END:VCARD")
