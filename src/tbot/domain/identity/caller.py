from __future__ import annotations

from dataclasses import dataclass

from tbot.domain.actor import Actor, Channel
from tbot.domain.identity.credentials import Principal
from tbot.domain.identity.permissions import Permission


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls a use case (the principal and its rights) and through which door."""

    principal: Principal
    channel: Channel
    request_id: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(
            name=self.principal.name,
            channel=self.channel,
            request_id=self.request_id,
            user_id=self.principal.user_id,
        )

    @classmethod
    def operator(cls, name: str, request_id: str = "") -> Caller:
        """Someone with a shell on a node: they can read the keyring and the database
        anyway, so the CLI grants them every permission (and audits them by OS user)."""
        return cls(Principal(name, frozenset(Permission)), Channel.CLI, request_id)

    @classmethod
    def anonymous(cls, channel: Channel, request_id: str = "", name: str = "anonymous") -> Caller:
        return cls(Principal(name, frozenset()), channel, request_id)
