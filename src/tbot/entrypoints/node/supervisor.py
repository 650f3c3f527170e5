from __future__ import annotations

import asyncio
from typing import Protocol

import structlog

_log = structlog.get_logger("tbot.embedded")


class Restartable(Protocol):
    def is_running(self) -> bool: ...

    def start(self, timeout: float = ...) -> None: ...

    @property
    def owned(self) -> bool: ...


async def keep_running(
    name: str, server: Restartable, *, check_s: float, restart_delay_s: float
) -> None:
    """Restarts an embedded server of ours that died, on the same port, so clients reconnect
    by themselves. The delay lets /health show the outage instead of hiding it."""
    while True:
        await asyncio.sleep(check_s)
        if not server.owned or server.is_running():
            continue
        _log.error("embedded_server_died", server=name, restart_in_s=restart_delay_s)
        await asyncio.sleep(restart_delay_s)
        try:
            await asyncio.to_thread(server.start)
        except Exception as error:
            _log.error("embedded_server_restart_failed", server=name, error=str(error))
        else:
            _log.info("embedded_server_restarted", server=name)
