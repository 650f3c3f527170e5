"""The script in docs/library.md runs as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.node import tbot_env

DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"


def test_documented_script_runs(fresh_database_url: str, redis_url: str, tmp_path: Path) -> None:
    (script,) = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    assert len(script.strip().splitlines()) <= 20
    path = tmp_path / "script.py"
    path.write_text(script)
    env = tbot_env(
        tmp_path / "data",
        tmp_path / "keyring.cfg",
        TBOT_DATABASE_URL=fresh_database_url,
        TBOT_REDIS_URL=redis_url,
    )
    result = subprocess.run(
        [sys.executable, str(path)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "default_language = 'en' (database)" in result.stdout
    assert "healthy: True" in result.stdout
