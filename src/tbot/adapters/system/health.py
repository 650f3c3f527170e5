from __future__ import annotations

from tbot.application.ports.health import DependencyState, DependencyStatus


class NotConfiguredCheck:
    """An optional integration that is switched off: shown as such, never failing /health."""

    required = False

    def __init__(self, name: str, detail: str) -> None:
        self.name = name
        self._detail = detail

    async def check(self) -> DependencyStatus:
        return DependencyStatus(self.name, DependencyState.NOT_CONFIGURED, False, self._detail)


class ConfiguredCheck:
    """An optional integration that is configured but has no live probe yet."""

    required = False

    def __init__(self, name: str, detail: str) -> None:
        self.name = name
        self._detail = detail

    async def check(self) -> DependencyStatus:
        return DependencyStatus(self.name, DependencyState.UP, False, self._detail)
