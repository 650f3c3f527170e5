from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from tbot.adapters.postgres.tables import audit_log
from tbot.application.ports.audit import AuditFilter
from tbot.container import Container
from tbot.domain.actor import Actor, Channel
from tbot.domain.audit import AuditEvent

T0 = datetime(2020, 3, 1, 9, 0, tzinfo=UTC)

# label: (minute after T0, actor, action, target_type, target_id, channel). Listed in the
# order they are inserted, which is not the order of their time: "late" commits last but
# happened first, as when a long transaction finishes after shorter ones.
EVENTS = {
    "create": (1, "admin", "user.create", "user", "1", "api"),
    "rename": (2, "admin", "user.update", "user", "1", "api"),
    "ticket": (3, "ivan", "ticket.create", "ticket", "77", "bot"),
    "smtp": (4, "system", "setting.change", "setting", "smtp_port", "system"),
    "promote": (4, "admin", "user.update", "user", "2", "api"),
    "lookup": (4, "ivan", "directory.read", "employee", "1", "bot"),
    "audit": (5, "auditor", "audit.read", "audit", "*", "api"),
    "token": (6, "admin", "token.create", "api_token", "3", "cli"),
    "ticket2": (7, "ivan", "ticket.create", "ticket", "78", "bot"),
    "disable": (8, "admin", "user.update", "user", "1", "worker"),
    "late": (0, "admin", "user.create", "user", "2", "api"),
}
# Newest first; events of one moment newest-inserted first.
NEWEST_FIRST = [
    "disable",
    "ticket2",
    "token",
    "audit",
    "lookup",
    "promote",
    "smtp",
    "ticket",
    "rename",
    "create",
    "late",
]


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


async def record_events(connection: AsyncConnection) -> dict[int, str]:
    """Rows written with their own times (AuditLog.add always stamps now()); returns the
    label of each id."""
    labels: dict[int, str] = {}
    for label, (at, actor, action, target_type, target_id, channel) in EVENTS.items():
        statement = (
            insert(audit_log)
            .values(
                at=minute(at),
                actor=actor,
                action=action,
                target_type=target_type,
                target_id=target_id,
                channel=channel,
            )
            .returning(audit_log.c.id)
        )
        labels[(await connection.execute(statement)).scalar_one()] = label
    return labels


def recorded(events: list[AuditEvent], labels: dict[int, str]) -> list[str]:
    """The labels of the events this test recorded; fixtures may audit their own setup."""
    ids = [event.id for event in events]
    assert len(ids) == len(set(ids)), "an event was returned twice"
    return [labels[i] for i in ids if i in labels]


async def search(
    container: Container, where: AuditFilter, *, before_id: int | None = None, limit: int = 100
) -> list[AuditEvent]:
    async with container.uow() as uow:
        events: list[AuditEvent] = await uow.audit.search(where, before_id=before_id, limit=limit)
    return events


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (AuditFilter(), NEWEST_FIRST),
        (AuditFilter(actor="ivan"), ["ticket2", "lookup", "ticket"]),
        (AuditFilter(action="user.update"), ["disable", "promote", "rename"]),
        (AuditFilter(target_type="ticket"), ["ticket2", "ticket"]),
        (AuditFilter(target_id="1"), ["disable", "lookup", "rename", "create"]),
        (AuditFilter(target_type="user", target_id="1"), ["disable", "rename", "create"]),
        (AuditFilter(channel="bot"), ["ticket2", "lookup", "ticket"]),
        (AuditFilter(actor="admin", action="user.create"), ["create", "late"]),
        (AuditFilter(actor="nobody"), []),
    ],
)
async def test_every_given_field_narrows_the_search(
    container: Container, connection: AsyncConnection, where: AuditFilter, expected: list[str]
) -> None:
    labels = await record_events(connection)
    assert recorded(await search(container, where), labels) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (AuditFilter(since=minute(7)), ["disable", "ticket2"]),
        (AuditFilter(until=minute(1)), ["late"]),
        (AuditFilter(since=minute(4), until=minute(6)), ["audit", "lookup", "promote", "smtp"]),
        (AuditFilter(since=minute(4), until=minute(4)), []),
        (
            AuditFilter(actor="admin", since=minute(2), until=minute(8)),
            ["token", "promote", "rename"],
        ),
    ],
)
async def test_time_range_includes_since_and_excludes_until(
    container: Container, connection: AsyncConnection, where: AuditFilter, expected: list[str]
) -> None:
    labels = await record_events(connection)
    assert recorded(await search(container, where), labels) == expected


@pytest.mark.parametrize(
    ("where", "page_size"),
    [(AuditFilter(), 3), (AuditFilter(), 1), (AuditFilter(actor="admin"), 2)],
)
async def test_pages_return_every_event_once_newest_first(
    container: Container, connection: AsyncConnection, where: AuditFilter, page_size: int
) -> None:
    labels = await record_events(connection)
    everything = await search(container, where)
    assert len(everything) > page_size

    seen: list[AuditEvent] = []
    before_id: int | None = None
    while page := await search(container, where, before_id=before_id, limit=page_size):
        assert len(page) <= page_size
        seen += page
        before_id = page[-1].id
    assert [event.id for event in seen] == [event.id for event in everything]
    expected = recorded(everything, labels)
    assert recorded(seen, labels) == [label for label in NEWEST_FIRST if label in expected]


async def test_events_added_while_paging_do_not_shift_the_pages(
    container: Container, connection: AsyncConnection
) -> None:
    labels = await record_events(connection)
    first = await search(container, AuditFilter(), limit=4)
    async with container.uow() as uow:
        await uow.audit.add(AuditEvent(Actor("admin", Channel.API), "user.create", "user", "9"))
        await uow.commit()
    rest = await search(container, AuditFilter(), before_id=first[-1].id)
    assert recorded(first + rest, labels) == NEWEST_FIRST
    assert "9" not in {event.target_id for event in first + rest}


async def test_found_events_carry_every_recorded_field(
    container: Container, connection: AsyncConnection
) -> None:
    event = AuditEvent(
        actor=Actor("admin", Channel.API, request_id="req-7", user_id=12),
        action="user.update",
        target_type="user",
        target_id="3",
        before={"disabled": False},
        after={"disabled": True},
    )
    async with container.uow() as uow:
        await uow.audit.add(event)
        await uow.commit()
    (found,) = await search(container, AuditFilter(target_type="user", target_id="3"))
    # stamped by the database: the time the (outer) transaction began
    at = (await connection.execute(select(func.now()))).scalar_one()
    assert found == AuditEvent(
        actor=event.actor,
        action="user.update",
        target_type="user",
        target_id="3",
        before={"disabled": False},
        after={"disabled": True},
        node="test-node",
        at=at,
    )
