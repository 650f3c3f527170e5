"""`python -m tbot.testing.fake_telegram --port 8081 --token 123:ABC`: serve the fake until Ctrl-C.

It prints the Bot API base URL on its first line (for TelegramAPIServer.from_base, or a
harness reading the child's stdout), then the test API's address.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .fake import DEFAULT_TOKEN, FakeTelegram
from .limits import RateLimits


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tbot.testing.fake_telegram", description="A fake Telegram Bot API server."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="tbot_fake_bot")
    parser.add_argument(
        "--no-rate-limits", action="store_true", help="never answer 429 (for benchmarks)"
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    limits = RateLimits(enabled=not args.no_rate_limits)
    fake = FakeTelegram(
        args.token,
        host=args.host,
        port=args.port,
        bot_username=args.bot_username,
        rate_limits=limits,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows has no add_signal_handler
            loop.add_signal_handler(sig, stop.set)
    async with fake:
        print(fake.url, flush=True)
        print(f"bot api: {fake.url}/bot{fake.token}/getMe", flush=True)
        print(f"test api: {fake.url}/_fake/stats", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(_arguments(argv)))


if __name__ == "__main__":
    main()
