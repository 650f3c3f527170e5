"""A faithful fake of the Telegram Bot API for tests, benchmarks and trying the bot locally.

The real aiogram Bot talks to it over HTTP (`TelegramAPIServer.from_base(fake.url)`); nothing of
aiogram is mocked. See docs/fake_telegram.md.
"""

from .errors import ApiError
from .fake import DEFAULT_TOKEN, FakeTelegram
from .ledger import SentRecord
from .limits import RateLimits
from .people import FakeChat, FakeUser
from .updates import PollEvent

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "FakeChat",
    "FakeTelegram",
    "FakeUser",
    "PollEvent",
    "RateLimits",
    "SentRecord",
]
