"""The directory from an operator's shell: the old bot's workbook migrated with
`tbot migrate excel`, a re-run that changes nothing, then search, export and a refused file."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.node import cli, tbot_env

LEGACY = Path(__file__).parents[1] / "data" / "legacy_directory.xlsx"


@pytest.fixture
def env(fresh_database_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    return tbot_env(
        tmp_path / "data",
        tmp_path / "keyring.cfg",
        TBOT_DATABASE_URL=fresh_database_url,
        TBOT_REDIS_URL=redis_url,
        TBOT_REDIS_NAMESPACE=f"e2e-{uuid.uuid4().hex[:8]}",
    )


def counts(output: str) -> dict[str, int]:
    """The summary table's rows: "│ created │ 25 │" -> {"created": 25}."""
    found = re.findall(r"^\W*([a-z][a-z ]*?)\s*│\s*(\d+)\s*│?\s*$", output, re.MULTILINE)
    return {label: int(count) for label, count in found}


def test_legacy_workbook_migrates_once_and_is_searchable(
    env: dict[str, str], tmp_path: Path
) -> None:
    dry = cli(env, "migrate", "excel", str(LEGACY), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stdout
    planned = counts(dry.stdout)

    first = cli(env, "migrate", "excel", str(LEGACY))
    assert first.returncode == 0, first.stderr
    report = counts(first.stdout)
    assert report == planned
    assert report["created"] > 20
    assert report["updated"] == report["unchanged"] == report["dismissed"] == 0
    assert report["departments created"] >= 3
    assert report["workstations created"] > 0
    assert "ignored in sheet" in first.stderr  # the unknown "Примечание" column is named

    again = cli(env, "migrate", "excel", str(LEGACY))
    assert again.returncode == 0, again.stderr
    rerun = counts(again.stdout)
    assert rerun["unchanged"] == report["created"]
    assert rerun["created"] == rerun["updated"] == rerun["departments created"] == 0

    found = cli(env, "directory", "search", "Семенав")  # Семёнов, misspelt and without ё
    assert found.returncode == 0, found.stderr
    assert "Семёнов Пётр Алексеевич" in found.stdout
    assert "searched by name" in found.stdout

    exported = tmp_path / "directory.xlsx"
    done = cli(env, "directory", "export", str(exported))
    assert done.returncode == 0, done.stderr
    assert f"{report['created']} employees written" in done.stdout
    sheet = load_workbook(exported, read_only=True).active
    assert sheet is not None
    assert len(list(sheet.iter_rows(values_only=True))) == report["created"] + 1
    round_trip = cli(env, "directory", "import", str(exported))
    assert round_trip.returncode == 0, round_trip.stderr
    assert counts(round_trip.stdout)["unchanged"] == report["created"]


def test_a_workbook_with_bad_cells_is_refused_cell_by_cell(
    env: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.xlsx"
    script = LEGACY.parent / "make_legacy_workbook.py"
    subprocess.run([sys.executable, str(script), str(broken), "--broken"], check=True)
    refused = cli(env, "directory", "import", str(broken), "--legacy")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "nothing was imported" in refused.stderr
    assert re.search(r"^\s+\S.*!\d+ \[.+\]: formula without a computed value", refused.stderr, re.M)
    listed = cli(env, "directory", "search", "Смирнов")
    assert "nothing found" in listed.stdout
