from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tbot.application.ports.settings import StoredSetting
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.actor import Actor
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import DomainError, ValidationFailed
from tbot.domain.settings import SettingValue, setting_spec


@dataclass(frozen=True, slots=True)
class SettingChange:
    name: str
    value: object
    # The version the editor saw; None skips the check (CLI), 0 means "not stored yet".
    expected_version: int | None = None


class ChangeSettings:
    """Stores one or more settings in the database layer, all or nothing, each audited."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, changes: Sequence[SettingChange], actor: Actor) -> list[StoredSetting]:
        values = _validate(changes)
        stored: list[StoredSetting] = []
        async with self._uow:
            for change, value in zip(changes, values, strict=True):
                stored.append(await self._apply(change, value, actor))
            await self._uow.commit()
        return stored

    async def _apply(
        self, change: SettingChange, value: SettingValue, actor: Actor
    ) -> StoredSetting:
        before = await self._uow.settings.get(change.name)
        row = await self._uow.settings.put(
            change.name, value, expected_version=change.expected_version, by=actor.name
        )
        await self._uow.audit.add(
            AuditEvent(
                actor=actor,
                action="setting.change",
                target_type="setting",
                target_id=change.name,
                before={"value": before.value, "version": before.version} if before else None,
                after={"value": row.value, "version": row.version},
            )
        )
        return row


def _validate(changes: Sequence[SettingChange]) -> list[SettingValue]:
    """Checks every change before anything is written, reporting all bad fields at once."""
    errors: dict[str, str] = {}
    values: list[SettingValue] = []
    for change in changes:
        try:
            values.append(setting_spec(change.name).parse(change.value))
        except ValidationFailed as error:
            errors.update(error.errors)
        except DomainError as error:
            errors[change.name] = error.message
    if errors:
        raise ValidationFailed(errors, "settings not changed")
    return values
