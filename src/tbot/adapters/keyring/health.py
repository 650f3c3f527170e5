from __future__ import annotations

from tbot.adapters.keyring.secret_store import KeyringSecretStore
from tbot.application.ports.health import DependencyState, DependencyStatus


class KeyringHealthCheck:
    """Reported, not required: a node runs without secrets (no bot, no SMTP)."""

    name = "keyring"
    required = False

    def __init__(self, store: KeyringSecretStore) -> None:
        self._store = store

    async def check(self) -> DependencyStatus:
        status = self._store.status()
        if status.available:
            return DependencyStatus(self.name, DependencyState.UP, self.required, status.backend)
        return DependencyStatus(self.name, DependencyState.DOWN, self.required, status.detail)
