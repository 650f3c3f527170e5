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
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from _harness import (
    BenchmarkError,
    Child,
    Children,
    LoadResult,
    child_env,
    choose_wrk,
    descendants,
    embedded_pids,
    http_status,
    interrupt,
    load,
    load_arguments,
    report_complaints,
    say,
    stop_node,
    stop_tree,
    temp_folder,
    wait_for_200,
)
from tbot.adapters.embedded.ports import LOCALHOST, free_port

# The goals. Throughput is relative: absolute requests/s say more about the machine.
GOAL_COLD_S = 15.0
GOAL_WARM_S = 5.0
GOAL_RSS_MB = 200.0
GOAL_RATIO = 0.5

COLD_TIMEOUT_S = 120.0
WARM_TIMEOUT_S = 60.0
MB = 1024 * 1024

BARE_APP = '''"""Bare Litestar hello: the floor TBot's /health is compared to."""

from litestar import Litestar, get


@get("/")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar(route_handlers=[hello])
'''


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
        excluded.update(p.pid for p in descendants(pid))
    root = psutil.Process(root_pid)
    counted = [root, *(p for p in descendants(root_pid) if p.pid not in excluded)]
    rows = []
    for process in counted:
        with contextlib.suppress(psutil.NoSuchProcess):
            rows.append((process.pid, process.name(), process.memory_info().rss / MB))
    return Memory(sum(mb for _, _, mb in rows), rows)


def process_rss_mb(pid: int) -> float:
    return float(psutil.Process(pid).memory_info().rss) / MB


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
    stop_tree(bare.process)
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
    load_arguments(parser)
    parser.add_argument("--rest", type=float, default=3.0, help="seconds of rest before RSS")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.connections < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("--duration, --connections and --rounds must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Started with `&` from a script, Python inherits SIGINT ignored, and SIGTERM would skip
    # every `finally`: both must reach the clean-up that stops the nodes.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)
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
