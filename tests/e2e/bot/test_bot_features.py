"""Cards, buttons, pages, workstations and languages, through the fake Bot API."""

from __future__ import annotations

import json

from tbot.entrypoints.bot.render import MESSAGE_LIMIT, units
from tbot.testing.fake_telegram import FakeUser
from tests.e2e.bot.conftest import (
    DOMAIN,
    OPERATOR,
    BotWorld,
    add_employee,
    add_workstation,
)


async def _verified(world: BotWorld, local_part: str, role: str = "employee") -> FakeUser:
    await add_employee(
        world.container,
        last_name=local_part.title(),
        first_name="Тест",
        email=f"{local_part}@{DOMAIN}",
    )
    user = world.telegram.user(first_name=local_part)
    await world.verify(user, f"{local_part}@{DOMAIN}")
    if role != "employee":
        async with world.container.uow() as uow:
            account = await uow.users.by_telegram_id(user.id)
        assert account is not None
        assert account.id is not None
        await world.container.set_user_roles()(account.id, (role,), OPERATOR)
    return user


def _buttons(record: object) -> list[dict[str, str]]:
    markup = record.result.get("reply_markup") or {}  # type: ignore[attr-defined]
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def _seed_network(world: BotWorld) -> None:
    await add_workstation(world.container, "buh-pc-07", "10.1.2.7")
    await add_employee(
        world.container,
        last_name="Сидорова",
        first_name="Анна",
        position="Бухгалтер",
        mobile_phone="+7 916 000-11-22",
        workstations=("buh-pc-07",),
    )


async def test_a_list_then_a_card_then_a_contact(world: BotWorld) -> None:
    for first in ("Анна", "Борис", "Вера"):
        await add_employee(world.container, last_name="Кузнецов", first_name=first,
                           mobile_phone=f"+7 916 555-00-0{len(first)}")  # fmt: skip
    tg = world.telegram
    user = await _verified(world, "reader")
    tg.send_message(user, "Кузнецов")
    [listing] = await world.replies(user, 1)
    assert "Кузнецов" in listing.text
    buttons = _buttons(listing)
    assert [b["text"] for b in buttons] == ["Кузнецов Анна", "Кузнецов Борис", "Кузнецов Вера"]

    tg.press_button(user, listing.result, buttons[1]["callback_data"])
    [card] = await world.replies(user, 1)
    assert card.text.startswith("Кузнецов Борис")
    actions = _buttons(card)
    assert [b["text"] for b in actions] == ["📇 Отправить контакт"]  # no computer for employees

    tg.press_button(user, card.result, actions[0]["callback_data"])
    [contact] = await world.replies(user, 1)
    assert contact.method == "sendContact"
    assert contact.params["phone_number"] == "+79165550005"
    assert "FN:Кузнецов Борис" in contact.params["vcard"]


async def test_pages_of_a_long_list(world: BotWorld) -> None:
    for number in range(11):
        await add_employee(
            world.container, last_name="Смирнов", first_name=f"Имя{chr(0x410 + number)}"
        )
    tg = world.telegram
    user = await _verified(world, "pager")
    tg.send_message(user, "Смирнов")
    [first] = await world.replies(user, 1)
    buttons = _buttons(first)
    assert buttons[-1]["text"] == "Ещё ›"
    names = {b["text"] for b in buttons[:-1]}
    assert len(names) == 8
    tg.press_button(user, first.result, buttons[-1]["callback_data"])
    [second] = await world.replies(user, 1)
    assert second.method == "editMessageText"
    rest = {b["text"] for b in _buttons(second)}
    assert len(rest) == 3
    assert not names & rest


async def test_ip_addresses_only_for_roles_that_may_see_them(world: BotWorld) -> None:
    await _seed_network(world)
    tg = world.telegram
    employee = await _verified(world, "plain")
    tg.send_message(employee, "Сидорова")
    [card] = await world.replies(employee, 1)
    assert "10.1.2.7" not in card.text
    assert "buh-pc-07" not in card.text
    tg.send_message(employee, "/whois 10.1.2.7")
    [refused] = await world.replies(employee, 1)
    assert refused.text == "У вас нет прав на это."

    admin = await _verified(world, "itguy", role="it_staff")
    tg.send_message(admin, "Сидорова")
    [full] = await world.replies(admin, 1)
    assert "buh-pc-07 (10.1.2.7)" in full.text
    computer = next(b for b in _buttons(full) if b["text"] == "🖥 Компьютер")
    tg.press_button(admin, full.result, computer["callback_data"])
    [details] = await world.replies(admin, 1)
    assert "buh-pc-07" in details.text
    assert "IP: 10.1.2.7" in details.text
    tg.send_message(admin, "/whois 10.1.2.7")
    [whois] = await world.replies(admin, 1)
    assert "Сидорова Анна" in whois.text


