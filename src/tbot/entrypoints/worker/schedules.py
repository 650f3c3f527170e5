"""When the periodic jobs run (UTC). The leader enqueues their ticks (see EnqueueDueTicks);
any node's worker runs them."""

from __future__ import annotations

from tbot.adapters.cron_schedule import CronSchedule

SCHEDULES = (
    # Handled-update ids after 72 h and inbound messages after their retention, nightly.
    CronSchedule("purge_telegram_data", hour={3}, minute={17}),
    # Relayed outbox entries after a day, hourly.
    CronSchedule("purge_outbox", minute={41}),
)
