"""The bot's search box: the directory search, audited as the sensitive read it is. The audit
row names the employees whose details the user was shown (not the words typed: those are
kept only where `telegram_log_text` allows), in the update's own transaction."""

from __future__ import annotations

from tbot.application.directory.search_employees import (
    EmployeeSearch,
    SearchEmployees,
    SearchResult,
)
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.identity.caller import Caller

SEARCHED = "directory.searched"


class SearchDirectory:
    def __init__(self, search: SearchEmployees, uow: UnitOfWork) -> None:
        self._search = search
        self._uow = uow

    async def __call__(self, query: EmployeeSearch, caller: Caller) -> SearchResult:
        result = await self._search(query, caller)
        shown = [hit.employee.id for hit in result.hits]
        async with self._uow:
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action=SEARCHED,
                    target_type="employee",
                    target_id=",".join(str(i) for i in shown) or "-",
                    after={
                        "kind": result.kind.value,
                        "shown": shown,
                        "next_page": query.after is not None,
                    },
                )
            )
            await self._uow.commit()
        return result
