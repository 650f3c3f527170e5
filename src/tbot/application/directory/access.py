"""Who may see what of the directory. Workstations and addresses tell where a colleague's PC
is, so they are shown only to callers with directory.network."""

from __future__ import annotations

from dataclasses import replace

from tbot.application.identity.authorizer import Authorizer
from tbot.domain.directory.model import Employee
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission


def sees_network(authorizer: Authorizer, caller: Caller) -> bool:
    return authorizer.allows(caller, Permission.DIRECTORY_NETWORK)


def as_seen_by(employee: Employee, authorizer: Authorizer, caller: Caller) -> Employee:
    """The employee without workstation ids for a caller who may not see them."""
    if employee.workstation_ids and not sees_network(authorizer, caller):
        return replace(employee, workstation_ids=())
    return employee
