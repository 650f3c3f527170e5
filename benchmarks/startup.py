"""Start-up time, memory at rest and /health throughput of `tbot up`, next to the raw floor.

Run from the repository root with the venv's Python:

    python benchmarks/startup.py [--duration 10] [--connections 32] [--keep]

The floor is a bare Litestar "hello" on uvicorn, started and loaded in the same run on the
same machine, so that a slow or busy machine moves both figures together. The last line is
machine-readable:

    cold_start_s=X.XX warm_start_s=X.XX rss_mb=X.X health_rps=N bare_litestar_rps=N ratio=X.XX

Goals missed are reported, not failed: the exit code is 0 unless the benchmark itself broke
(a node that would not start, stop cleanly, or left processes behind).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from tbot.adapters.embedded.ports import LOCALHOST, free_port

# The goals. Throughput is relative: absolute requests/s say more about the machine.
GOAL_COLD_S = 15.0
GOAL_WARM_S = 5.0
GOAL_RSS_MB = 200.0
GOAL_RATIO = 0.5

POLL_S = 0.05
COLD_TIMEOUT_S = 120.0
WARM_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 60.0
MB = 1024 * 1024

BARE_APP = '''"""Bare Litestar hello: the floor TBot's /health is compared to."""

from litestar import Litestar, get


