from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from tbot.application.settings.change_settings import SettingChange
from tbot.container import Container
from tbot.domain.actor import Actor, Channel
from tbot.domain.errors import Conflict

ADMIN = Actor("admin", Channel.API, request_id="req-42")


async def audit_rows(connection: AsyncConnection) -> list[dict[str, object]]:
    result = await connection.execute(
        text(
            "SELECT actor, action, target_id, channel, request_id, node, before, after "
            "FROM core.audit_log ORDER BY id"
        )
    )
    return [dict(row) for row in result.mappings()]


async def test_use_case_writes_its_audit_row_in_the_same_transaction(
    container: Container, connection: AsyncConnection
) -> None:
    await container.change_settings()([SettingChange("smtp_port", "2525")], ADMIN)
    (row,) = await audit_rows(connection)
    assert row["action"] == "setting.change"
    assert row["target_id"] == "smtp_port"
    assert row["channel"] == "api"
    assert row["request_id"] == "req-42"
    assert row["node"] == "test-node"
    assert row["after"] == {"value": 2525, "version": 1}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core.audit_log SET actor = 'someone else'",
        "DELETE FROM core.audit_log",
        "TRUNCATE core.audit_log",
    ],
)
async def test_audit_rows_cannot_be_changed_or_removed(
    container: Container, connection: AsyncConnection, statement: str
) -> None:
    await container.change_settings()([SettingChange("smtp_port", "2525")], ADMIN)
    with pytest.raises(DBAPIError, match="append-only"):
        async with connection.begin_nested():
            await connection.execute(text(statement))
    assert [r["actor"] for r in await audit_rows(connection)] == ["admin"]


async def test_failed_use_case_leaves_neither_change_nor_audit_row(
    container: Container, connection: AsyncConnection
) -> None:
    await container.change_settings()([SettingChange("smtp_port", "2525")], ADMIN)
    batch = [
        # applied first, then the second change finds its row changed since the form loaded
        SettingChange("smtp_host", "mail.example.com", expected_version=0),
        SettingChange("smtp_port", "465", expected_version=9),
    ]
    with pytest.raises(Conflict):
        await container.change_settings()(batch, ADMIN)

    stored = (await connection.execute(text("SELECT name, value FROM core.settings"))).all()
    assert [(name, value) for name, value in stored] == [("smtp_port", 2525)]
    assert [r["target_id"] for r in await audit_rows(connection)] == ["smtp_port"]
