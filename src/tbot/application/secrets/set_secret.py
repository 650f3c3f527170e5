from __future__ import annotations

from tbot.application.ports.secrets import SecretStore
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.actor import Actor
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import ValidationFailed
from tbot.domain.settings import secret_spec


class SetSecret:
    """Stores a secret in the keyring; the audit row records that it changed, not its value."""

    def __init__(self, uow: UnitOfWork, store: SecretStore) -> None:
        self._uow = uow
        self._store = store

    async def __call__(self, name: str, value: str, actor: Actor) -> None:
        secret_spec(name)
        if not value.strip():
            raise ValidationFailed({name: "must not be empty"})
        _require_available(self._store, name)
        async with self._uow:
            existed = await self._store.get(name) is not None
            await self._uow.audit.add(
                AuditEvent(
                    actor=actor,
                    action="secret.set",
                    target_type="secret",
                    target_id=name,
                    before={"set": existed},
                    after={"set": True},
                )
            )
            # The keyring write comes last: if it fails, the audit row is rolled back with it.
            await self._store.set(name, value.strip())
            await self._uow.commit()


class DeleteSecret:
    def __init__(self, uow: UnitOfWork, store: SecretStore) -> None:
        self._uow = uow
        self._store = store

    async def __call__(self, name: str, actor: Actor) -> bool:
        secret_spec(name)
        _require_available(self._store, name)
        if await self._store.get(name) is None:
            return False  # nothing changed, nothing to record
        async with self._uow:
            await self._uow.audit.add(
                AuditEvent(
                    actor=actor,
                    action="secret.delete",
                    target_type="secret",
                    target_id=name,
                    before={"set": True},
                    after={"set": False},
                )
            )
            removed = await self._store.delete(name)
            await self._uow.commit()
        return removed


def _require_available(store: SecretStore, name: str) -> None:
    status = store.status()
    if not status.available:
        raise ValidationFailed({name: f"no usable keyring: {status.detail}"})
