"""The Telegram side of `bot.py`, in a process of its own: the fake Bot API and the users who
write to the bot. Keeping it out of the bot's process leaves the bot's event loop to the bot,
as in production, where Telegram and the users are elsewhere.

    python benchmarks/_telegram_side.py PLAN.json

PLAN.json: {"token", "users": [{"id", "first_name", "last_name"}], "phases": [{"name",
"texts", "mode": "closed" | "open", "rate", "rate_limits"}], "reply_timeout_s"}.

It prints JSON lines on stdout: `{"event": "ready", "url"}` once the fake listens; then, after
reading `go` on stdin, `{"event": "phase", "name", "state": "start" | "end"}` around each
phase and `{"event": "result", ...}` after it; `{"event": "done"}` at the end. It stops the
fake when it reads `stop` (or stdin closes), so that the bot can stop polling first.

Modes:
- `closed`: every user has one message in flight: writes, waits for the bot's reply, writes
  the next. As many messages are in flight as there are users; this measures throughput.
- `open`: messages are injected at a steady `rate` per second, whatever the replies, each
  from the next user in turn; this measures the reply latency at that offered load.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tbot.testing.fake_telegram import FakeTelegram, FakeUser, RateLimits, SentRecord

# What counts as the bot's answer to a message (a chat action or an edit would not).
ANSWERS = {"sendMessage", "sendContact"}
LATE_DUPLICATE_WAIT_S = 1.0  # a duplicate reply sent after the first would show up by then


def emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@dataclass
class Sent:
    index: int  # in the phase's texts
    update_id: int
    chat_id: int
    at: float  # time.time() at injection, the clock SentRecord.at uses


@dataclass
class Phase:
    name: str
    texts: list[str]
    mode: str
    rate: float = 0.0
    rate_limits: bool = False
    sent: list[Sent] = field(default_factory=list)
    timeouts: int = 0


class Users:
    def __init__(self, tg: FakeTelegram, users: list[dict[str, Any]], timeout_s: float) -> None:
        self.tg = tg
        self.people = [
            tg.user(id=u["id"], first_name=u["first_name"], last_name=u["last_name"]) for u in users
        ]
        self.timeout_s = timeout_s

    def answers(self, chat_id: int) -> int:
        return sum(1 for r in self.tg.sent(chat_id) if r.method in ANSWERS)

    def write(self, phase: Phase, user: FakeUser, index: int) -> Sent:
        update = self.tg.send_message(user, phase.texts[index])
        sent = Sent(index, update["update_id"], user.id, time.time())
        phase.sent.append(sent)
        return sent

    async def closed(self, phase: Phase) -> None:
        count = len(self.people)

        async def one_user(index: int) -> None:
            user = self.people[index]
            for text_index in range(index, len(phase.texts), count):
                before = self.answers(user.id)
                self.write(phase, user, text_index)
                if not await self._answered(user.id, before + 1):
                    phase.timeouts += 1

        await asyncio.gather(*(one_user(i) for i in range(count)))

    async def open(self, phase: Phase) -> None:
        start = time.monotonic()
        for i in range(len(phase.texts)):
            delay = start + i / phase.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.write(phase, self.people[i % len(self.people)], i)
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline and not all(
            self.tg.replies(s.update_id) for s in phase.sent
        ):
            await asyncio.sleep(0.05)

    async def _answered(self, chat_id: int, count: int) -> bool:
        deadline = time.monotonic() + self.timeout_s
        while self.answers(chat_id) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                await self.tg.wait_sent(chat_id, len(self.tg.sent(chat_id)) + 1, remaining)
            except TimeoutError:
                return False
        return True


def result(tg: FakeTelegram, phase: Phase) -> dict[str, Any]:
    """Latency of each message's first answer (by its index in the texts; None when it got
    none), and how many got none or more than one."""
    latencies_ms: list[float | None] = [None] * len(phase.texts)
    lost = duplicates = 0
    shapes: Counter[str] = Counter()
    examples: dict[str, str] = {}
    last_answer = phase.sent[0].at if phase.sent else 0.0
    for sent in phase.sent:
        answers = [r for r in tg.replies(sent.update_id) if r.method in ANSWERS]
        if not answers:
            lost += 1
            continue
        duplicates += len(answers) - 1
        first = answers[0]
        latencies_ms[sent.index] = (first.at - sent.at) * 1000
        last_answer = max(last_answer, max(r.at for r in answers))
        shape = _shape(first)
        shapes[shape] += 1
        examples.setdefault(shape, (first.text or "")[:120])
    span = last_answer - phase.sent[0].at if phase.sent else 0.0
    return {
        "event": "result",
        "phase": phase.name,
        "mode": phase.mode,
        "rate_limits": phase.rate_limits,
        "messages": len(phase.sent),
        "span_s": span,
        "latencies_ms": latencies_ms,
        "lost": lost,
        "duplicates": duplicates,
        "timeouts": phase.timeouts,
        "shapes": dict(shapes),
        "examples": examples,
    }


def _shape(record: SentRecord) -> str:
    if record.method == "sendContact":
        return "contact"
    markup = record.result.get("reply_markup") if isinstance(record.result, dict) else None
    return "with buttons" if markup else "text only"


def refused_sends(tg: FakeTelegram) -> int:
    """sendMessage calls the fake answered with an error (429 under the flood limits)."""
    recorded = sum(1 for r in tg.sent() if r.method == "sendMessage")
    return tg.calls.get("sendmessage", 0) - recorded


async def read_line() -> str:
    return (await asyncio.to_thread(sys.stdin.readline)).strip()


async def main(plan_path: Path) -> None:
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    async with FakeTelegram(plan["token"], rate_limits=RateLimits(enabled=False)) as tg:
        users = Users(tg, plan["users"], plan["reply_timeout_s"])
        emit({"event": "ready", "url": tg.url})
        if await read_line() != "go":
            return
        for spec in plan["phases"]:
            phase = Phase(spec["name"], spec["texts"], spec["mode"], spec.get("rate", 0.0),
                          spec.get("rate_limits", False))  # fmt: skip
            tg.set_rate_limits(enabled=phase.rate_limits)
            refused_before = refused_sends(tg)
            emit({"event": "phase", "name": phase.name, "state": "start"})
            if phase.mode == "closed":
                await users.closed(phase)
            else:
                await users.open(phase)
            emit({"event": "phase", "name": phase.name, "state": "end"})
            await asyncio.sleep(LATE_DUPLICATE_WAIT_S)
            outcome = result(tg, phase)
            outcome["refused_sends"] = refused_sends(tg) - refused_before
            emit(outcome)
        emit({"event": "done", "calls": tg.calls})
        while await read_line() not in {"stop", ""}:
            pass


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