async def test_html_in_employee_data_is_shown_escaped(world: BotWorld) -> None:
    await add_employee(world.container, last_name="<b>Жирнов</b>", first_name="&amp;",
                       position="R&D <script>alert(1)</script>")  # fmt: skip
    tg = world.telegram
    user = await _verified(world, "viewer")
    tg.send_message(user, "Жирнов")
    [card] = await world.replies(user, 1)
    # The fake parses HTML as Telegram does (a raw <script> would be a 400): the user sees
    # the characters, not markup.
    assert "<b>Жирнов</b> &amp;" in card.text
    assert "R&D <script>alert(1)</script>" in card.text
    assert [e["type"] for e in card.result.get("entities", [])] == ["bold"]


async def test_a_long_answer_is_split_into_messages_telegram_accepts(world: BotWorld) -> None:
    for number in range(40):
        await add_workstation(world.container, f"lab-{number:02}", f"10.9.0.{number + 1}")
        await add_employee(world.container, last_name=f"Лаборант{chr(0x410 + number % 32)}",
                           first_name="Иван", position="Инженер-исследователь " * 3,
                           room="Корпус Б, лаборатория высоких напряжений, этаж 3",
                           workstations=(f"lab-{number:02}",))  # fmt: skip
    tg = world.telegram
    admin = await _verified(world, "netops", role="it_staff")
    tg.send_message(admin, "/whois 10.9.0.0/16")
    first = (await world.replies(admin, 1))[0]
    more = await world.replies(admin, 1)
    messages = [first, *more]
    assert all(m.method == "sendMessage" for m in messages)
    assert sum(units(m.text) for m in messages) > 5000
    assert all(units(m.params["text"]) <= MESSAGE_LIMIT for m in messages)


async def test_lang_switches_every_text(world: BotWorld) -> None:
    tg = world.telegram
    user = await _verified(world, "polyglot")
    tg.send_message(user, "/lang")
    [menu] = await world.replies(user, 1)
    english = next(b for b in _buttons(menu) if b["text"] == "English")
    tg.press_button(user, menu.result, english["callback_data"])
    chosen, helped = await world.replies(user, 2)
    assert chosen.text == "Language: English."
    assert helped.text.startswith("Type a surname")
    tg.send_message(user, "Нетакогочеловека")
    [nothing] = await world.replies(user, 1)
    assert nothing.text.startswith("Nobody found")
    tg.send_message(user, "/me")
    [me] = await world.replies(user, 1)
    assert me.text.startswith("Polyglot Тест")
    assert "Email: polyglot@corp.example" in me.text
    tg.send_message(user, "/help")
    [help_text] = await world.replies(user, 1)
    assert "/me — my card" in help_text.text
    commands = {c["command"]: c["description"] for c in tg.commands(language_code="en")}
    assert commands["me"] == "My card"
    assert (
        json.dumps(tg.commands(language_code="ru"), ensure_ascii=False).count("Моя карточка") == 1
    )


async def test_a_search_is_audited_with_whom_it_showed(world: BotWorld) -> None:
    ids = [
        await add_employee(world.container, last_name="Орлова", first_name=first)
        for first in ("Анна", "Вера")
    ]
    user = await _verified(world, "auditee")
    update = world.telegram.send_message(user, "Орлова")
    await world.replies(user, 1)
    async with world.container.uow() as uow:
        events = [e for e in await uow.audit.recent() if e.action == "directory.searched"]
    [event] = events
    assert event.actor.name == f"auditee@{DOMAIN}"
    assert event.actor.request_id == f"tg-{update['update_id']}"
    assert event.after is not None
    assert sorted(event.after["shown"]) == sorted(ids)
    assert event.after["kind"] == "name"


async def test_a_role_change_and_a_block_count_from_the_next_message(world: BotWorld) -> None:
    """Identity is read with each update's record, never cached: a change made anywhere
    (another node, the web admin) holds for the very next message."""
    await _seed_network(world)
    tg = world.telegram
    user = await _verified(world, "changing")
    tg.send_message(user, "/whois 10.1.2.7")
    [refused] = await world.replies(user, 1)
    assert refused.text == "У вас нет прав на это."

    async with world.container.uow() as uow:
        account = await uow.users.by_telegram_id(user.id)
    assert account is not None
    assert account.id is not None
    await world.container.set_user_roles()(account.id, ("it_staff",), OPERATOR)
    tg.send_message(user, "/whois 10.1.2.7")
    [whois] = await world.replies(user, 1)
    assert "Сидорова Анна" in whois.text

    await world.container.set_telegram_blocked()(user.id, True, OPERATOR)
    tg.send_message(user, "Сидорова")
    [blocked] = await world.replies(user, 1)
    assert blocked.text == "Доступ к боту закрыт администратором."
