from __future__ import annotations

from dataclasses import dataclass

from tbot.application.secrets.masking import mask
from tbot.application.secrets.resolve_secret import ResolveSecret
from tbot.application.settings.resolved import Source
from tbot.domain.settings import SECRETS


@dataclass(frozen=True, slots=True)
class SecretInfo:
    name: str
    description: str
    is_set: bool
    source: Source | None
    masked: str


class ListSecrets:
    """Names and masked values; a value itself is never shown."""

    def __init__(self, resolve: ResolveSecret) -> None:
        self._resolve = resolve

    async def __call__(self) -> list[SecretInfo]:
        infos = []
        for spec in SECRETS:
            found = await self._resolve(spec.name)
            infos.append(
                SecretInfo(
                    name=spec.name,
                    description=spec.description,
                    is_set=found.value is not None,
                    source=found.source,
                    masked=mask(found.value) if found.value else "",
                )
            )
        return infos
