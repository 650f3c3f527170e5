"""Employees and the bot, through the fake Bot API: verification by email, then finding
colleagues the forgiving way; nothing of the directory for anyone unverified."""

from __future__ import annotations

import json

from tbot.entrypoints.bot.keyboards import LanguageChoice
from tbot.testing.fake_telegram import FakeUser
from tests.e2e.bot.conftest import DOMAIN, BotWorld, add_department, add_employee


async def _seed(world: BotWorld) -> None:
    container = world.container
    await add_department(container, "Бухгалтерия")
    await add_employee(container, last_name="Иванов", first_name="Иван", email=f"ivanov@{DOMAIN}")
    await add_employee(
        container,
        last_name="Петров",
        first_name="Пётр",
        middle_name="Сергеевич",
        position="Главный бухгалтер",
        department="Бухгалтерия",
        work_phone="+7 (495) 111-22-33",
        mobile_phone="8 916 123-45-67",
        room="204",
    )
    await add_employee(container, last_name="Smith", first_name="John", position="CFO")


async def test_a_new_employee_verifies_then_finds_colleagues(world: BotWorld) -> None:
    await _seed(world)
    tg = world.telegram
    alice = tg.user(first_name="Alice")

    tg.send_message(alice, "/start")
    [menu] = await world.replies(alice, 1)
    assert "Выберите язык" in menu.text
    tg.press_button(alice, menu.result, LanguageChoice(code="ru").pack())
    chosen, ask = await world.replies(alice, 2)
    assert chosen.text == "Язык: русский."
    assert "рабочий адрес" in ask.text

    # Not verified yet: a colleague's name gets only the request for an email.
    tg.send_message(alice, "Петров")
    [refusal] = await world.replies(alice, 1)
    assert "Петров" not in refusal.text
    assert "рабочий адрес" in refusal.text

    tg.send_message(alice, f"ivanov@{DOMAIN}")
    [sent] = await world.replies(alice, 1)
    assert f"ivanov@{DOMAIN}" in sent.text
    code = world.inbox.code_for(f"ivanov@{DOMAIN}")
    wrong = "000000" if code != "000000" else "111111"
    tg.send_message(alice, wrong)
    [wrong_reply] = await world.replies(alice, 1)
    assert wrong_reply.text == "Код неверный. Осталось попыток: 4."
    tg.send_message(alice, code)
    [welcome] = await world.replies(alice, 1)
    assert "Готово, Иванов Иван" in welcome.text

    for query in ("Петрв", "Gtnhjd", "4567", "+7 (495) 111-22-33"):
        tg.send_message(alice, query)
        [card] = await world.replies(alice, 1)
        assert "Петров Пётр Сергеевич" in card.text, query
        assert "Главный бухгалтер, Бухгалтерия" in card.text
        assert "+7 916 123-45-67" in card.text


async def test_an_unverified_user_gets_nothing_of_the_directory(world: BotWorld) -> None:
    await _seed(world)
    tg = world.telegram
    mallory = tg.user(first_name="Mallory")
    for text in ("Петров", "/me", "/whois 10.0.0.1", "4567"):
        tg.send_message(mallory, text)
        [reply] = await world.replies(mallory, 1)
        assert "Петров" not in reply.text
        assert "916" not in reply.text
    update = tg.inline_query(mallory, "Петров")
    await _until(lambda: tg.inline_answer(update) is not None)
    answer = tg.inline_answer(update)
    assert answer is not None
    assert json.loads(answer["results"]) == []
    assert json.loads(answer["button"])["text"].startswith("Сначала подтвердите")


async def test_inline_query_offers_cards_to_verified_users(world: BotWorld) -> None:
    await _seed(world)
    tg = world.telegram
    bob = await _verified(world, "ivanov")
    update = tg.inline_query(bob, "Smith")
    await _until(lambda: tg.inline_answer(update) is not None)
    answer = tg.inline_answer(update)
    assert answer is not None
    [article] = json.loads(answer["results"])
    assert article["title"] == "Smith John"
    assert "CFO" in article["input_message_content"]["message_text"]


async def _verified(world: BotWorld, local_part: str) -> FakeUser:
    user = world.telegram.user(first_name=local_part)
    await world.verify(user, f"{local_part}@{DOMAIN}")
    return user


async def _until(condition: object, timeout: float = 5.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)
