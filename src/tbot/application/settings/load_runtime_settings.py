from __future__ import annotations

from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.application.settings.resolver import SettingsResolver
from tbot.domain.settings import RuntimeSettings


class LoadRuntimeSettings:
    """The typed, effective settings a node runs with."""

    def __init__(self, uow: UnitOfWork, resolver: SettingsResolver) -> None:
        self._uow = uow
        self._resolver = resolver

    async def __call__(self) -> RuntimeSettings:
        async with self._uow:
            stored = await self._uow.settings.list()
        resolved = await self._resolver.resolve(stored)
        return RuntimeSettings.from_values({name: r.value for name, r in resolved.items()})
