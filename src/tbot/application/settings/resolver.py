"""Finds the effective value of every setting across the layers, highest first."""

from __future__ import annotations

from tbot.application.ports.secrets import EnvironmentSource, SecretStore
from tbot.application.ports.settings import StoredSetting
from tbot.application.settings.resolved import ResolvedSetting, Source
from tbot.domain.errors import ValidationFailed
from tbot.domain.settings import SETTINGS, SettingSpec


class SettingsResolver:
    def __init__(self, secrets: SecretStore, environment: EnvironmentSource) -> None:
        self._secrets = secrets
        self._environment = environment

    async def resolve(self, stored: list[StoredSetting]) -> dict[str, ResolvedSetting]:
        by_name = {row.name: row for row in stored}
        keyring_usable = self._secrets.status().available
        resolved: dict[str, ResolvedSetting] = {}
        for spec in SETTINGS:
            resolved[spec.name] = await self._resolve_one(
                spec, by_name.get(spec.name), keyring_usable
            )
        return resolved

    async def _resolve_one(
        self, spec: SettingSpec, stored: StoredSetting | None, keyring_usable: bool
    ) -> ResolvedSetting:
        if stored is not None:
            return self._make(spec, stored.value, Source.DATABASE, stored.version)
        if keyring_usable:
            raw = await self._secrets.get(spec.name)
            if raw is not None:
                return self._make(spec, self._parse(spec, raw, "keyring"), Source.KEYRING)
        raw = self._environment.get(spec.name)
        if raw is not None:
            return self._make(spec, self._parse(spec, raw, "environment"), Source.ENVIRONMENT)
        return self._make(spec, spec.default, Source.DEFAULT)

    @staticmethod
    def _parse(spec: SettingSpec, raw: str, layer: str) -> object:
        try:
            return spec.parse(raw)
        except ValidationFailed as error:
            raise ValidationFailed(error.errors, f"bad value in the {layer}") from None

    @staticmethod
    def _make(
        spec: SettingSpec, value: object, source: Source, version: int | None = None
    ) -> ResolvedSetting:
        return ResolvedSetting(
            name=spec.name,
            value=spec.parse(value),
            source=source,
            description=spec.description,
            version=version,
            restart_required=spec.restart_required,
        )
