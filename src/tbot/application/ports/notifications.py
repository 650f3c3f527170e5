"""Telling people things in Telegram (alerts, ticket updates): the Notifier queues a message
durably; a worker delivers it through the MessageSender, within Telegram's limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class NotificationButton:
    """A button under the message; pressing it runs the action registered under `action`
    with `ref` (what it is about, e.g. an alert id). Both fit Telegram's 64-byte limit."""

    text: str
    action: str
    ref: str


@dataclass(frozen=True, slots=True)
class Notification:
    chat_id: int
    text: str  # plain text; the sender escapes it
    title: str = ""  # shown bold above the text
    buttons: tuple[NotificationButton, ...] = ()
    reason: str = ""  # what caused it (e.g. "alert:42"), for the log and the audit trail


class Notifier(Protocol):
    async def notify(self, notification: Notification) -> str:
        """Queues the notification; returns the job id. Survives a restart of this node."""
        ...


class DeliveryDeferred(Exception):
    """Telegram asked us to wait (flood control): try again after `retry_after_s`."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"retry after {retry_after_s:g} s")
        self.retry_after_s = retry_after_s


class DeliveryRefused(Exception):
    """The chat will never take this message (bot blocked, chat gone, bad request)."""


class MessageSender(Protocol):
    async def send(self, notification: Notification) -> None:
        """Sends now. Raises DeliveryDeferred or DeliveryRefused as above; any other error
        is transient (network, Telegram's 5xx)."""
        ...
