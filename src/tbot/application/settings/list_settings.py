from __future__ import annotations

from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.application.settings.resolved import ResolvedSetting
from tbot.application.settings.resolver import SettingsResolver


class ListSettings:
    """Every setting with its effective value and the layer it comes from."""

    def __init__(self, uow: UnitOfWork, resolver: SettingsResolver) -> None:
        self._uow = uow
        self._resolver = resolver

    async def __call__(self) -> list[ResolvedSetting]:
        async with self._uow:
            stored = await self._uow.settings.list()
        return list((await self._resolver.resolve(stored)).values())
