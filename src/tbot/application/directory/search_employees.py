from __future__ import annotations

from dataclasses import dataclass, field, replace

from tbot.application.directory.access import as_seen_by, sees_network
from tbot.application.directory.query_parser import could_be_name, name_plan, parse_query
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.directory import (
    DirectorySearch,
    EmployeeFilter,
    SearchHit,
    SearchKind,
    SearchPlan,
)
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission

# Queries that ask where a machine is: only for callers who may see the network.
_NETWORK_KINDS = frozenset({SearchKind.IP, SearchKind.IP_PREFIX, SearchKind.CIDR, SearchKind.MAC})


@dataclass(frozen=True, slots=True)
class EmployeeSearch:
    text: str
    where: EmployeeFilter = field(default_factory=EmployeeFilter)
    limit: int = 20
    after: tuple[float, int] | None = None  # the previous page's `next_cursor`


@dataclass(frozen=True, slots=True)
class SearchResult:
    kind: SearchKind  # how the query was read, for the user's eye ("searched by phone")
    hits: list[SearchHit]
    next_cursor: tuple[float, int] | None


class SearchEmployees:
    """The search box. A host-name-looking query that finds nothing, or that comes from a
    caller who may not search by host name, is tried as a name ("ivanov-petrov")."""

    def __init__(self, search: DirectorySearch, authorizer: Authorizer) -> None:
        self._search = search
        self._authorizer = authorizer

    async def __call__(self, query: EmployeeSearch, caller: Caller) -> SearchResult:
        self._authorizer.require(caller, Permission.DIRECTORY_READ)
        plan = parse_query(query.text, query.where, query.limit, query.after)
        network = sees_network(self._authorizer, caller)
        if plan.kind in _NETWORK_KINDS and not network:
            self._authorizer.require(caller, Permission.DIRECTORY_NETWORK)
        if plan.kind is SearchKind.HOSTNAME and not network:
            plan = self._as_name(query)
        hits = await self._run(plan)
        if not hits and plan.kind is SearchKind.HOSTNAME and could_be_name(query.text):
            plan = self._as_name(query)
            hits = await self._run(plan)
        page = hits[: plan.limit]
        more = len(hits) > plan.limit and bool(page)
        last = page[-1] if page else None
        cursor = (last.score, last.employee.id or 0) if more and last else None
        shown = page if network else [self._hidden(hit, caller) for hit in page]
        return SearchResult(plan.kind, shown, cursor)

    def _hidden(self, hit: SearchHit, caller: Caller) -> SearchHit:
        """The hit without what the caller may not see (a copy only when something is)."""
        employee = as_seen_by(hit.employee, self._authorizer, caller)
        return hit if employee is hit.employee else replace(hit, employee=employee)

    def _as_name(self, query: EmployeeSearch) -> SearchPlan:
        return name_plan(query.text, query.where, query.limit, query.after)

    async def _run(self, plan: SearchPlan) -> list[SearchHit]:
        """One more hit than asked for: it only says that another page follows."""
        return await self._search.search(replace(plan, limit=plan.limit + 1))
