from __future__ import annotations

import pytest

from tbot.application.settings.change_settings import ChangeSettings, SettingChange
from tbot.application.settings.get_setting import GetSetting
from tbot.application.settings.load_runtime_settings import LoadRuntimeSettings
from tbot.application.settings.reset_setting import ResetSetting
from tbot.application.settings.resolved import Source
from tbot.application.settings.resolver import SettingsResolver
from tbot.domain.actor import Actor, Channel
from tbot.domain.errors import Conflict, NotFound, ValidationFailed
from tests.unit.fakes import FakeEnvironment, FakeSecretStore, FakeUnitOfWork

ADMIN = Actor("admin", Channel.CLI, request_id="req-1")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def keyring() -> FakeSecretStore:
    return FakeSecretStore()


@pytest.fixture
def env() -> FakeEnvironment:
    return FakeEnvironment()


def get_setting(uow: FakeUnitOfWork, keyring: FakeSecretStore, env: FakeEnvironment) -> GetSetting:
    return GetSetting(uow, SettingsResolver(keyring, env))


async def test_database_beats_keyring_beats_environment_beats_default(
    uow: FakeUnitOfWork, keyring: FakeSecretStore, env: FakeEnvironment
) -> None:
    get = get_setting(uow, keyring, env)
    assert (await get("log_level")).source is Source.DEFAULT

    env.values["TBOT_LOG_LEVEL"] = "ERROR"
    found = await get("log_level")
    assert (found.value, found.source) == ("ERROR", Source.ENVIRONMENT)

    keyring.values["log_level"] = "WARNING"
    found = await get("log_level")
    assert (found.value, found.source) == ("WARNING", Source.KEYRING)

    await ChangeSettings(uow)([SettingChange("log_level", "DEBUG")], ADMIN)
    found = await get("log_level")
    assert (found.value, found.source, found.version) == ("DEBUG", Source.DATABASE, 1)

    await ResetSetting(uow)("log_level", ADMIN)
    assert (await get("log_level")).source is Source.KEYRING


async def test_unusable_keyring_is_skipped_not_fatal(
    uow: FakeUnitOfWork, env: FakeEnvironment
) -> None:
    broken = FakeSecretStore(available=False)
    broken.values["log_level"] = "WARNING"
    env.values["TBOT_LOG_LEVEL"] = "ERROR"
    assert (await get_setting(uow, broken, env)("log_level")).source is Source.ENVIRONMENT


async def test_bad_lower_layer_value_is_skipped_and_reported(
    uow: FakeUnitOfWork, keyring: FakeSecretStore, env: FakeEnvironment
) -> None:
    env.values["TBOT_SMTP_PORT"] = "not-a-port"
    found = await get_setting(uow, keyring, env)("smtp_port")
    assert (found.value, found.source) == (587, Source.DEFAULT)
    assert "environment value 'not-a-port' ignored: expected an integer" in found.problem

    keyring.values["smtp_port"] = "2525"
    found = await get_setting(uow, keyring, env)("smtp_port")
    assert (found.value, found.source, found.problem) == (2525, Source.KEYRING, "")


async def test_environment_layer_applies_only_in_development(
    uow: FakeUnitOfWork, keyring: FakeSecretStore
) -> None:
    production = FakeEnvironment({"TBOT_LOG_LEVEL": "DEBUG"}, development=False)
    assert (await get_setting(uow, keyring, production)("log_level")).source is Source.DEFAULT


async def test_change_is_typed_and_audited_with_before_and_after(uow: FakeUnitOfWork) -> None:
    change = ChangeSettings(uow)
    await change([SettingChange("smtp_port", "2525")], ADMIN)
    await change([SettingChange("smtp_port", "465")], ADMIN)

    stored = uow.committed_state.settings["smtp_port"]
    assert (stored.value, stored.version, stored.updated_by) == (465, 2, "admin")
    last = uow.committed_state.audit[-1]
    assert last.action == "setting.change"
    assert last.target_id == "smtp_port"
    assert last.before == {"value": 2525, "version": 1}
    assert last.after == {"value": 465, "version": 2}
    assert last.actor.request_id == "req-1"


async def test_all_bad_fields_are_reported_and_nothing_is_written(uow: FakeUnitOfWork) -> None:
    changes = [
        SettingChange("smtp_port", "70000"),
        SettingChange("default_language", "de"),
        SettingChange("heartbeat_interval_s", "5"),
        SettingChange("no_such_setting", "1"),
    ]
    with pytest.raises(ValidationFailed) as caught:
        await ChangeSettings(uow)(changes, ADMIN)
    assert set(caught.value.errors) == {"smtp_port", "default_language", "no_such_setting"}
    assert "at most 65535" in caught.value.errors["smtp_port"]
    assert "ru, en" in caught.value.errors["default_language"]
    assert uow.committed_state.settings == {}
    assert uow.committed_state.audit == []


async def test_secret_cannot_be_stored_as_a_setting(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await ChangeSettings(uow)([SettingChange("bot_token", "123:abc")], ADMIN)
    assert "keyring" in caught.value.errors["bot_token"]
    assert uow.committed_state.settings == {}


async def test_stale_version_conflicts_and_rolls_back_the_whole_batch(uow: FakeUnitOfWork) -> None:
    change = ChangeSettings(uow)
    await change([SettingChange("smtp_port", "2525")], ADMIN)
    batch = [
        SettingChange("smtp_host", "mail.example.com", expected_version=0),
        SettingChange("smtp_port", "465", expected_version=7),
    ]
    with pytest.raises(Conflict):
        await change(batch, ADMIN)
    assert "smtp_host" not in uow.committed_state.settings
    assert uow.committed_state.settings["smtp_port"].value == 2525
    assert [e.target_id for e in uow.committed_state.audit] == ["smtp_port"]


async def test_reset_of_a_setting_without_database_value_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        await ResetSetting(uow)("log_level", ADMIN)


async def test_runtime_settings_are_typed(
    uow: FakeUnitOfWork, keyring: FakeSecretStore, env: FakeEnvironment
) -> None:
    env.values["TBOT_HEARTBEAT_INTERVAL_S"] = "2.5"
    runtime = await LoadRuntimeSettings(uow, SettingsResolver(keyring, env))()
    assert runtime.heartbeat_interval_s == 2.5
    assert runtime.smtp_port == 587
    assert runtime.default_language == "ru"
