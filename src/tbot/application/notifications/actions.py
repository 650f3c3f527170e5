"""Buttons under notifications (acknowledge an alert, mute a server) lead back to use cases:
a capability registers a handler per action name at start; a press runs it for the presser."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tbot.domain.errors import NotFound
from tbot.domain.identity.caller import Caller

# Gets the button's `ref` and who pressed it; returns a short answer shown to them.
ActionHandler = Callable[[str, Caller], Awaitable[str]]


class NotificationActions:
    def __init__(self) -> None:
        self._handlers: dict[str, ActionHandler] = {}

    def register(self, action: str, handler: ActionHandler) -> None:
        if action in self._handlers:
            raise ValueError(f"action {action!r} is registered already")
        self._handlers[action] = handler

    async def run(self, action: str, ref: str, caller: Caller) -> str:
        handler = self._handlers.get(action)
        if handler is None:
            raise NotFound("notification action", action)
        return await handler(ref, caller)
