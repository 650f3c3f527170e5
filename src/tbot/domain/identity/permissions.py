from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    """Named capabilities. Roles grant them; every entrypoint asks the Authorizer for one."""

    DIRECTORY_READ = "directory.read"
    DIRECTORY_WRITE = "directory.write"
    # Workstations and IP addresses: not every employee may see where a colleague's PC is.
    DIRECTORY_NETWORK = "directory.network"
    SERVERS_READ = "servers.read"
    SERVERS_WRITE = "servers.write"
    SETTINGS_READ = "settings.read"
    SETTINGS_WRITE = "settings.write"
    AUDIT_READ = "audit.read"
    USERS_MANAGE = "users.manage"
    TOKENS_MANAGE = "tokens.manage"
    TICKETS_CREATE = "tickets.create"
    TICKETS_READ_ALL = "tickets.read_all"


def parse_permissions(names: object) -> frozenset[Permission]:
    """Permissions from their names; unknown names are an error, never silently dropped."""
    from tbot.domain.errors import ValidationFailed

    if not isinstance(names, list | tuple | set | frozenset):
        raise ValidationFailed({"permissions": "expected a list of permission names"})
    known = {p.value: p for p in Permission}
    unknown = sorted(str(n) for n in names if n not in known)
    if unknown:
        raise ValidationFailed({"permissions": f"unknown permission(s): {', '.join(unknown)}"})
    return frozenset(known[str(n)] for n in names)
