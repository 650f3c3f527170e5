"""A runner whose lease ran out while it was paused (SIGSTOP, a stalled VM) must neither answer
what its open long poll brings back nor confirm anything to Telegram: the next leader gets
those updates and answers them once."""

from __future__ import annotations

import asyncio

from tests.e2e.bot.conftest import BotWorld


async def _until(condition: object, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def test_a_poll_answered_after_the_lease_ran_out_is_neither_handled_nor_confirmed(
    world: BotWorld,
) -> None:
    tg, runner = world.telegram, world.runner
    await runner.stop_polling()
    lease = {"valid": True}
    await runner.start_polling(still_leading=lambda: lease["valid"])
    await _until(lambda: tg.active_pollers == 1)  # the long poll is open

    lease["valid"] = False  # the process slept through its lease with the poll open
    user = tg.user(first_name="Late")
    tg.send_message(user, "/help")  # the open poll returns it
    await _until(lambda: not runner.polling)
    await asyncio.sleep(0.3)

    assert tg.sent(user.id) == []  # not answered here: the next leader answers it
    assert tg.pending_updates == 1  # nor confirmed
    assert tg.active_pollers == 0


async def test_a_lease_that_runs_out_during_the_fenced_proof_confirms_nothing(
    world: BotWorld,
) -> None:
    tg, runner = world.telegram, world.runner
    await runner.stop_polling()
    lease = {"valid": True}

    async def prove() -> None:
        # PostgreSQL still accepts the token (no newer leader wrote yet), but the process
        # was paused mid-proof until its lease ran out.
        lease["valid"] = False

    await runner.start_polling(still_leading=lambda: lease["valid"], prove=prove)
    first = tg.user(first_name="First")
    tg.send_message(first, "/help")
    [reply] = await world.replies(first, 1)
    assert (reply.text or "").startswith("Я — бот ИТ-отдела")
    await _until(lambda: not runner.polling)
    polls = tg.calls.get("getupdates", 0)
    await runner.stop_polling()

    assert tg.calls.get("getupdates", 0) == polls  # no getUpdates after the proof
    assert tg.pending_updates == 1  # the handled update stays unconfirmed: the journal skips it


async def test_an_update_whose_commit_is_refused_gets_no_apology(world: BotWorld) -> None:
    tg, runner = world.telegram, world.runner
    await runner.stop_polling()
    # Valid for the checks before and after the poll and for the reply; not at the commit.
    checks = {"left": 3}

    def still_leading() -> bool:
        # The lease runs out while the handler runs, as when the process is paused there.
        checks["left"] -= 1
        return checks["left"] >= 0

    await runner.start_polling(still_leading=still_leading)
    user = tg.user(first_name="Paused")
    tg.send_message(user, "/help")
    await _until(lambda: not runner.polling)
    await asyncio.sleep(0.3)

    said = [r.text or "" for r in tg.sent(user.id)]
    assert len(said) == 1  # the handler's reply went out before the refusal; no apology after
    assert said[0].startswith("Я — бот ИТ-отдела")
    assert tg.pending_updates == 1  # not recorded, not confirmed: the next leader answers it


async def test_a_second_stop_returns_only_once_the_batch_in_hand_is_finished(
    world: BotWorld,
) -> None:
    # A node stopping stops the runner twice at once: the leadership's on_lost and the bot
    # task's cleanup. The leadership releases the lease when its call returns; returning
    # before the batch in hand is recorded made its commits fail, and the next leader
    # answered those updates again.
    runner = world.runner
    first = asyncio.create_task(runner.stop_polling())
    await asyncio.sleep(0)
    second = asyncio.create_task(runner.stop_polling())
    await second
    assert first.done()
    assert not runner.polling


async def test_a_reply_due_after_the_lease_ran_out_is_not_sent(world: BotWorld) -> None:
    tg, runner = world.telegram, world.runner
    await runner.stop_polling()
    checks = {"left": 2}  # valid for the checks before and after the poll; not for the reply

    def still_leading() -> bool:
        # Paused mid-handler: the reply is due after the lease ran out.
        checks["left"] -= 1
        return checks["left"] >= 0

    await runner.start_polling(still_leading=still_leading)
    user = tg.user(first_name="Woken")
    tg.send_message(user, "/help")
    await _until(lambda: not runner.polling)
    await asyncio.sleep(0.3)

    assert tg.sent(user.id) == []  # the next leader answers it, once
    assert tg.pending_updates == 1


async def test_a_reply_refused_for_a_moment_is_sent_once_the_lease_is_renewed(
    world: BotWorld,
) -> None:
    tg, runner = world.telegram, world.runner
    await runner.stop_polling()
    # The lease looks expired for one check (the reply), then the late renewal lands.
    answers = iter([True, True, False])

    await runner.start_polling(still_leading=lambda: next(answers, True))
    user = tg.user(first_name="Blink")
    tg.send_message(user, "/help")
    [reply] = await world.replies(user, 1)
    assert (reply.text or "").startswith("Я — бот ИТ-отдела")  # the answer, not an apology
    await asyncio.sleep(0.3)
    assert len(tg.sent(user.id)) == 1
