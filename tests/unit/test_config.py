from __future__ import annotations

from pathlib import Path

import pytest

from tbot.config import load_bootstrap
from tbot.domain.settings import SETTINGS, RuntimeSettings


def test_environment_and_overrides_are_typed() -> None:
    settings = load_bootstrap(
        {"TBOT_API_PORT": "9000", "TBOT_DATA_DIR": "/srv/tbot", "TBOT_NODE_ID": "n2"},
        api_host="0.0.0.0",
    )
    assert settings.api_port == 9000
    assert settings.data_dir == Path("/srv/tbot")
    assert settings.api_host == "0.0.0.0"
    assert settings.effective_node_id == "n2"


def test_cli_option_beats_environment() -> None:
    assert load_bootstrap({"TBOT_API_PORT": "9000"}, api_port=9100).api_port == 9100


def test_bad_value_names_the_variable() -> None:
    with pytest.raises(SystemExit) as caught:
        load_bootstrap({"TBOT_API_PORT": "eighty"})
    assert "TBOT_API_PORT" in str(caught.value)


def test_runtime_settings_cover_the_registry_exactly() -> None:
    assert set(RuntimeSettings.__dataclass_fields__) == {spec.name for spec in SETTINGS}
    defaults = RuntimeSettings.defaults()
    assert defaults.log_level == "INFO"
