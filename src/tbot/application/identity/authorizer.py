from __future__ import annotations

from tbot.domain.errors import PermissionDenied
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission


class Authorizer:
    """The one place that decides. Entrypoints and use cases ask it; nothing else checks
    permissions on its own."""

    def require(self, caller: Caller, permission: Permission) -> None:
        if not caller.principal.can(permission):
            raise PermissionDenied(permission.value, caller.principal.name)

    def allows(self, caller: Caller, permission: Permission) -> bool:
        return caller.principal.can(permission)
