"""What the benchmarks share: child processes that never outlive the run, readiness polls,
a clean stop of a node, and the load generators (wrk, or a built-in asyncio fallback).

Imported by the scripts next to it (`python benchmarks/startup.py` puts this folder on
`sys.path`); it is not a TBot module and has no entry point of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from tbot.adapters.embedded.ports import LOCALHOST

POLL_S = 0.05
STOP_TIMEOUT_S = 60.0


class BenchmarkError(Exception):
    """The benchmark could not measure (as opposed to a goal being missed)."""


# ---------------------------------------------------------------- child processes


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    started_at: float

    def output_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@dataclass
class Children:
    """Every process this benchmark started, so that an exception or Ctrl-C never leaves
    a node, its PostgreSQL or its Redis behind."""

    started: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], *, env: dict[str, str], log: Path) -> Child:
        started_at = time.monotonic()
        with log.open("ab") as out:
            process = subprocess.Popen(
                list(argv), env=env, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT
            )
        child = Child(name, process, log, started_at)
        self.started.append(child)
        return child

    def kill_all(self) -> None:
        for child in self.started:
            if child.process.poll() is None:
                say(f"cleanup: stopping {child.name} (pid {child.process.pid})")
                stop_tree(child.process)


def stop_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (TBot's clean stop), then SIGKILL for it and anything it started."""
    tree = descendants(process.pid)
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    _, alive = psutil.wait_procs(tree, timeout=5)
    for leftover in alive:
        with contextlib.suppress(psutil.Error):
            leftover.kill()


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.NoSuchProcess:
        return []


