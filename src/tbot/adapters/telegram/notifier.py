"""TelegramNotifier: a notification becomes an arq job in Redis, so it outlives the process
that asked for it; any node's worker delivers it."""

from __future__ import annotations

import msgspec

from tbot.adapters.jobs_queue import ArqJobQueue
from tbot.application.ports.notifications import Notification, NotificationButton

SEND_JOB = "send_notification"


class ButtonPayload(msgspec.Struct, frozen=True):
    text: str
    action: str
    ref: str


class NotificationPayload(msgspec.Struct, frozen=True):
    """The job's argument on the wire (arq stores it in Redis)."""

    chat_id: int
    text: str
    title: str = ""
    buttons: tuple[ButtonPayload, ...] = ()
    reason: str = ""

    @classmethod
    def of(cls, notification: Notification) -> NotificationPayload:
        return cls(
            chat_id=notification.chat_id,
            text=notification.text,
            title=notification.title,
            buttons=tuple(ButtonPayload(b.text, b.action, b.ref) for b in notification.buttons),
            reason=notification.reason,
        )

    def notification(self) -> Notification:
        return Notification(
            chat_id=self.chat_id,
            text=self.text,
            title=self.title,
            buttons=tuple(NotificationButton(b.text, b.action, b.ref) for b in self.buttons),
            reason=self.reason,
        )


def encode(notification: Notification) -> bytes:
    return msgspec.json.encode(NotificationPayload.of(notification))


def decode(payload: bytes) -> Notification:
    return msgspec.json.decode(payload, type=NotificationPayload).notification()


class TelegramNotifier:
    def __init__(self, queue: ArqJobQueue) -> None:
        self._queue = queue

    async def notify(self, notification: Notification) -> str:
        return await self._queue.enqueue(SEND_JOB, encode(notification))
