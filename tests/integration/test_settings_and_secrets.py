"""Settings priority and secret handling on the real database and a real keyring backend."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tbot.adapters.observability.logging import configure_logging, redactor
from tbot.adapters.system.environment import EnvironmentVariables
from tbot.application.settings.change_settings import SettingChange
from tbot.application.settings.resolved import Source
from tbot.container import Container
from tbot.domain.actor import Actor, Channel
from tbot.domain.errors import ValidationFailed

OPERATOR = Actor("cli:ops", Channel.CLI, request_id="req-7")
TOKEN = "7777777777:AAE-test-token-that-must-never-leak"


async def test_priority_database_then_keyring_then_environment(container: Container) -> None:
    container.environment.override(
        EnvironmentVariables({"TBOT_DEFAULT_LANGUAGE": "en"}, development=True)
    )
    get = container.get_setting
    assert (await get()("default_language")).source is Source.ENVIRONMENT

    await container.secret_store().set("default_language", "ru")
    found = await get()("default_language")
    assert (found.value, found.source) == ("ru", Source.KEYRING)

    await container.change_settings()([SettingChange("default_language", "en")], OPERATOR)
    found = await get()("default_language")
    assert (found.value, found.source) == ("en", Source.DATABASE)

    await container.reset_setting()("default_language", OPERATOR)
    assert (await get()("default_language")).source is Source.KEYRING
    container.environment.reset_override()


async def test_secret_lives_in_the_keyring_never_in_the_database(
    container: Container, connection: AsyncConnection
) -> None:
    await container.set_secret()("bot_token", TOKEN, OPERATOR)
    assert await container.secret_store().get("bot_token") == TOKEN

    with pytest.raises(ValidationFailed):
        await container.change_settings()([SettingChange("bot_token", TOKEN)], OPERATOR)

    settings_dump = (await connection.execute(text("SELECT * FROM core.settings"))).all()
    audit_dump = (await connection.execute(text("SELECT * FROM core.audit_log"))).all()
    assert TOKEN not in repr(settings_dump)
    assert TOKEN not in repr(audit_dump)
    assert "secret.set" in repr(audit_dump)


async def test_registered_secret_is_redacted_from_every_log_line(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "tbot.log"  # type: ignore[operator]
    configure_logging(log_file=log_file, node_id="n1")
    redactor.register(TOKEN)
    logging.getLogger("aiogram").error("request to /bot%s/getMe failed", TOKEN)
    import structlog

    structlog.get_logger("tbot").warning("oops", url=f"https://api.telegram.org/bot{TOKEN}/x")
    logging.getLogger().handlers[1].flush()
    written = log_file.read_text() + capsys.readouterr().out
    assert "getMe failed" in written
    assert TOKEN not in written
    assert "[redacted]" in written
