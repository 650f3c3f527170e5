"""Notifications through the durable queue: an arq worker delivers them to the fake Bot API
within Telegram's limits, waits out a 429, gives up (audited) on a refusal or after its
tries, and a button under a notification runs the action registered for it."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import text

from tbot.application.ports.notifications import Notification, NotificationButton
from tbot.container import Container
from tbot.domain.identity.caller import Caller
from tests.conftest import run_jobs_until_idle
from tests.e2e.bot.conftest import DOMAIN, BotWorld, add_employee


async def _failures(container: Container) -> list[dict[str, object]]:
    async with container.uow() as uow:
        rows = await uow.session.execute(  # type: ignore[attr-defined]
            text("SELECT after FROM core.audit_log WHERE action = 'notification.failed'")
        )
        return [row[0] for row in rows]


async def test_a_notification_is_delivered_with_its_buttons(
    world: BotWorld, redis_url: str
) -> None:
    tg = world.telegram
    chat = tg.user(first_name="OnCall")
    job = await world.container.notifier().notify(
        Notification(
            chat_id=chat.id,
            title="srv-db-01 <down>",
            text="ping: 100% loss & no answer",
            buttons=(NotificationButton("Принято", "ack", "alert-7"),),
            reason="alert:7",
        )
    )
    assert job
    await run_jobs_until_idle(world.container, redis_url)
    [sent] = tg.sent(chat.id)
    assert sent.text == "srv-db-01 <down>\nping: 100% loss & no answer"
    markup = json.loads(sent.params["reply_markup"])
    assert markup["inline_keyboard"][0][0]["callback_data"] == "act:ack:alert-7"


async def test_a_button_runs_the_registered_action_for_the_verified_presser(
    world: BotWorld, redis_url: str
) -> None:
    pressed: list[tuple[str, str]] = []

    async def acknowledge(ref: str, caller: Caller) -> str:
        pressed.append((ref, caller.principal.name))
        return "Принято"

    world.container.notification_actions().register("ack", acknowledge)
    await add_employee(
        world.container, last_name="Дежурный", first_name="Д", email=f"duty@{DOMAIN}"
    )
    tg = world.telegram
    duty = tg.user(first_name="Duty")
    await world.verify(duty, f"duty@{DOMAIN}")
    await world.container.notifier().notify(
        Notification(
            chat_id=duty.id,
            text="disk full",
            buttons=(NotificationButton("Принято", "ack", "alert-9"),),
        )
    )
    await run_jobs_until_idle(world.container, redis_url)
    alert = tg.sent(duty.id)[-1]
    update = tg.press_button(duty, alert.result, "act:ack:alert-9")
    for _ in range(200):
        if tg.callback_answer(update) is not None:
            break
        await asyncio.sleep(0.02)
    assert pressed == [("alert-9", f"duty@{DOMAIN}")]
    answer = tg.callback_answer(update)
    assert answer is not None
    assert answer["text"] == "Принято"


async def test_a_429_is_waited_out_and_the_message_delivered_once(
    world: BotWorld, redis_url: str
) -> None:
    tg = world.telegram
    chat = tg.user(first_name="Flooded")
    tg.fail_next("sendMessage", error_code=429, retry_after=1)
    await world.container.notifier().notify(Notification(chat_id=chat.id, text="one"))
    await run_jobs_until_idle(world.container, redis_url)
    assert [r.text for r in tg.sent(chat.id)] == ["one"]
    assert tg.state.faults.pending() == []  # the 429 was met, then the retry went through
    assert await _failures(world.container) == []


async def test_a_refusal_gives_up_at_once_and_is_audited(world: BotWorld, redis_url: str) -> None:
    tg = world.telegram
    chat = tg.user(first_name="Gone")
    tg.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot was blocked by the user"
    )
    await world.container.notifier().notify(
        Notification(chat_id=chat.id, text="never", reason="alert:3")
    )
    await run_jobs_until_idle(world.container, redis_url)
    assert tg.sent(chat.id) == []
    [failure] = await _failures(world.container)
    assert failure["reason"] == "alert:3"
    assert failure["attempts"] == 1
    assert "blocked by the user" in str(failure["why"])


async def test_transient_errors_are_retried_a_bounded_number_of_times(
    world: BotWorld, redis_url: str
) -> None:
    world.container.deliver_notification.add_kwargs(backoff_s=0.05)
    tg = world.telegram
    chat = tg.user(first_name="Down")
    tg.fail_next("sendMessage", times=100, error_code=502, description="Bad Gateway")
    await world.container.notifier().notify(Notification(chat_id=chat.id, text="x", reason="r"))
    await run_jobs_until_idle(world.container, redis_url)
    [left] = tg.state.faults.pending()
    assert left.remaining == 95  # five attempts met the fault, then the worker gave up
    [failure] = await _failures(world.container)
    assert failure["attempts"] == 5


async def test_messages_to_one_chat_are_paced_to_telegrams_limit(
    world: BotWorld, redis_url: str
) -> None:
    tg = world.telegram
    chat = tg.user(first_name="Busy")
    for number in range(3):
        await world.container.notifier().notify(Notification(chat_id=chat.id, text=str(number)))
    await run_jobs_until_idle(world.container, redis_url)
    sent = tg.sent(chat.id)
    assert sorted(r.text for r in sent) == ["0", "1", "2"]
    assert tg.calls["sendmessage"] == 3  # paced: Telegram never had to refuse one
    times = sorted(r.at for r in sent)
    assert times[2] - times[0] >= 1.8
