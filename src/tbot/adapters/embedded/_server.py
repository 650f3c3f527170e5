"""What the embedded PostgreSQL and Redis share: the life of one server process per folder.

A handle either starts the server (and owns it: stop() shuts it down) or attaches to the one
another process of ours already runs for the same folder (and leaves it running).
"""

from __future__ import annotations

import abc
import logging
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self

import psutil  # type: ignore[import-untyped]

from tbot.adapters.embedded._process import (
    exclusive_lock,
    is_alive,
    read_state,
    stop_child,
)
from tbot.adapters.embedded.errors import EmbeddedServerError
from tbot.adapters.embedded.ports import LOCALHOST, free_port, is_port_free

_log = logging.getLogger(__name__)


class ChildServer(abc.ABC):
    label: ClassVar[str]
    # The signal for a clean, quick shutdown of this server.
    stop_signal: ClassVar[signal.Signals]
    start_timeout: ClassVar[float]
    poll_interval: ClassVar[float] = 0.05

    def __init__(self, root: Path, *, port: int | None, log_name: str) -> None:
        self._root = Path(root).expanduser().resolve()
        self._log_path = self._root / log_name
        self._state_path = self._root / "server.json"
        self._port = port
        self._process: subprocess.Popen[bytes] | None = None
        self._attached: psutil.Process | None = None

    # -- what each server defines ------------------------------------------------------------

    @property
    @abc.abstractmethod
    def url(self) -> str: ...

    @abc.abstractmethod
    def _launch(self, deadline: float) -> None:
        """Start the server process as a child and set `_process` and `_port`."""

    @abc.abstractmethod
    def _find_running_server(self) -> tuple[psutil.Process, int] | None:
        """The live server of this folder and its port, when another handle started it."""

    @abc.abstractmethod
    def _ready(self) -> bool:
        """Whether the server answers on its port."""

    def _after_ready(self) -> None:  # noqa: B027 - an optional hook, empty by design
        """Work to do once the server answers (e.g. create the database)."""

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float | None = None) -> None:
        """Start (or attach to) the server; after a crash it comes back on the same port."""
        if self.is_running():
            return
        self._forget_dead_server()
        timeout = self.start_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        self._root.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self._root / "start.lock", timeout):
            running = self._find_running_server()
            if running is None:
                self._launch(deadline)
            else:
                self._attach(*running)
            try:
                self._wait_until_ready(deadline, timeout)
                self._after_ready()
            except BaseException:
                self.stop()
                raise

    def stop(self, timeout: float = 30.0) -> None:
        """Shut the server down if we started it; otherwise detach. Idempotent."""
        if self._attached is not None:
            _log.info("leaving %s pid %s running: another process owns it", self.label, self.pid)
            self._attached = None
        if self._process is None:
            return
        _log.info("stopping %s pid %s on port %s", self.label, self._process.pid, self._port)
        stop_child(self._process, self.stop_signal, timeout)
        self._process = None

    def is_running(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        return self._attached is not None and is_alive(self._attached)

    def _forget_dead_server(self) -> None:
        if self._process is not None:
            _log.warning(
                "%s pid %s had exited (code %s)",
                self.label,
                self._process.pid,
                self._process.poll(),
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
            raise EmbeddedServerError(f"{self.label} in {self._root} has no port yet: call start()")
        return self._port

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

    # -- shared steps ------------------------------------------------------------------------

    def _attach(self, process: psutil.Process, port: int) -> None:
        if self._port is not None and self._port != port:
            _log.warning(
                "%s for %s already runs on port %s, not %s",
                self.label,
                self._root,
                port,
                self._port,
            )
        _log.info("attaching to %s pid %s on port %s", self.label, process.pid, port)
        self._attached = process
        self._port = port

    def _choose_port(self) -> int:
        """This handle's port once chosen, so clients reconnect after a restart; else the
        requested one; else last run's if free, so URLs stay stable; else any free one."""
        if self._port is not None:
            return self._port
        previous = read_state(self._state_path).get("port")
        if previous is not None and is_port_free(previous):
            return previous
        return free_port()

    def _wait_until_ready(self, deadline: float, timeout: float) -> None:
        while True:
            self._fail_if_gone()
            if self._ready():
                return
            if time.monotonic() >= deadline:
                raise EmbeddedServerError(
                    f"{self.label} did not answer on {LOCALHOST}:{self._port} "
                    f"within {timeout:.0f}s",
                    self._log_path,
                )
            time.sleep(self.poll_interval)

    def _fail_if_gone(self) -> None:
        if self._process is not None and (code := self._process.poll()) is not None:
            raise EmbeddedServerError(f"{self.label} exited with code {code}", self._log_path)
        if self._attached is not None and not is_alive(self._attached):
            raise EmbeddedServerError(f"the {self.label} we attached to exited", self._log_path)
