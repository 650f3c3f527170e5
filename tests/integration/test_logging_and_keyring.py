from __future__ import annotations

import json
import logging
from pathlib import Path

import structlog
from keyring.backends import fail

from tbot.adapters.keyring.secret_store import KeyringSecretStore, load_backend
from tbot.adapters.observability.logging import configure_logging
from tests.conftest import KEYRING_BACKEND


def test_log_file_is_json_and_rotates_by_size(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "tbot.log"
    configure_logging(log_file=log_file, max_bytes=4000, backups=2, node_id="n1", fmt="console")
    log = structlog.get_logger("tbot.test")
    with structlog.contextvars.bound_contextvars(request_id="rid-1"):
        for i in range(200):
            log.info("line", number=i)
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = sorted(p.name for p in log_file.parent.iterdir())
    assert files == ["tbot.log", "tbot.log.1", "tbot.log.2"]
    last = json.loads(log_file.read_text().splitlines()[-1])
    assert last["event"] == "line"
    assert last["number"] == 199
    assert last["request_id"] == "rid-1"
    assert last["node"] == "n1"
    assert last["level"] == "info"


def test_log_files_stay_within_the_size_counting_what_a_restart_found(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "tbot.log"
    log_file.parent.mkdir()
    log_file.write_text("x" * 3900 + "\n", encoding="utf-8")  # written before a restart
    configure_logging(log_file=log_file, max_bytes=4000, backups=3, node_id="n1")
    log = structlog.get_logger("tbot.test")
    for i in range(10):
        log.info("line", number=i, name="Иванов")
    for handler in logging.getLogger().handlers:
        handler.flush()
    rotated = log_file.parent / "tbot.log.1"
    assert rotated.read_text(encoding="utf-8") == "x" * 3900 + "\n"
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["number"] for line in lines] == list(range(10))
    for i in range(40):
        log.info("line", number=i)
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert max(p.stat().st_size for p in log_file.parent.iterdir()) <= 4000


def test_without_a_keyring_backend_the_status_says_what_to_do() -> None:
    status = KeyringSecretStore(fail.Keyring()).status()  # type: ignore[no-untyped-call]
    assert not status.available
    assert "keyrings.alt" in status.detail
    assert "TBOT_KEYRING_BACKEND" in status.detail


async def test_configured_file_backend_keeps_secrets_in_its_own_file(tmp_path: Path) -> None:
    path = tmp_path / "k" / "keyring.cfg"
    store = KeyringSecretStore(load_backend(KEYRING_BACKEND, str(path)))
    assert store.status().available
    await store.set("smtp_password", "s3cret-value")
    assert path.exists()
    again = KeyringSecretStore(load_backend(KEYRING_BACKEND, str(path)))
    assert await again.get("smtp_password") == "s3cret-value"
    assert await again.delete("smtp_password")
    assert not await again.delete("smtp_password")
