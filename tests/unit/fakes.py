"""In-memory fakes of the ports, faithful to their contracts (rollback unless committed)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

from tbot.application.ports.cluster import NodeBeat
from tbot.application.ports.secrets import SecretStoreStatus
from tbot.application.ports.settings import StoredSetting
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import Conflict
from tbot.domain.settings import SettingValue


@dataclass
class _State:
    settings: dict[str, StoredSetting] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    nodes: dict[str, NodeBeat] = field(default_factory=dict)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        self.mono = 1000.0

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)
        self.mono += seconds


class FakeSettingsRepository:
    def __init__(self, state: _State, clock: FakeClock) -> None:
        self._state = state
        self._clock = clock

    async def get(self, name: str) -> StoredSetting | None:
        return self._state.settings.get(name)

    async def list(self) -> list[StoredSetting]:
        return sorted(self._state.settings.values(), key=lambda s: s.name)

    async def put(
        self, name: str, value: SettingValue, *, expected_version: int | None, by: str
    ) -> StoredSetting:
        current = self._state.settings.get(name)
        current_version = current.version if current else 0
        if expected_version is not None and expected_version != current_version:
            raise Conflict(f"setting {name!r} was changed by someone else")
        row = StoredSetting(name, value, current_version + 1, self._clock.now(), by)
        self._state.settings[name] = row
        return row

    async def delete(self, name: str, *, expected_version: int | None) -> StoredSetting | None:
        current = self._state.settings.get(name)
        if current is None:
            return None
        if expected_version is not None and current.version != expected_version:
            raise Conflict(f"setting {name!r} was changed by someone else")
        return self._state.settings.pop(name)


class FakeAuditLog:
    def __init__(self, state: _State) -> None:
        self._state = state

    async def add(self, event: AuditEvent) -> None:
        self._state.audit.append(event)

    async def recent(self, limit: int = 50) -> list[AuditEvent]:
        return list(reversed(self._state.audit))[:limit]


class FakeNodeRepository:
    def __init__(self, state: _State) -> None:
        self._state = state

    async def beat(self, beat: NodeBeat) -> None:
        self._state.nodes[beat.node_id] = beat

    async def list(self) -> list[NodeBeat]:
        return sorted(self._state.nodes.values(), key=lambda b: b.node_id)


class FakeUnitOfWork:
    """Works on a copy of the committed state; `commit()` publishes it, leaving drops it."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.committed_state = _State()
        self.clock = clock or FakeClock()
        self.commits = 0

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self.committed_state)
        self.settings = FakeSettingsRepository(self._working, self.clock)
        self.audit = FakeAuditLog(self._working)
        self.nodes = FakeNodeRepository(self._working)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self._working

    async def commit(self) -> None:
        self.committed_state = copy.deepcopy(self._working)
        self.commits += 1

    async def rollback(self) -> None:
        self._working = copy.deepcopy(self.committed_state)


class FakeSecretStore:
    def __init__(self, available: bool = True) -> None:
        self.values: dict[str, str] = {}
        self.available = available

    def status(self) -> SecretStoreStatus:
        if self.available:
            return SecretStoreStatus(True, "fake")
        return SecretStoreStatus(False, "fake", "no keyring in this test")

    async def get(self, name: str) -> str | None:
        return self.values.get(name)

    async def set(self, name: str, value: str) -> None:
        self.values[name] = value

    async def delete(self, name: str) -> bool:
        return self.values.pop(name, None) is not None


class FakeEnvironment:
    """Keyed like the real process environment: TBOT_<NAME>."""

    def __init__(self, values: dict[str, str] | None = None, development: bool = True) -> None:
        self.values = values or {}
        self.development = development

    def get(self, name: str) -> str | None:
        return self.values.get(f"TBOT_{name.upper()}")

    @property
    def is_development(self) -> bool:
        return self.development
