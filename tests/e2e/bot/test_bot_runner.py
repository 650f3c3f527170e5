"""The runner against Telegram's failure modes: an update handled before a crash is not
answered again by the next poller; a 429 is waited out; a 409 stops the older poller."""

from __future__ import annotations

import asyncio

from tbot.domain.identity.users import User
from tbot.entrypoints.bot.app import open_runner
from tests.e2e.bot.conftest import BotWorld, add_employee

CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


async def _until(condition: object, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def test_an_update_seen_again_after_a_crash_is_answered_once(world: BotWorld) -> None:
    tg = world.telegram
    user = tg.user(first_name="Repeat")
    # Telegram becomes unreachable right after delivering the update: the long poll in
    # flight returns it, every later getUpdates fails, so the runner cannot confirm it, and
    # the node goes down with it unconfirmed.
    await _until(lambda: tg.active_pollers == 1)
    tg.fail_next("getUpdates", times=10_000, error_code=502, description="Bad Gateway")
    update = tg.send_message(user, "/help")
    await world.replies(user, 1)
    await world.runner.stop_polling()
    assert tg.pending_updates == 1  # still unconfirmed in Telegram

    tg.state.faults.clear()
    successor = await open_runner(world.container, tg.token)
    await successor.start_polling()
    try:
        await _until(lambda: successor.stats.repeats == 1)
        await _until(lambda: tg.pending_updates == 0)  # the successor confirmed it
    finally:
        await successor.stop_polling()
        await successor.close()
    assert len(tg.replies(update["update_id"])) == 1
    assert len([r for r in tg.sent(user.id) if r.method == "sendMessage"]) == 1


async def test_a_forced_429_is_waited_out_and_the_reply_sent_once(world: BotWorld) -> None:
    tg = world.telegram
    user = tg.user(first_name="Patient")
    tg.fail_next("sendMessage", error_code=429, retry_after=1)
    started = asyncio.get_running_loop().time()
    tg.send_message(user, "/help")
    [reply] = await world.replies(user, 1)
    assert asyncio.get_running_loop().time() - started >= 1.0
    assert reply.text.startswith("Я — бот ИТ-отдела")
    await asyncio.sleep(0.3)
    assert len([r for r in tg.sent(user.id) if r.method == "sendMessage"]) == 1


async def test_a_409_stops_the_older_poller_cleanly(world: BotWorld) -> None:
    tg = world.telegram
    tg.fail_next("getUpdates", error_code=409, description=CONFLICT)
    tg.send_message(tg.user(first_name="Wake"), "/help")  # ends the long poll in progress
    await _until(lambda: not world.runner.polling)
    assert world.runner.stopped_by_conflict
    calls = tg.calls.get("getupdates", 0)
    await asyncio.sleep(0.5)
    assert tg.calls.get("getupdates", 0) == calls  # it does not fight back

    newer = await open_runner(world.container, tg.token)
    await newer.start_polling()
    try:
        user = tg.user(first_name="After")
        tg.send_message(user, "/help")
        [reply] = await world.replies(user, 1)
        assert reply.text.startswith("Я — бот ИТ-отдела")
    finally:
        await newer.stop_polling()
        await newer.close()
    assert tg.max_concurrent_pollers == 1


async def test_a_burst_of_searches_larger_than_the_database_pool_is_answered(
    world: BotWorld,
) -> None:
    # Each update keeps one pooled connection for its journal until its reply is sent, and
    # a search reads on a second one: a burst of more updates than the pool holds must not
    # leave them all holding one and waiting for another.
    await add_employee(world.container, last_name="Пулов", first_name="Пётр")
    tg = world.telegram
    users = [tg.user(first_name=f"Burst{n}") for n in range(30)]
    async with world.container.uow() as uow:
        for user in users:
            await uow.users.add(
                User(id=None, display_name=user.first_name, roles=("employee",),
                     telegram_id=user.id)
            )  # fmt: skip
        await uow.commit()
    for user in users:  # all of them in one getUpdates batch
        tg.send_message(user, "Пулов")
    answers = await asyncio.gather(*(world.replies(user, 1, timeout=10.0) for user in users))
    assert all("Пулов" in (reply.text or "") for [reply] in answers)
