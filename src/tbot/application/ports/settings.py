from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tbot.domain.settings import SettingValue


@dataclass(frozen=True, slots=True)
class StoredSetting:
    """A setting as kept in the database layer, with the version used for optimistic locking."""

    name: str
    value: SettingValue
    version: int
    updated_at: datetime
    updated_by: str


class SettingsRepository(Protocol):
    async def get(self, name: str) -> StoredSetting | None: ...

    async def list(self) -> list[StoredSetting]: ...

    async def put(
        self, name: str, value: SettingValue, *, expected_version: int | None, by: str
    ) -> StoredSetting:
        """Insert or update. With `expected_version` the row must still have that version
        (0 means "must not exist yet"); otherwise Conflict is raised."""
        ...

    async def delete(self, name: str, *, expected_version: int | None) -> StoredSetting | None: ...
