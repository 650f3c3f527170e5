from __future__ import annotations

from dataclasses import asdict, dataclass

from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.audit import AuditFilter
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission

MAX_PAGE = 500
MAX_EXPORT = 100_000


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: list[AuditEvent]
    next_cursor: int | None


def _filter_for_audit(where: AuditFilter) -> dict[str, str]:
    return {k: str(v) for k, v in asdict(where).items() if v is not None}


class BrowseAudit:
    """Auditors and admins read the log; the reading itself is recorded."""

    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(
        self, where: AuditFilter, caller: Caller, *, cursor: int | None = None, limit: int = 100
    ) -> AuditPage:
        self._authorizer.require(caller, Permission.AUDIT_READ)
        _check_range(where)
        size = min(max(limit, 1), MAX_PAGE)
        async with self._uow:
            events = await self._uow.audit.search(where, before_id=cursor, limit=size + 1)
            page, more = events[:size], len(events) > size
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="audit.read",
                    target_type="audit_log",
                    target_id="*",
                    after={
                        "filter": _filter_for_audit(where),
                        "cursor": cursor,
                        "count": len(page),
                    },
                )
            )
            await self._uow.commit()
        return AuditPage(page, page[-1].id if more and page else None)


class ExportAudit:
    """Every matching event (up to MAX_EXPORT), newest first, for a CSV or xlsx download."""

    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(self, where: AuditFilter, caller: Caller, fmt: str) -> list[AuditEvent]:
        self._authorizer.require(caller, Permission.AUDIT_READ)
        _check_range(where)
        async with self._uow:
            events = await self._uow.audit.search(where, limit=MAX_EXPORT + 1)
            if len(events) > MAX_EXPORT:
                raise ValidationFailed(
                    {"filter": f"more than {MAX_EXPORT} events; narrow the time range"}
                )
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="audit.export",
                    target_type="audit_log",
                    target_id="*",
                    after={"filter": _filter_for_audit(where), "format": fmt, "count": len(events)},
                )
            )
            await self._uow.commit()
        return events


def _check_range(where: AuditFilter) -> None:
    if where.since and where.until and where.since >= where.until:
        raise ValidationFailed({"since": "must be before until"})
