from __future__ import annotations

import re
from dataclasses import dataclass

from tbot.domain.errors import ValidationFailed
from tbot.domain.identity.permissions import Permission

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    permissions: frozenset[Permission]
    description: str = ""
    builtin: bool = False

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValidationFailed(
                {"name": "2-40 characters: lowercase letters, digits, underscore; a letter first"}
            )


P = Permission
BUILTIN_ROLES: tuple[Role, ...] = (
    Role(
        "employee",
        frozenset({P.DIRECTORY_READ, P.TICKETS_CREATE}),
        "Every verified employee: finds colleagues, files tickets.",
        builtin=True,
    ),
    Role(
        "it_staff",
        frozenset(
            {
                P.DIRECTORY_READ,
                P.DIRECTORY_WRITE,
                P.DIRECTORY_NETWORK,
                P.SERVERS_READ,
                P.SERVERS_WRITE,
                P.TICKETS_CREATE,
                P.TICKETS_READ_ALL,
                P.SETTINGS_READ,
            }
        ),
        "IT department: keeps the directory and the servers.",
        builtin=True,
    ),
    Role("admin", frozenset(Permission), "Everything, including users and settings.", builtin=True),
    Role(
        "auditor",
        frozenset({P.AUDIT_READ, P.DIRECTORY_READ, P.SETTINGS_READ}),
        "Reads the audit log; changes nothing.",
        builtin=True,
    ),
)
BUILTIN_ROLE_NAMES = frozenset(role.name for role in BUILTIN_ROLES)
