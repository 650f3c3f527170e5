from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, Update, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tbot.adapters.postgres.tables import settings
from tbot.application.ports.settings import StoredSetting
from tbot.domain.errors import Conflict
from tbot.domain.settings import SettingValue


class PostgresSettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, name: str) -> StoredSetting | None:
        row = (
            (await self._session.execute(select(settings).where(settings.c.name == name)))
            .mappings()
            .first()
        )
        return _stored(row) if row else None

    async def list(self) -> list[StoredSetting]:
        rows = (await self._session.execute(select(settings).order_by(settings.c.name))).mappings()
        return [_stored(row) for row in rows]

    async def put(
        self, name: str, value: SettingValue, *, expected_version: int | None, by: str
    ) -> StoredSetting:
        statement: Insert | Update
        if expected_version is None:
            statement = (
                pg_insert(settings)
                .values(name=name, value=value, version=1, updated_by=by)
                .on_conflict_do_update(
                    index_elements=[settings.c.name],
                    set_={
                        "value": value,
                        "version": settings.c.version + 1,
                        "updated_at": func.now(),
                        "updated_by": by,
                    },
                )
            )
        elif expected_version == 0:
            statement = (
                pg_insert(settings)
                .values(name=name, value=value, version=1, updated_by=by)
                .on_conflict_do_nothing(index_elements=[settings.c.name])
            )
        else:
            statement = (
                update(settings)
                .where(settings.c.name == name, settings.c.version == expected_version)
                .values(
                    value=value,
                    version=settings.c.version + 1,
                    updated_at=func.now(),
                    updated_by=by,
                )
            )
        row = (await self._session.execute(statement.returning(*settings.c))).mappings().first()
        if row is None:
            raise Conflict(
                f"setting {name!r} was changed by someone else (expected version "
                f"{expected_version}); reload and try again"
            )
        return _stored(row)

    async def delete(self, name: str, *, expected_version: int | None) -> StoredSetting | None:
        statement = delete(settings).where(settings.c.name == name)
        if expected_version is not None:
            statement = statement.where(settings.c.version == expected_version)
        row = (await self._session.execute(statement.returning(*settings.c))).mappings().first()
        if row is None and expected_version is not None and await self.get(name) is not None:
            raise Conflict(f"setting {name!r} was changed by someone else; reload and try again")
        return _stored(row) if row else None


def _stored(row: Any) -> StoredSetting:
    return StoredSetting(
        name=row["name"],
        value=row["value"],
        version=row["version"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
