"""Drives `tbot` as a subprocess, the way an operator does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from tbot.adapters.embedded.ports import free_port


def tbot_env(data_dir: Path, keyring_file: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TBOT_")}
    env.update(
        TBOT_DATA_DIR=str(data_dir),
        TBOT_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        TBOT_KEYRING_FILE=str(keyring_file),
        PYTHONUNBUFFERED="1",
        COLUMNS="200",
    )
    env.update(extra)
    return env


def cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tbot", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Node:
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *args: str) -> None:
        log = Path(self.env["TBOT_DATA_DIR"]).parent / f"node-{self.port}.out"
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tbot", "up", "--port", str(self.port), *args],
            env=self.env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def health(self) -> httpx.Response | None:
        try:
            return httpx.get(f"{self.base_url}/health", timeout=5)
        except httpx.TransportError:
            return None

    def wait_for_health(
        self, status: int, timeout: float = 120.0, said: str | None = None
    ) -> httpx.Response:
        """Until /health answers `status` (and, if given, its body's status is `said`)."""
        deadline = time.monotonic() + timeout
        last: httpx.Response | None = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(
                    f"tbot up exited with {self.process.returncode}:\n{self.output()}"
                )
            last = self.health()
            if last is not None and _answers(last, status, said):
                return last
            time.sleep(0.1)
        body = last.text if last is not None else "no answer"
        raise AssertionError(f"/health never answered {status}; last: {body}\n{self.output()}")

    def descendants(self) -> list[psutil.Process]:
        assert self.process is not None
        return psutil.Process(self.process.pid).children(recursive=True)

    def interrupt(self, timeout: float = 60.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def output(self) -> str:
        log = Path(self.env["TBOT_DATA_DIR"]).parent / f"node-{self.port}.out"
        return log.read_text(errors="replace")[-6000:] if log.exists() else ""


def embedded_pid(data_dir: Path, server: str) -> int:
    state = json.loads((data_dir / server / "server.json").read_text())
    return int(state["pid"])


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _answers(response: httpx.Response, status: int, said: str | None) -> bool:
    return response.status_code == status and (
        said is None or response.json().get("status") == said
    )
