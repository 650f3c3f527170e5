"""Finds the effective value of every setting across the layers, highest first."""

from __future__ import annotations

from dataclasses import replace

from tbot.application.ports.secrets import EnvironmentSource, SecretStore
from tbot.application.ports.settings import StoredSetting
from tbot.application.settings.resolved import ResolvedSetting, Source
from tbot.domain.errors import ValidationFailed
from tbot.domain.settings import SETTINGS, SettingSpec


class SettingsResolver:
    """Database, then keyring, then environment (development only), then the default.

    A value that does not parse is skipped, not fatal: a typo in `.env` must not stop the
    node, nor stop the operator from fixing it through the database layer. The skipped value
    is reported on the setting (`problem`) and by `tbot up`."""

    def __init__(self, secrets: SecretStore, environment: EnvironmentSource) -> None:
        self._secrets = secrets
        self._environment = environment

    async def resolve(self, stored: list[StoredSetting]) -> dict[str, ResolvedSetting]:
        by_name = {row.name: row for row in stored}
        keyring_usable = self._secrets.status().available
        resolved: dict[str, ResolvedSetting] = {}
        for spec in SETTINGS:
            row = by_name.get(spec.name)
            resolved[spec.name] = await self._resolve_one(spec, row, keyring_usable)
        return resolved

    async def _resolve_one(
        self, spec: SettingSpec, stored: StoredSetting | None, keyring_usable: bool
    ) -> ResolvedSetting:
        candidates: list[tuple[Source, object, int | None]] = []
        if stored is not None:
            candidates.append((Source.DATABASE, stored.value, stored.version))
        if keyring_usable and (from_keyring := await self._secrets.get(spec.name)) is not None:
            candidates.append((Source.KEYRING, from_keyring, None))
        if self._environment.is_development and (from_env := self._environment.get(spec.name)):
            candidates.append((Source.ENVIRONMENT, from_env, None))
        problems: list[str] = []
        for source, raw, version in candidates:
            try:
                value = spec.parse(raw)
            except ValidationFailed as error:
                problems.append(f"{source.value} value {raw!r} ignored: {error.errors[spec.name]}")
                continue
            return replace(self._make(spec, value, source, version), problem="; ".join(problems))
        return replace(
            self._make(spec, spec.default, Source.DEFAULT, None), problem="; ".join(problems)
        )

    @staticmethod
    def _make(
        spec: SettingSpec, value: object, source: Source, version: int | None
    ) -> ResolvedSetting:
        return ResolvedSetting(
            name=spec.name,
            value=spec.parse(value),
            source=source,
            description=spec.description,
            version=version,
            restart_required=spec.restart_required,
        )
