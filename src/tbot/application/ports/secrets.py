from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SecretStoreStatus:
    available: bool
    backend: str
    detail: str = ""


class SecretStore(Protocol):
    """Where secrets live: the OS keyring in production."""

    def status(self) -> SecretStoreStatus: ...

    async def get(self, name: str) -> str | None: ...

    async def set(self, name: str, value: str) -> None: ...

    async def delete(self, name: str) -> bool: ...


class EnvironmentSource(Protocol):
    """Values from the process environment and `.env` (development only)."""

    def get(self, name: str) -> str | None: ...

    @property
    def is_development(self) -> bool: ...
