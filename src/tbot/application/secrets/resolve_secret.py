from __future__ import annotations

from dataclasses import dataclass

from tbot.application.ports.secrets import EnvironmentSource, SecretStore
from tbot.application.settings.resolved import Source
from tbot.domain.settings import secret_spec


@dataclass(frozen=True, slots=True)
class ResolvedSecret:
    name: str
    value: str | None
    source: Source | None


class ResolveSecret:
    """The keyring first; the environment only in development, where it is said at start."""

    def __init__(self, store: SecretStore, environment: EnvironmentSource) -> None:
        self._store = store
        self._environment = environment

    async def __call__(self, name: str) -> ResolvedSecret:
        secret_spec(name)
        if self._store.status().available:
            value = await self._store.get(name)
            if value:
                return ResolvedSecret(name, value, Source.KEYRING)
        if self._environment.is_development:
            value = self._environment.get(name)
            if value:
                return ResolvedSecret(name, value, Source.ENVIRONMENT)
        return ResolvedSecret(name, None, None)
