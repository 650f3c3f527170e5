from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringError, PasswordDeleteError

from tbot.application.ports.secrets import SecretStoreStatus

_HOW_TO_FIX = (
    "no working OS keyring backend. On Windows Server the Credential Manager works as is; "
    "on Linux install and unlock a Secret Service (gnome-keyring) or, for development, "
    "`pip install keyrings.alt` and set TBOT_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring"
)


class KeyringSecretStore:
    """Secrets under one keyring service name. Keyring calls block (D-Bus, Win32), so they
    run in a thread."""

    def __init__(self, backend: KeyringBackend, *, service: str = "tbot") -> None:
        self._backend = backend
        self._service = service

    def status(self) -> SecretStoreStatus:
        name = f"{type(self._backend).__module__}.{type(self._backend).__name__}"
        if isinstance(self._backend, fail.Keyring) or self._backend.priority <= 0:
            return SecretStoreStatus(False, name, _HOW_TO_FIX)
        return SecretStoreStatus(True, name)

    async def get(self, name: str) -> str | None:
        return await asyncio.to_thread(self._backend.get_password, self._service, name)

    async def set(self, name: str, value: str) -> None:
        await asyncio.to_thread(self._backend.set_password, self._service, name, value)

    async def delete(self, name: str) -> bool:
        try:
            await asyncio.to_thread(self._backend.delete_password, self._service, name)
        except PasswordDeleteError:
            return False
        return True


def load_backend(dotted: str = "", file_path: str = "") -> KeyringBackend:
    """The backend named in configuration (tests and development use a file backend in a
    folder of their own), else whatever the keyring library recommends for this OS."""
    if not dotted:
        try:
            return keyring.get_keyring()
        except KeyringError:
            return fail.Keyring()  # type: ignore[no-untyped-call]
    module_name, _, class_name = dotted.rpartition(".")
    backend_class = getattr(importlib.import_module(module_name), class_name)
    backend: KeyringBackend = backend_class()
    if file_path and hasattr(backend, "file_path"):
        # keyrings.alt file backends read the path from this attribute
        Path(file_path).parent.mkdir(parents=True, exist_ok=True)
        backend.file_path = file_path
    return backend
