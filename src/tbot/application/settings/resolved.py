from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tbot.domain.settings import SettingValue


class Source(StrEnum):
    DATABASE = "database"
    KEYRING = "keyring"
    ENVIRONMENT = "environment"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class ResolvedSetting:
    name: str
    value: SettingValue
    source: Source
    description: str
    version: int | None = None
    restart_required: bool = False
    # A value found in some layer but unusable (so a lower layer applies), said to the operator.
    problem: str = ""
