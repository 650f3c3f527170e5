from __future__ import annotations

from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.actor import Actor
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import NotFound
from tbot.domain.settings import setting_spec


class ResetSetting:
    """Removes the database value so the keyring, environment or default applies again."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, name: str, actor: Actor, expected_version: int | None = None) -> None:
        setting_spec(name)
        async with self._uow:
            removed = await self._uow.settings.delete(name, expected_version=expected_version)
            if removed is None:
                raise NotFound("stored setting", name)
            await self._uow.audit.add(
                AuditEvent(
                    actor=actor,
                    action="setting.reset",
                    target_type="setting",
                    target_id=name,
                    before={"value": removed.value, "version": removed.version},
                )
            )
            await self._uow.commit()
