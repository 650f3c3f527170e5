"""The fake Bot API, driven by the real aiogram Bot and Dispatcher over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeDefault,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    ReplyParameters,
)
from aiohttp import web

from tbot.testing.fake_telegram import FakeTelegram, RateLimits

TOKEN = "424242:fake-token-for-tests"
POLL_CONFLICT = (
    "Telegram server says - Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@pytest.fixture
def unused_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN, rate_limits=RateLimits(enabled=False)) as fake:
        yield fake


def bot_for(fake: FakeTelegram, token: str | None = None) -> Bot:
    api = TelegramAPIServer.from_base(fake.url)
    return Bot(token or fake.token, session=AiohttpSession(api=api))


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = bot_for(tg)
    yield bot
    await bot.session.close()


@contextlib.asynccontextmanager
async def polling(bot: Bot, router: Router) -> AsyncIterator[Dispatcher]:
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    task = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=False, polling_timeout=1
        )
    )
    try:
        yield dispatcher
    finally:
        await dispatcher.stop_polling()
        await task


async def test_an_injected_message_reaches_a_handler_and_its_reply_is_read_back(
    tg: FakeTelegram, bot: Bot
) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        assert message.from_user is not None
        await message.answer(f"Привет, <b>{message.from_user.first_name}</b>!", parse_mode="HTML")

    alice = tg.user(first_name="Алиса")
    async with polling(bot, router):
        update = tg.send_message(alice, "/start")
        [reply] = await tg.wait_sent(alice.id, 1)

    assert update["message"]["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    assert reply.method == "sendMessage"
    assert reply.text == "Привет, Алиса!"
    assert reply.result["entities"] == [{"offset": 8, "length": 5, "type": "bold"}]
    assert reply.result["from"]["id"] == 424242
    assert tg.replies(update["update_id"]) == [reply]
    assert tg.max_concurrent_pollers == 1


async def test_a_confirmed_update_is_not_delivered_again_an_unconfirmed_one_is(
    tg: FakeTelegram, bot: Bot
) -> None:
    bob = tg.user(first_name="Bob")
    first = tg.send_message(bob, "one")["update_id"]
    second = tg.send_message(bob, "two")["update_id"]

    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates(offset=first + 1)] == [second]
    assert [u.update_id for u in await bot.get_updates(offset=0)] == [second]
    assert await bot.get_updates(offset=second + 1) == []
    assert tg.pending_updates == 0


async def test_limit_and_negative_offset_follow_the_bot_api(tg: FakeTelegram, bot: Bot) -> None:
    carol = tg.user(first_name="Carol")
    ids = [tg.send_message(carol, f"m{i}")["update_id"] for i in range(5)]

    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=-2)] == ids[3:]
    assert tg.pending_updates == 2


async def test_a_long_poll_returns_as_soon_as_an_update_arrives(tg: FakeTelegram, bot: Bot) -> None:
    dave = tg.user(first_name="Dave")
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.1)
    assert tg.active_pollers == 1

    tg.send_message(dave, "hello")
    updates = await asyncio.wait_for(poll, 2)

    assert [u.message.text for u in updates if u.message] == ["hello"]
    assert tg.active_pollers == 0


async def test_a_second_poller_ends_the_older_poll_with_409(tg: FakeTelegram) -> None:
    older, newer = bot_for(tg), bot_for(tg)
    try:
        first = asyncio.create_task(older.get_updates(timeout=30))
        await asyncio.sleep(0.1)
        second = asyncio.create_task(newer.get_updates(timeout=1))

        with pytest.raises(TelegramConflictError) as conflict:
            await asyncio.wait_for(first, 2)
        assert await second == []
    finally:
        await older.session.close()
        await newer.session.close()

    assert str(conflict.value) == POLL_CONFLICT
    # As on Telegram, the older call is over the instant the newer one arrives.
    assert tg.max_concurrent_pollers == 1
    assert tg.poll_conflicts == 1
    assert [e.event for e in tg.poller_timeline] == ["start", "conflict", "start", "end"]


async def test_get_updates_while_a_webhook_is_set_is_a_conflict(tg: FakeTelegram, bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook")

    with pytest.raises(TelegramConflictError) as conflict:
        await bot.get_updates()

    assert "can't use getUpdates method while webhook is active" in str(conflict.value)
    await bot.delete_webhook()
    assert await bot.get_updates() == []


async def test_a_forced_429_surfaces_as_retry_after_with_its_value(
    tg: FakeTelegram, bot: Bot
) -> None:
    erin = tg.user(first_name="Erin")
    tg.fail_next("sendMessage", error_code=429, retry_after=7)

    with pytest.raises(TelegramRetryAfter) as too_many:
        await bot.send_message(erin.id, "hi")

    assert too_many.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in str(too_many.value)
    assert (await bot.send_message(erin.id, "hi again")).text == "hi again"


async def test_a_chat_over_its_flood_limit_gets_429(tg: FakeTelegram, bot: Bot) -> None:
    frank = tg.user(first_name="Frank")
    tg.set_rate_limits(enabled=True, per_chat_per_second=0.5, per_chat_burst=2)

    await bot.send_message(frank.id, "1")
    await bot.send_message(frank.id, "2")
    with pytest.raises(TelegramRetryAfter) as too_many:
        await bot.send_message(frank.id, "3")

    assert too_many.value.retry_after == 2
    assert [c.text for c in tg.sent(frank.id)] == ["1", "2"]


async def test_too_long_and_empty_texts_are_refused_in_telegrams_words(
    tg: FakeTelegram, bot: Bot
) -> None:
    gina = tg.user(first_name="Gina")

    with pytest.raises(TelegramBadRequest) as too_long:
        await bot.send_message(gina.id, "x" * 4097)
    with pytest.raises(TelegramBadRequest) as surrogates:
        await bot.send_message(gina.id, "🏟" * 2049)  # 4098 UTF-16 code units
    with pytest.raises(TelegramBadRequest) as empty:
        await bot.send_message(gina.id, "<b> </b>", parse_mode="HTML")
    # The limit counts the text after the tags are stripped.
    long_bold = await bot.send_message(gina.id, f"<b>{'x' * 4096}</b>", parse_mode="HTML")

    assert too_long.value.message == "Bad Request: message is too long"
    assert surrogates.value.message == "Bad Request: message is too long"
    assert empty.value.message == "Bad Request: message text is empty"
    assert long_bold.text == "x" * 4096


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("Hello <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 6'),
        ("Привет <b>x</i>", 'Unmatched end tag at byte offset 17, expected "</b>", found "</i>"'),
        ("<b>open", "Can't find end tag corresponding to start tag b"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("tail <", "Unclosed start tag at byte offset 5"),
    ],
)
async def test_bad_html_is_refused_with_the_parse_error(
    tg: FakeTelegram, bot: Bot, html: str, reason: str
) -> None:
    hana = tg.user(first_name="Hana")

    with pytest.raises(TelegramBadRequest) as bad:
        await bot.send_message(hana.id, html, parse_mode="HTML")

    assert bad.value.message == f"Bad Request: can't parse entities: {reason}"
    assert tg.sent(hana.id) == []


async def test_good_html_comes_back_as_plain_text_with_entities(tg: FakeTelegram, bot: Bot) -> None:
    ivan = tg.user(first_name="Ivan")
    html = (
        '<b>Иван</b> &amp; <a href="https://example.com">link</a> '
        "<code>x&lt;y</code> <tg-spoiler>s</tg-spoiler> a&b"
    )

    message = await bot.send_message(ivan.id, html, parse_mode="HTML")

    assert message.text == "Иван & link x<y s a&b"
    assert [(e.type, e.offset, e.length) for e in message.entities or []] == [
        ("bold", 0, 4),
        ("text_link", 7, 4),
        ("code", 12, 3),
        ("spoiler", 16, 1),
    ]
    # Telegram normalises the link, adding the path.
    assert (message.entities or [])[1].url == "https://example.com/"


async def test_a_pressed_button_is_answered_once(tg: FakeTelegram, bot: Bot) -> None:
    router = Router()

    @router.callback_query(F.data == "ok")
    async def pressed(callback: CallbackQuery) -> None:
        await callback.answer("Done")
        assert isinstance(callback.message, Message)
        await callback.message.edit_text("Confirmed")

    jack = tg.user(first_name="Jack")
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="ok")]]
    )
    sent = await bot.send_message(jack.id, "Confirm?", reply_markup=keyboard)
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump() == keyboard.model_dump()
    async with polling(bot, router):
        update = tg.press_button(jack, tg.sent(jack.id)[0].result, "ok")
        calls = await tg.wait_sent(jack.id, 3)

    assert [c.method for c in calls] == ["sendMessage", "answerCallbackQuery", "editMessageText"]
    assert tg.callback_answer(update) is not None
    assert calls[2].text == "Confirmed"
    assert [c.method for c in tg.replies(update["update_id"])] == [
        "answerCallbackQuery",
        "editMessageText",
    ]
    with pytest.raises(TelegramBadRequest) as twice:
        await bot.answer_callback_query(update["callback_query"]["id"])
    assert "query is too old and response timeout expired or query ID is invalid" in str(
        twice.value
    )


async def test_oversized_callback_data_and_unchanged_edits_are_refused(
    tg: FakeTelegram, bot: Bot
) -> None:
    kate = tg.user(first_name="Kate")
    too_big = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]]
    )

    with pytest.raises(TelegramBadRequest) as data_invalid:
        await bot.send_message(kate.id, "x", reply_markup=too_big)
    message = await bot.send_message(kate.id, "same")
    with pytest.raises(TelegramBadRequest) as not_modified:
        await bot.edit_message_text(text="same", chat_id=kate.id, message_id=message.message_id)
    with pytest.raises(TelegramBadRequest) as missing:
        await bot.edit_message_text(text="new", chat_id=kate.id, message_id=999)

    assert data_invalid.value.message == "Bad Request: BUTTON_DATA_INVALID"
    assert not_modified.value.message.startswith("Bad Request: message is not modified: ")
    assert missing.value.message == "Bad Request: message to edit not found"


async def test_an_inline_query_is_answered(tg: FakeTelegram, bot: Bot) -> None:
    router = Router()

    @router.inline_query()
    async def search(query: InlineQuery) -> None:
        result = InlineQueryResultArticle(
            id="1",
            title=f"Found {query.query}",
            input_message_content=InputTextMessageContent(message_text="Ivanov, +7 900"),
        )
        await query.answer([result], cache_time=0)

    leo = tg.user(first_name="Leo")
    async with polling(bot, router):
        update = tg.inline_query(leo, "ivanov")
        [answer] = await tg.wait_sent(leo.id, 1)

    assert answer.method == "answerInlineQuery"
    assert answer.update_id == update["update_id"]
    assert json.loads(answer.params["results"])[0]["title"] == "Found ivanov"


async def test_inline_results_with_duplicate_ids_are_refused(tg: FakeTelegram, bot: Bot) -> None:
    mia = tg.user(first_name="Mia")
    update = tg.inline_query(mia, "x")
    content = InputTextMessageContent(message_text="t")
    results = [InlineQueryResultArticle(id="1", title="a", input_message_content=content)] * 2

    with pytest.raises(TelegramBadRequest) as duplicate:
        await bot.answer_inline_query(update["inline_query"]["id"], results)

    assert duplicate.value.message == "Bad Request: RESULT_ID_DUPLICATE"


async def test_commands_are_kept_per_language(tg: FakeTelegram, bot: Bot) -> None:
    ru = [BotCommand(command="start", description="Начать")]
    en = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="help", description="Help"),
    ]

    await bot.set_my_commands(ru, scope=BotCommandScopeDefault(), language_code="ru")
    await bot.set_my_commands(en, language_code="en")

    def pairs(commands: list[BotCommand]) -> list[tuple[str, str]]:
        return [(c.command, c.description) for c in commands]

    assert pairs(await bot.get_my_commands(language_code="ru")) == pairs(ru)
    assert pairs(await bot.get_my_commands(language_code="en")) == pairs(en)
    assert await bot.get_my_commands() == []
    assert tg.commands("default", "en")[1] == {"command": "help", "description": "Help"}


async def test_a_reply_is_linked_to_the_message_it_replies_to(tg: FakeTelegram, bot: Bot) -> None:
    nina = tg.user(first_name="Nina")
    first = tg.send_message(nina, "first")
    tg.send_message(nina, "second")

    reply = await bot.send_message(
        nina.id,
        "to the first",
        reply_parameters=ReplyParameters(message_id=first["message"]["message_id"]),
    )

    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "first"
    assert [c.text for c in tg.replies(first["update_id"])] == ["to the first"]
    with pytest.raises(TelegramBadRequest) as missing:
        await bot.send_message(nina.id, "x", reply_parameters=ReplyParameters(message_id=404))
    assert missing.value.message == "Bad Request: message to be replied not found"


async def test_contacts_and_unknown_chats(tg: FakeTelegram, bot: Bot) -> None:
    olga = tg.user(first_name="Olga")

    contact = await bot.send_contact(olga.id, phone_number="+79001234567", first_name="Helpdesk")
    with pytest.raises(TelegramBadRequest) as no_chat:
        await bot.send_message(777, "who?")

    assert contact.contact is not None
    assert contact.contact.phone_number == "+79001234567"
    assert no_chat.value.message == "Bad Request: chat not found"


async def test_wrong_token_unknown_method_and_a_dropped_connection(tg: FakeTelegram) -> None:
    stranger = bot_for(tg, token="1:wrong")
    bot = bot_for(tg)
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
        tg.drop_next("getMe")
        with pytest.raises(TelegramNetworkError):
            await bot.get_me()
        assert (await bot.get_me()).username == "tbot_fake_bot"
    finally:
        await stranger.session.close()
        await bot.session.close()
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{tg.url}/bot{tg.token}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        # JSON bodies, query strings and any case of the method name work, as on Telegram.
        async with http.post(f"{tg.url}/bot{tg.token}/GETME") as resp:
            assert (await resp.json())["result"]["supports_inline_queries"] is True
        async with http.get(f"{tg.url}/bot{tg.token}/getUpdates?limit=1&timeout=0") as resp:
            assert await resp.json() == {"ok": True, "result": []}
        async with http.post(f"{tg.url}/bot{tg.token}/sendMessage", json={"text": "x"}) as resp:
            assert (await resp.json())["description"] == "Bad Request: chat_id is empty"


async def test_not_found_is_aiograms_not_found(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("getMe", error_code=404)
    with pytest.raises(TelegramNotFound):
        await bot.get_me()


async def test_a_webhook_gets_each_update_with_the_secret_and_is_retried(
    tg: FakeTelegram, bot: Bot, unused_tcp_port: int
) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    answers = [500, 200]

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{unused_tcp_port}/hook", secret_token="s3cret")
        pia = tg.user(first_name="Pia")
        update = tg.send_message(pia, "via webhook")
        for _ in range(100):
            if len(received) >= 2 and tg.pending_updates == 0:
                break
            await asyncio.sleep(0.05)
        info = await bot.get_webhook_info()
    finally:
        await bot.delete_webhook()
        await runner.cleanup()

    assert [secret for secret, _ in received] == ["s3cret", "s3cret"]
    assert received[1][1]["update_id"] == update["update_id"]
    assert received[1][1]["message"]["text"] == "via webhook"
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_out_of_process_fake_is_driven_through_its_http_test_api() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tbot.testing.fake_telegram", "--port", "0", "--token", TOKEN],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.to_thread(process.stdout.readline)).strip()
        assert url.startswith("http://127.0.0.1:")
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
        async with aiohttp.ClientSession(base_url=url) as http:
            user = {"id": 5001, "first_name": "Remote"}
            async with http.post("/_fake/messages", json={"user": user, "text": "/help"}) as resp:
                update = await resp.json()
            updates = await bot.get_updates()
            await bot.send_message(5001, "Help text")
            async with http.get("/_fake/sent", params={"chat_id": "5001"}) as resp:
                sent = await resp.json()
            async with http.get("/_fake/replies") as resp:
                replies = await resp.json()
            async with http.post("/_fake/faults", json={"method": "getMe", "error_code": 502}):
                pass
            with pytest.raises(TelegramServerError, match="Bad Gateway"):
                await bot.get_me()
            async with http.get("/_fake/stats") as resp:
                stats = await resp.json()
        await bot.session.close()
    finally:
        process.send_signal(signal.SIGINT)
        returncode = await asyncio.to_thread(process.wait, 10)

    assert returncode == 0
    assert [u.update_id for u in updates] == [update["update_id"]]
    assert updates[0].message is not None
    assert updates[0].message.text == "/help"
    assert [s["result"]["text"] for s in sent] == ["Help text"]
    assert [r["method"] for r in replies[str(update["update_id"])]] == ["sendMessage"]
    assert stats["calls"]["getupdates"] == 1
    assert stats["pollers"]["max_concurrent"] == 1
