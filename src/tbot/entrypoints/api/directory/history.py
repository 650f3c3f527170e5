"""The history page every directory record has."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from tbot.application.directory.get_history import GetHistory
from tbot.domain.identity.caller import Caller
from tbot.entrypoints.api.directory.schemas import HistoryEntryOut, HistoryPageOut

Cursor = Annotated[int | None, QueryParameter(ge=1)]
HistoryLimit = Annotated[int, QueryParameter(ge=1, le=500)]


async def history_page(
    get_history: GetHistory,
    entity: str,
    entity_id: int,
    caller: Caller,
    cursor: int | None,
    limit: int,
) -> HistoryPageOut:
    page = await get_history(entity, entity_id, caller, cursor=cursor, limit=limit)
    return HistoryPageOut([HistoryEntryOut.of(e) for e in page.items], page.next_cursor)
