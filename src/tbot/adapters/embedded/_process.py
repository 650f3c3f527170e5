"""Child processes that die with us, plus the small file-system pieces the servers share.

Servers run as children (never daemonized) so that `tbot up` and the test fixtures own
their lifetime: a normal stop() shuts them down, and PR_SET_PDEATHSIG does it when we are
killed -9, which no atexit hook can.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import psutil  # type: ignore[import-untyped]

from tbot.adapters.embedded.errors import EmbeddedServerError

_log = logging.getLogger(__name__)

_T = TypeVar("_T")

_PR_SET_PDEATHSIG = 1
_MAX_LOG_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class RunAs:
    """A system account to switch to in the child (PostgreSQL refuses to run as root)."""

    name: str
    uid: int
    gid: int


def spawn(
    argv: Sequence[str],
    *,
    log_path: Path,
    death_signal: signal.Signals,
    run_as: RunAs | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start `argv` as our child, its output appended to `log_path`.

    The child gets its own process group so that Ctrl-C in a terminal reaches only us: the
    supervisor decides when the servers stop, after the services that use them.
    """

    def popen() -> subprocess.Popen[bytes]:
        with log_path.open("ab") as log:
            return subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=env,
                process_group=0,
                preexec_fn=_die_with_parent(death_signal),
                user=run_as.uid if run_as else None,
                group=run_as.gid if run_as else None,
                extra_groups=[] if run_as else None,
            )

    return _spawner.call(popen)


def stop_child(process: subprocess.Popen[bytes], sig: signal.Signals, timeout: float) -> None:
    """Ask a child to exit with `sig`; SIGKILL it if it has not after `timeout` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        _log.warning("pid %s ignored %s for %.0fs, killing it", process.pid, sig.name, timeout)
        process.kill()
        process.wait(10)


def live_process(pid: int) -> psutil.Process | None:
    """The process `pid` if it exists and is not a zombie."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
    except psutil.NoSuchProcess:
        return None
    except psutil.AccessDenied:
        # It exists; we just may not look at it.
        return psutil.Process(pid)
    return process


def is_alive(process: psutil.Process) -> bool:
    """Still the same process (psutil compares creation times) and not a zombie."""
    try:
        alive: bool = process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True
    return alive


@contextlib.contextmanager
def exclusive_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold an flock on `path`, so two TBot processes never start the same server twice."""
    deadline = time.monotonic() + timeout
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise EmbeddedServerError(
                        f"another process kept {path} locked for {timeout:.0f}s"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_state(path: Path) -> dict[str, int]:
    """The {"pid", "port"} recorded by the last start; {} if missing or unreadable."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {key: value for key, value in raw.items() if isinstance(value, int)}


def write_state(path: Path, *, pid: int, port: int) -> None:
    """Record the server atomically: a reader racing with us sees the old or the new file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps({"pid": pid, "port": port}), encoding="utf-8")
    partial.replace(path)


def rotate_log(path: Path, max_bytes: int = _MAX_LOG_BYTES) -> None:
    """Keep one previous log so a long-lived data folder does not grow without bound."""
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size > max_bytes:
            path.replace(path.with_name(path.name + ".1"))


def clean_env(drop_prefixes: Sequence[str] = ()) -> dict[str, str]:
    """Our environment without variables that would redirect the server's tools elsewhere."""
    return {
        key: value
        for key, value in os.environ.items()
        if not any(key.startswith(prefix) for prefix in drop_prefixes)
    }


def _die_with_parent(sig: signal.Signals) -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    # Resolved before the fork so that the child does as little as possible.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        # Runs after subprocess has switched uid/gid; the kernel clears the setting on a
        # credential change, so doing it any earlier would be silently lost.
        prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(sig))
        if os.getppid() != parent:
            # We died between fork and prctl: nobody would ever send the signal.
            os._exit(1)

    return preexec


class _Spawner:
    """Creates processes on a thread that lives as long as the process does.

    Linux sends the parent-death signal when the *thread* that forked the child ends, not
    the process. A server started from an asyncio.to_thread() worker would be shut down
    as soon as the pool retired that worker, so forks happen on the main thread or here.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[Callable[[], None]] | None = None
        self._owner_pid = 0

    def call(self, fn: Callable[[], _T]) -> _T:
        if threading.current_thread() is threading.main_thread():
            return fn()
        future: Future[_T] = Future()

        def job() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

        self._queue().put(job)
        return future.result()

    def _queue(self) -> queue.SimpleQueue[Callable[[], None]]:
        with self._lock:
            # After os.fork() the thread is gone in the child: start a new one there.
            if self._jobs is None or self._owner_pid != os.getpid():
                self._jobs = queue.SimpleQueue()
                self._owner_pid = os.getpid()
                threading.Thread(
                    target=_serve, args=(self._jobs,), name="tbot-embedded-spawner", daemon=True
                ).start()
            return self._jobs


def _serve(jobs: queue.SimpleQueue[Callable[[], None]]) -> None:
    while True:
        jobs.get()()


_spawner = _Spawner()


def private_dir(path: Path, run_as: RunAs | None, mode: int = 0o700) -> Path:
    """Create `path` (if needed) owned by `run_as` (or us) with `mode`."""
    path.mkdir(parents=True, exist_ok=True)
    if run_as is not None:
        os.chown(path, run_as.uid, run_as.gid)
    path.chmod(mode)
    return path