@get("/")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar(route_handlers=[hello])
'''


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
                _stop_tree(child.process)


def _stop_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (TBot's clean stop), then SIGKILL for it and anything it started."""
    tree = _descendants(process.pid)
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


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.NoSuchProcess:
        return []


def _is_gone(process: psutil.Process) -> bool:
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
    tree = _descendants(child.process.pid)
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
    left = [f"{name} pid {p.pid}" for name, p in servers.items() if not _is_gone(p)]
    left += [f"pid {p.pid} {_name(p)}" for p in tree if not _is_gone(p)]
    if left:
        raise BenchmarkError(f"{child.name} left processes behind: {', '.join(left)}")
    return took


def _name(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())[:80] or process.name()
    except psutil.Error:
        return "?"


# ---------------------------------------------------------------- memory


@dataclass(frozen=True)
class Memory:
    total_mb: float
    processes: list[tuple[int, str, float]]  # pid, name, MB


def tbot_memory(root_pid: int, excluded_roots: Sequence[int]) -> Memory:
    """RSS of the node and its descendants, minus the embedded servers and their children:
    those are PostgreSQL and Redis, which an external deployment would not count either."""
    excluded = set(excluded_roots)
    for pid in excluded_roots:
        excluded.update(p.pid for p in _descendants(pid))
    root = psutil.Process(root_pid)
    counted = [root, *(p for p in _descendants(root_pid) if p.pid not in excluded)]
    rows = []
    for process in counted:
        with contextlib.suppress(psutil.NoSuchProcess):
            rows.append((process.pid, process.name(), process.memory_info().rss / MB))
    return Memory(sum(mb for _, _, mb in rows), rows)


def process_rss_mb(pid: int) -> float:
    return float(psutil.Process(pid).memory_info().rss) / MB


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


def wrk_load(wrk: str, target: str, url: str, connections: int, duration: int) -> LoadResult:
    threads = max(1, min(2, connections))  # one per core here; wrk needs threads <= connections
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url]
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


def asyncio_load(target: str, port: int, path: str, connections: int, duration: int) -> LoadResult:
    """Fallback without wrk: N keep-alive HTTP/1.1 connections, each sending the next request
    as soon as the previous response is complete. It shares the CPU with the server, so its
    figures are lower than wrk's; it loads both servers the same way, so the ratio holds."""
    tally = _Tally()
    asyncio.run(_drive(port, path, connections, duration, tally))
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


async def _drive(port: int, path: str, connections: int, duration: int, tally: _Tally) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: {LOCALHOST}:{port}\r\n\r\n".encode()
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


# ---------------------------------------------------------------- the node's own account


def startup_phases(child: Child, wall_start: float, ready_s: float) -> list[str]:
    """The node's JSON log events up to the first 200, as offsets from Popen: where the
    start-up time goes, without a profiler."""
    phases = []
    for raw in child.output_tail(200_000).splitlines():
        if not raw.startswith("{"):
            continue
        try:
            event = json.loads(raw)
            stamp = datetime.fromisoformat(event["timestamp"]).timestamp()
        except (ValueError, KeyError, TypeError):
            continue
        offset = stamp - wall_start
        if offset > ready_s:
            break
        phases.append(f"    {offset:6.2f} s  {str(event.get('event', ''))[:90]}")
    return phases


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


# ---------------------------------------------------------------- the benchmark


@dataclass
class Figures:
    cold_s: float = 0.0
    warm_s: float = 0.0
    rss_mb: float = 0.0
    health_rps: float = 0.0
    bare_rps: float = 0.0
    bare_start_s: float = 0.0
    bare_rss_mb: float = 0.0
    generator: str = ""
    runs: list[LoadResult] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.health_rps / self.bare_rps if self.bare_rps else 0.0


def say(text: str) -> None:
    print(text, flush=True)


def start_node(children: Children, work: Path, name: str) -> tuple[Child, int, float]:
    port = free_port()
    wall_start = time.time()
    child = children.start(
        name,
        [sys.executable, "-m", "tbot", "up", "--port", str(port)],
        env=child_env(work),
        log=work / f"{name}.out",
    )
    return child, port, wall_start


def measure_start(
    children: Children, work: Path, name: str, timeout: float
) -> tuple[Child, int, float]:
    """Start a node; return it, its API port and the seconds from Popen to /health 200."""
    child, port, wall_start = start_node(children, work, name)
    took = wait_for_200(child, port, "/health", timeout)
    say(f"  {name}: /health 200 after {took:.2f} s (pid {child.process.pid}, port {port})")
    for line in startup_phases(child, wall_start, took):
        say(line)
    return child, port, took


def report_complaints(child: Child) -> None:
    lines = complaints(child)
    if lines:
        say(f"  {child.name}: {len(lines)} warning/error line(s) in its output:")
        for line in lines[:5]:
            say(f"    {line}")
    else:
        say(f"  {child.name}: no warning or error in its output")


def run(args: argparse.Namespace, work: Path, wrk: str | None, children: Children) -> Figures:
    figures = Figures(generator="wrk" if wrk else "asyncio")
    data_dir = work / "data"

    say(f"cold start: `tbot up` on the empty data folder {data_dir}")
    cold, _, figures.cold_s = measure_start(children, work, "node-cold", COLD_TIMEOUT_S)
    say(f"  stopped with SIGINT in {stop_node(cold, data_dir):.2f} s: exit 0, no process left")
    report_complaints(cold)

    say("warm start: `tbot up` again on the same, now initialised, data folder")
    warm, port, figures.warm_s = measure_start(children, work, "node-warm", WARM_TIMEOUT_S)
    say(f"memory: {args.rest:.0f} s of rest, then RSS of TBot's processes (embedded servers out)")
    time.sleep(args.rest)
    figures.rss_mb = measure_memory(warm, data_dir)

    # Started only now, so that it is idle while TBot's memory is read.
    bare, bare_port, figures.bare_start_s = start_bare(children, work)
    figures.bare_rss_mb = process_rss_mb(bare.process.pid)
    say(f"  bare Litestar at rest: {figures.bare_rss_mb:.1f} MB")

    targets = {"bare_litestar": (bare_port, "/"), "tbot_health": (port, "/health")}
    figures.runs = measure_throughput(args, wrk, targets)
    figures.bare_rps = max(r.rps for r in figures.runs if r.target == "bare_litestar")
    figures.health_rps = max(r.rps for r in figures.runs if r.target == "tbot_health")
    after = tbot_memory(warm.process.pid, list(embedded_pids(data_dir).values())).total_mb
    say(
        f"  after the load: TBot RSS {after:.1f} MB, /health answers {http_status(port, '/health')}"
    )

    say("stop: SIGINT to the warm node and the bare app")
    say(f"  node-warm stopped in {stop_node(warm, data_dir):.2f} s: exit 0, no process left")
    _stop_tree(bare.process)
    report_complaints(warm)
    return figures


def measure_memory(node: Child, data_dir: Path) -> float:
    servers = embedded_pids(data_dir)
    memory = tbot_memory(node.process.pid, list(servers.values()))
    for pid, name, mb in memory.processes:
        say(f"  pid {pid:<7} {name:<20} {mb:7.1f} MB")
    say(
        f"  total {memory.total_mb:.1f} MB (excluded: postgres {servers['postgres']}, "
        f"redis {servers['redis']} and their children)"
    )
    return memory.total_mb


def measure_throughput(
    args: argparse.Namespace, wrk: str | None, targets: dict[str, tuple[int, str]]
) -> list[LoadResult]:
    """Same generator, duration and connections for every target, in alternating rounds so
    that a burst of noise on a shared machine does not land on one app only."""
    say(
        f"throughput: {'wrk' if wrk else 'asyncio'}, {args.connections} connections, "
        f"{args.duration} s per run, {args.rounds} round(s) alternating, best of each"
    )
    say("  (TBot's /health reuses its dependency check for health_cache_s = 1 s by default)")
    if args.warmup:
        # First requests pay for lazy imports, caches and the kernel's socket buffers;
        # that is start-up, not throughput.
        say(f"  warm-up: {args.warmup} s on each, not counted")
        for target, (port, path) in targets.items():
            load(wrk, target, port, path, args.connections, args.warmup)
    runs = []
    for _ in range(args.rounds):
        for target, (port, path) in targets.items():
            result = load(wrk, target, port, path, args.connections, args.duration)
            runs.append(result)
            say(f"  {result.line()}")
    return runs


def start_bare(children: Children, work: Path) -> tuple[Child, int, float]:
    """The floor: one uvicorn worker, as TBot serves its API from one process."""
    (work / "bare_hello.py").write_text(BARE_APP, encoding="utf-8")
    port = free_port()
    say("bare Litestar hello on uvicorn (one worker), the throughput floor")
    child = children.start(
        "bare-litestar",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_hello:app",
            "--app-dir",
            str(work),
            "--host",
            LOCALHOST,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=child_env(work),
        log=work / "bare-litestar.out",
    )
    took = wait_for_200(child, port, "/", 30.0)
    say(f"  bare Litestar: / 200 after {took:.2f} s (pid {child.process.pid}, port {port})")
    return child, port, took


def load(
    wrk: str | None, target: str, port: int, path: str, connections: int, duration: int
) -> LoadResult:
    if wrk:
        url = f"http://{LOCALHOST}:{port}{path}"
        return wrk_load(wrk, target, url, connections, duration)
    return asyncio_load(target, port, path, connections, duration)


# ---------------------------------------------------------------- report


def goals(figures: Figures) -> list[tuple[str, str, str, str, bool]]:
    """(figure, value, goal, floor, met) rows."""
    return [
        (
            "cold start",
            f"{figures.cold_s:.2f} s",
            f"< {GOAL_COLD_S:.0f} s",
            "-",
            figures.cold_s < GOAL_COLD_S,
        ),
        (
            "warm start",
            f"{figures.warm_s:.2f} s",
            f"< {GOAL_WARM_S:.0f} s",
            f"bare app {figures.bare_start_s:.2f} s",
            figures.warm_s < GOAL_WARM_S,
        ),
        (
            "RSS at rest",
            f"{figures.rss_mb:.1f} MB",
            f"< {GOAL_RSS_MB:.0f} MB",
            f"bare app {figures.bare_rss_mb:.1f} MB",
            figures.rss_mb < GOAL_RSS_MB,
        ),
        (
            "/health",
            f"{figures.health_rps:.0f} req/s",
            f">= {GOAL_RATIO:.0%} of floor ({figures.ratio:.0%})",
            f"bare app {figures.bare_rps:.0f} req/s",
            figures.ratio >= GOAL_RATIO,
        ),
    ]


def print_report(figures: Figures) -> None:
    rows = goals(figures)
    header = ("figure", "TBot", "goal", "raw floor (same run)", "")
    table = [header, *((a, b, c, d, "met" if ok else "MISSED") for a, b, c, d, ok in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    say("")
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        say("  ".join(cells).rstrip())
    say(f"load generator: {figures.generator}")
    keys = ("cold_start", "warm_start", "rss", "health_rps")
    met = [key for key, row in zip(keys, rows, strict=True) if row[4]]
    missed = [key for key, row in zip(keys, rows, strict=True) if not row[4]]
    say(f"goals met: {', '.join(met) or 'none'}; missed: {', '.join(missed) or 'none'}")
    say(
        f"cold_start_s={figures.cold_s:.2f} warm_start_s={figures.warm_s:.2f} "
        f"rss_mb={figures.rss_mb:.1f} health_rps={figures.health_rps:.0f} "
        f"bare_litestar_rps={figures.bare_rps:.0f} ratio={figures.ratio:.2f}"
    )


# ---------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=2, help="load rounds (best of them)")
    parser.add_argument("--warmup", type=int, default=2, help="uncounted seconds per app")
    parser.add_argument("--rest", type=float, default=3.0, help="seconds of rest before RSS")
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "asyncio"),
        default="auto",
        help="auto: wrk (installed once with apt-get if root), else the asyncio fallback",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.connections < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("--duration, --connections and --rounds must be at least 1")
    return args


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


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Started with `&` from a script, Python inherits SIGINT ignored, and SIGTERM would skip
    # every `finally`: both must reach the clean-up that stops the nodes.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    children = Children()
    try:
        wrk = choose_wrk(args.generator)  # before any timing: an install must not skew it
        say(f"TBot start-up benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        with temp_folder(args.keep) as work:
            try:
                figures = run(args, work, wrk, children)
            finally:
                children.kill_all()
    except BenchmarkError as error:
        say(f"BENCHMARK FAILED: {error}")
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    print_report(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
