"""A periodic job's rule in cron fields, read by arq's own cron arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from arq.cron import next_cron

CronField = set[int] | int | None


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """Fields as arq's `cron()` takes them (None: every value), in UTC so that every node
    reads the same ticks whatever its local time zone. `second` defaults to 0: once a minute
    at most, unless asked for."""

    job: str
    month: CronField = None
    day: CronField = None
    weekday: CronField = None
    hour: CronField = None
    minute: CronField = None
    second: CronField = 0
    _fields: dict[str, CronField] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields = {
            "month": self.month,
            "day": self.day,
            "weekday": self.weekday,
            "hour": self.hour,
            "minute": self.minute,
            "second": self.second,
        }
        object.__setattr__(self, "_fields", fields)

    def next_after(self, moment: datetime) -> datetime:
        # arq works on naive times and steps from a whole second; ticks fall on whole seconds.
        naive = moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
        tick = next_cron(naive, microsecond=0, **self._fields)
        return tick.replace(tzinfo=UTC)
