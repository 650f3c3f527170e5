"""Everything one fake bot holds; the methods read and change it, the test API inspects it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .faults import Faults
from .ledger import Ledger
from .limits import FloodControl, RateLimits
from .people import FakeUser
from .updates import PollTracker, UpdateQueue
from .world import World


@dataclass(slots=True)
class WebhookConfig:
    url: str = ""
    secret_token: str = ""
    max_connections: int = 40
    last_error_date: int = 0
    last_error_message: str = ""
    delivered: int = 0
    attempts: int = 0


@dataclass(slots=True)
class BotProfile:
    """getMe's answer; supports_inline_queries is on because the bot answers inline queries."""

    user: FakeUser
    can_join_groups: bool = True
    can_read_all_group_messages: bool = False
    supports_inline_queries: bool = True


@dataclass
class FakeState:
    token: str
    bot: BotProfile
    limits: RateLimits = field(default_factory=RateLimits)
    allow_http_webhooks: bool = True
    world: World = field(default_factory=World)
    ledger: Ledger = field(default_factory=Ledger)
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    polls: PollTracker = field(default_factory=PollTracker)
    faults: Faults = field(default_factory=Faults)
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    flood: FloodControl = field(init=False)

    def __post_init__(self) -> None:
        self.flood = FloodControl(self.limits)

    @property
    def bot_id(self) -> int:
        return self.bot.user.id
