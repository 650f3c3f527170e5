from __future__ import annotations

from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.application.settings.resolved import ResolvedSetting
from tbot.application.settings.resolver import SettingsResolver
from tbot.domain.settings import setting_spec


class GetSetting:
    def __init__(self, uow: UnitOfWork, resolver: SettingsResolver) -> None:
        self._uow = uow
        self._resolver = resolver

    async def __call__(self, name: str) -> ResolvedSetting:
        setting_spec(name)  # refuses secrets and unknown names with a clear error
        async with self._uow:
            stored = await self._uow.settings.list()
        return (await self._resolver.resolve(stored))[name]
