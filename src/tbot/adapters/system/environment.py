from __future__ import annotations

from collections.abc import Mapping


class EnvironmentVariables:
    """`TBOT_<NAME>` from the process environment merged over `.env` (the caller loads it)."""

    def __init__(
        self, values: Mapping[str, str], *, development: bool, prefix: str = "TBOT_"
    ) -> None:
        self._values = dict(values)
        self._development = development
        self._prefix = prefix

    def get(self, name: str) -> str | None:
        return self._values.get(f"{self._prefix}{name.upper()}")

    @property
    def is_development(self) -> bool:
        return self._development

    def used(self, names: list[str]) -> list[str]:
        """Which of these names the environment sets: said loudly at start."""
        return [name for name in names if self.get(name) is not None]