def is_gone(process: psutil.Process) -> bool:
    # An orphan nobody has reaped yet (no init in a container) is dead all the same.
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def child_env(work: Path) -> dict[str, str]:
    """Our environment without any TBOT_* variable, so the node uses its embedded default
    servers and a keyring inside the temp folder (as tests/e2e/node.py does)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TBOT_")}
    env.update(
        TBOT_DATA_DIR=str(work / "data"),
        TBOT_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        TBOT_KEYRING_FILE=str(work / "keyring.cfg"),
        PYTHONUNBUFFERED="1",
        COLUMNS="200",
    )
    return env


# ---------------------------------------------------------------- readiness and stop


def http_status(port: int, path: str, timeout: float = 2.0) -> int | None:
    """One GET on a fresh connection; None while nothing answers. The standard library
    keeps each poll cheap (no client or TLS context to build)."""
    conn = http.client.HTTPConnection(LOCALHOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def wait_for_200(child: Child, port: int, path: str, timeout: float) -> float:
    """Seconds from Popen to the first 200 on `path`, polling every 50 ms."""
    deadline = child.started_at + timeout
    last: int | None = None
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise BenchmarkError(
                f"{child.name} exited with {child.process.returncode} before answering:\n"
                f"{child.output_tail()}"
            )
        last = http_status(port, path)
        if last == 200:
            return time.monotonic() - child.started_at
        time.sleep(POLL_S)
    raise BenchmarkError(
        f"{child.name}: {path} never answered 200 in {timeout:.0f} s (last: {last})\n"
        f"{child.output_tail()}"
    )


def embedded_pids(data_dir: Path) -> dict[str, int]:
    """The postmaster and redis-server pids the node recorded for its embedded servers."""
    pids = {}
    for server in ("postgres", "redis"):
        path = data_dir / server / "server.json"
        try:
            pids[server] = int(json.loads(path.read_text(encoding="utf-8"))["pid"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise BenchmarkError(f"no embedded {server} pid in {path}: {error!r}") from None
    return pids


def stop_node(child: Child, data_dir: Path) -> float:
    """Ctrl-C the node as an operator would; it must exit 0 and take every child with it.
    Returns the seconds the stop took."""
    servers = {name: psutil.Process(pid) for name, pid in embedded_pids(data_dir).items()}
    tree = descendants(child.process.pid)
    started = time.monotonic()
    child.process.send_signal(signal.SIGINT)
    try:
        code = child.process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise BenchmarkError(
            f"{child.name} did not stop within {STOP_TIMEOUT_S:.0f} s of SIGINT:\n"
            f"{child.output_tail()}"
        ) from None
    took = time.monotonic() - started
    if code != 0:
        raise BenchmarkError(f"{child.name} exited with {code}:\n{child.output_tail()}")
    # The node waits for its servers; the grace only absorbs the kernel reaping them.
    psutil.wait_procs([*servers.values(), *tree], timeout=5)
    left = [f"{name} pid {p.pid}" for name, p in servers.items() if not is_gone(p)]
    left += [f"pid {p.pid} {_name(p)}" for p in tree if not is_gone(p)]
    if left:
        raise BenchmarkError(f"{child.name} left processes behind: {', '.join(left)}")
    return took


def _name(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())[:80] or process.name()
    except psutil.Error:
        return "?"


# ---------------------------------------------------------------- load generators


@dataclass(frozen=True)
class LoadResult:
    target: str
    generator: str
    rps: float
    requests: int
    non_200: int
    errors: int
    p50_ms: float | None
    p99_ms: float | None

    def line(self) -> str:
        latency = (
            f"p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms"
            if self.p50_ms is not None and self.p99_ms is not None
            else "latency n/a"
        )
        return (
            f"{self.target:<14} {self.rps:>9.0f} req/s  ({self.requests} requests, "
            f"{self.non_200} non-200, {self.errors} errors; {latency}) [{self.generator}]"
        )


def find_wrk(allow_install: bool) -> str | None:
    """wrk if present; else one quiet apt-get attempt when we are root on Debian/Ubuntu."""
    found = shutil.which("wrk")
    if found or not allow_install:
        return found
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        return None
    print("wrk not found: trying `apt-get install -y wrk` once...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # A fresh container often has no package lists yet: update only if the install fails.
    for commands in (
        [["apt-get", "install", "-y", "-qq", "wrk"]],
        [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]],
    ):
        if all(_quiet(command, env) for command in commands) and shutil.which("wrk"):
            return shutil.which("wrk")
    return None


def _quiet(command: list[str], env: dict[str, str]) -> bool:
    try:
        done = subprocess.run(command, env=env, capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


_WRK_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_WRK_TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_WRK_NON2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", re.MULTILINE)
_WRK_SOCKET = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.MULTILINE
)
_WRK_PCT = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_load(
    wrk: str,
    target: str,
    url: str,
    connections: int,
    duration: int,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    threads = max(1, min(2, connections))  # one per core here; wrk needs threads <= connections
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(url)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=False)
    rps = _WRK_RPS.search(done.stdout)
    if done.returncode != 0 or rps is None:
        raise BenchmarkError(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    total = _WRK_TOTAL.search(done.stdout)
    non2xx = _WRK_NON2XX.search(done.stdout)
    socket_errors = _WRK_SOCKET.search(done.stdout)
    pct = {m[1]: float(m[2]) * _UNIT_MS[m[3]] for m in _WRK_PCT.finditer(done.stdout)}
    return LoadResult(
        target=target,
        generator="wrk",
        rps=float(rps[1]),
        requests=int(total[1]) if total else 0,
        non_200=int(non2xx[1]) if non2xx else 0,
        errors=sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        p50_ms=pct.get("50"),
        p99_ms=pct.get("99"),
    )


@dataclass
class _Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


def asyncio_load(
    target: str,
    port: int,
    path: str,
    connections: int,
    duration: int,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    """Fallback without wrk: N keep-alive HTTP/1.1 connections, each sending the next request
    as soon as the previous response is complete. It shares the CPU with the server, so its
    figures are lower than wrk's; it loads both servers the same way, so the ratio holds."""
    tally = _Tally()
    asyncio.run(_drive(port, path, connections, duration, tally, headers or {}))
    ordered = sorted(tally.latencies)
    count = len(ordered)
    return LoadResult(
        target=target,
        generator="asyncio",
        rps=count / duration,
        requests=count,
        non_200=count - tally.statuses[200],
        errors=tally.errors,
        p50_ms=ordered[count // 2] * 1000 if count else None,
        p99_ms=ordered[min(count - 1, int(count * 0.99))] * 1000 if count else None,
    )


async def _drive(
    port: int,
    path: str,
    connections: int,
    duration: int,
    tally: _Tally,
    headers: Mapping[str, str],
) -> None:
    lines = [f"GET {path} HTTP/1.1", f"Host: {LOCALHOST}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    workers = [
        asyncio.create_task(_keep_requesting(port, request, tally)) for _ in range(connections)
    ]
    # Only responses completed inside the window are tallied: cancel whatever is in flight.
    await asyncio.sleep(duration)
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)


