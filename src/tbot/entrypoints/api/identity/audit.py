from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Annotated, Literal

from litestar import Response, Router, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from tbot.adapters.excel.workbook import CellValue, rows_to_xlsx
from tbot.application.identity.browse_audit import BrowseAudit, ExportAudit
from tbot.application.ports.audit import AuditFilter
from tbot.domain.audit import AuditEvent
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.entrypoints.api.identity.schemas import AuditEventOut, AuditPageOut
from tbot.entrypoints.api.responses import GUARDED, errors
from tbot.entrypoints.api.security import needs

READ = needs(Permission.AUDIT_READ)
COLUMNS = (
    "id", "at", "actor", "actor_user_id", "channel", "action", "target_type", "target_id",
    "before", "after", "request_id", "node",
)  # fmt: skip
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Text = Annotated[str | None, QueryParameter(max_length=200)]
Moment = Annotated[datetime | None, QueryParameter()]


def audit_filter(
    actor: Text = None,
    action: Text = None,
    target_type: Text = None,
    target_id: Text = None,
    channel: Text = None,
    since: Moment = None,
    until: Moment = None,
) -> AuditFilter:
    """The query string's filters, shared by browsing and export."""
    return AuditFilter(actor, action, target_type, target_id, channel, since, until)


FILTER = {"where": Provide(audit_filter, sync_to_thread=False)}


@get(
    "/",
    opt=READ,
    dependencies=FILTER,
    summary="Browse the audit log, newest first",
    description="Filters combine; pass `next_cursor` as `cursor` for the next page. "
    "Reading is itself audited.",
    responses=errors(*GUARDED, 422),
)
async def list_events(
    where: NamedDependency[AuditFilter],
    caller: NamedDependency[Caller],
    browse_audit: NamedDependency[BrowseAudit],
    cursor: Annotated[int | None, QueryParameter(ge=1)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> AuditPageOut:
    page = await browse_audit(where, caller, cursor=cursor, limit=limit)
    return AuditPageOut([AuditEventOut.of(e) for e in page.events], page.next_cursor)


@get(
    "/export",
    opt=READ,
    dependencies=FILTER,
    summary="Export matching audit events as CSV or xlsx",
    responses=errors(*GUARDED, 422),
    media_type="text/csv",
)
async def export_events(
    where: NamedDependency[AuditFilter],
    caller: NamedDependency[Caller],
    export_audit: NamedDependency[ExportAudit],
    fmt: Annotated[Literal["csv", "xlsx"], QueryParameter(name="format")] = "csv",
) -> Response[bytes]:
    events = await export_audit(where, caller, fmt)
    rows = [_row(e) for e in events]
    if fmt == "xlsx":
        body, media = rows_to_xlsx("audit", COLUMNS, rows), XLSX
    else:
        body, media = _csv(rows), "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="tbot-audit.{fmt}"'},
    )


def _row(event: AuditEvent) -> list[CellValue]:
    def as_json(value: object) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)

    return [
        event.id,
        event.at.isoformat() if event.at else None,
        event.actor.name,
        event.actor.user_id,
        event.actor.channel.value,
        event.action,
        event.target_type,
        event.target_id,
        as_json(event.before),
        as_json(event.after),
        event.actor.request_id,
        event.node,
    ]


def _csv(rows: list[list[CellValue]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    # BOM: Excel opens UTF-8 CSV with Cyrillic correctly only with it.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


router = Router("/api/v1/audit", route_handlers=[list_events, export_events], tags=["audit"])