async def _keep_requesting(port: int, request: bytes, tally: _Tally) -> None:
    loop = asyncio.get_running_loop()
    while True:
        try:
            reader, writer = await asyncio.open_connection(LOCALHOST, port)
        except OSError:
            tally.errors += 1
            await asyncio.sleep(0.01)
            continue
        try:
            while True:
                sent = loop.time()
                writer.write(request)
                status = await _read_response(reader)
                tally.latencies.append(loop.time() - sent)
                tally.statuses[status] += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            tally.errors += 1  # the server dropped the connection: reconnect and go on
        finally:
            writer.close()


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()  # the empty line after the last chunk (no trailers from us)
    elif length:
        await reader.readexactly(length)
    return status


# ---------------------------------------------------------------- output


def say(text: str) -> None:
    print(text, flush=True)


def complaints(child: Child) -> list[str]:
    """Error and warning lines (and tracebacks) in a node's output."""
    found = []
    for raw in child.output_tail(1_000_000).splitlines():
        level = ""
        if raw.startswith("{"):
            with contextlib.suppress(ValueError):
                level = str(json.loads(raw).get("level", ""))
        if level in {"warning", "error", "critical", "exception"} or raw.startswith("Traceback"):
            found.append(raw[:200])
    return found


def report_complaints(child: Child) -> None:
    lines = complaints(child)
    if lines:
        say(f"  {child.name}: {len(lines)} warning/error line(s) in its output:")
        for line in lines[:5]:
            say(f"    {line}")
    else:
        say(f"  {child.name}: no warning or error in its output")


def load(
    wrk: str | None,
    target: str,
    port: int,
    path: str,
    connections: int,
    duration: int,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    """One load run on GET `path`, with wrk when it is there, else the asyncio fallback."""
    if wrk:
        url = f"http://{LOCALHOST}:{port}{path}"
        return wrk_load(wrk, target, url, connections, duration, headers)
    return asyncio_load(target, port, path, connections, duration, headers)


def choose_wrk(generator: str) -> str | None:
    if generator == "asyncio":
        return None
    wrk = find_wrk(allow_install=True)
    if wrk is None and generator == "wrk":
        raise BenchmarkError("wrk was asked for but is not installed (apt-get install -y wrk)")
    if wrk is None:
        say("wrk unavailable: using the built-in asyncio load generator")
    return wrk


@contextlib.contextmanager
def temp_folder(keep: bool) -> Iterator[Path]:
    work = Path(tempfile.mkdtemp(prefix="tbot-bench-"))
    try:
        yield work
    finally:
        if keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
            if work.exists():
                say(f"could not remove all of {work}")


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def load_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every load benchmark takes, with the same defaults."""
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=2, help="load rounds (best of them)")
    parser.add_argument("--warmup", type=int, default=2, help="uncounted seconds per app")
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "asyncio"),
        default="auto",
        help="auto: wrk (installed once with apt-get if root), else the asyncio fallback",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")


# ---------------------------------------------------------------- set-up through the CLI

ADMIN = "bench-admin"
CLI_TIMEOUT_S = 180.0
# The API limiter still runs on every request; only its budget is raised so that it never
# refuses during a benchmark.
LIMITS = {"api_requests_per_minute": "1000000", "login_attempts_per_minute": "10000"}


def tbot_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """One `python -m tbot ...` command, as an operator types it; its output on success."""
    done = subprocess.run(
        [sys.executable, "-m", "tbot", *args],
        env=env,
        cwd=Path(env["TBOT_DATA_DIR"]).parent,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise BenchmarkError(
            f"`tbot {' '.join(args)}` exited with {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return done.stdout.strip()


def prepare_api_node(env: dict[str, str], password: str) -> float:
    """A signing key, an admin and unlimited budgets, set with the CLI before the node
    starts (same environment as the node); returns the seconds it took."""
    say("set-up with the CLI, before the node starts (same environment as the node):")
    started = time.monotonic()
    steps: list[tuple[list[str], str | None]] = [
        (["secrets", "set", "jwt_signing_key", "--stdin"], secrets.token_urlsafe(48)),
        (["users", "create", ADMIN, "--role", "admin", "--password-stdin"], password),
    ]
    steps += [(["settings", "set", name, value], None) for name, value in LIMITS.items()]
    for args, stdin in steps:
        shown = " ".join(args) + (" < (value)" if stdin is not None else "")
        out = tbot_cli(env, *args, stdin=None if stdin is None else stdin + "\n")
        say(f"  tbot {shown}: {out.splitlines()[-1] if out else 'ok'}")
    return time.monotonic() - started
