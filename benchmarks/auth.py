"""Logins per second, and what authorization costs an API request, next to the same request
without the guard.

Run from the repository root with the venv's Python:

    python benchmarks/auth.py [--duration 10] [--connections 32] [--keep]

One `tbot up --role api` node runs on the embedded PostgreSQL and Redis of a temp folder. The
authorized request is `GET /api/v1/roles/` with a bearer access token: TBot's guard verifies
the JWT (cached per token until expiry), checks the node's pub/sub-fed copy of the revocation
list and spends one permit of a leased API rate-limit budget (an EVALSHA only when a lease runs
out, or one per request while the copy is not trusted), then the handler reads the roles from
PostgreSQL. The floor is the same app, built from the
same code in a second process with the guard taken out, attached to the same database and
Redis and loaded in the same run. The last line is machine-readable:

    login_per_s=X.X authorized_request_rps=N bare_rps=N ratio=X.XX

Goals missed are reported, not failed: the exit code is 0 unless the benchmark itself broke
(a node that would not start or stop cleanly, a request that did not answer as expected).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bcrypt
import httpx
import psutil  # type: ignore[import-untyped]
import redis

from _harness import (
    ADMIN,
    BenchmarkError,
    Child,
    Children,
    LoadResult,
    child_env,
    choose_wrk,
    embedded_pids,
    interrupt,
    load,
    load_arguments,
    prepare_api_node,
    report_complaints,
    say,
    stop_node,
    stop_tree,
    temp_folder,
    wait_for_200,
)
from tbot.adapters.embedded.ports import LOCALHOST, free_port

# The goal: bcrypt only at login, so checking a token must be cheap.
GOAL_RATIO = 0.8

ROUTE = "/api/v1/roles/"  # ListRoles: needs users.manage, which the admin role has
LOGIN_ROUTE = "/api/v1/auth/login"
BCRYPT_ROUNDS = 12  # TBot's default `bcrypt_rounds`, left as it is: the production cost
# Raised so that the limiter never refuses during the run; it still runs on every request.
NODE_TIMEOUT_S = 120.0
BARE_TIMEOUT_S = 60.0

BARE_APP = '''"""TBot's own API app with the guard taken out: the floor for an authorized request.

Built by tbot.entrypoints.api.app.create_asgi from a container bootstrapped like a node's, on
the node's data folder (so it attaches to the node's embedded PostgreSQL and Redis), and
served by the node's uvicorn configuration. Two things differ from the node's app:

- the Litestar app gets `guards=[]`: no JWT check, no revocation lookup, no rate limit;
- the `caller` dependency returns an operator caller (every permission), so the handlers and
  their use cases run their own permission checks exactly as they do behind the guard.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
from pathlib import Path
from typing import Any
from unittest.mock import patch

from litestar import Litestar
from litestar.di import Provide

from tbot.adapters.observability.logging import configure_logging
from tbot.bootstrap import bootstrap
from tbot.config import load_bootstrap
from tbot.domain.identity.caller import Caller
from tbot.entrypoints.api import app as api_app
from tbot.entrypoints.node.api_server import create_server

OPERATOR = Caller.operator("bench")


def operator() -> Caller:
    return OPERATOR


def unguarded(**kwargs: Any) -> Litestar:
    kwargs["guards"] = []
    caller = Provide(operator, sync_to_thread=False)
    kwargs["dependencies"] = {**kwargs["dependencies"], "caller": caller}
    return Litestar(**kwargs)


async def serve(port: int, log_file: Path) -> None:
    settings = load_bootstrap()
    node = settings.effective_node_id
    configure_logging(log_file=log_file, fmt=settings.log_format, node_id=node)
    async with bootstrap(settings, roles=("api",), migrate=False) as tbot:
        runtime = tbot.runtime
        assert runtime is not None
        # As the node does once its runtime settings are read (same level, same handlers).
        configure_logging(
            level=runtime.log_level,
            log_file=log_file,
            max_bytes=runtime.log_file_max_mb * 1024 * 1024,
            backups=runtime.log_file_backups,
            fmt=settings.log_format,
            node_id=node,
        )
        # create_app looks the name up when it runs: its Litestar(...) call becomes ours.
        with patch.object(api_app, "Litestar", unguarded):
            asgi = api_app.create_asgi(tbot.container)
        server = create_server(asgi, "127.0.0.1", port)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
        gc.freeze()  # as the node does before serving
        await server.serve()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), Path(sys.argv[2])))
'''


# ---------------------------------------------------------------- set-up through the CLI


def prepare(env: dict[str, str], password: str) -> None:
    took = prepare_api_node(env, password)
    say(
        f"  done in {took:.1f} s; bcrypt_rounds stays at its default "
        f"{BCRYPT_ROUNDS} (the production cost)"
    )
    say(
        "  the API rate limiter still counts every authenticated request (from leased permits, "
        "an EVALSHA per lease); only its budget is raised so that it never refuses during the run"
    )


# ---------------------------------------------------------------- processes


def start_node(children: Children, work: Path, env: dict[str, str]) -> tuple[Child, int]:
    port = free_port()
    say(f"node: `tbot up --role api --port {port}` on the embedded servers of {work / 'data'}")
    child = children.start(
        "node",
        [sys.executable, "-m", "tbot", "up", "--role", "api", "--port", str(port)],
        env=env,
        log=work / "node.out",
    )
    took = wait_for_200(child, port, "/health", NODE_TIMEOUT_S)
    say(f"  /health 200 after {took:.2f} s (pid {child.process.pid}, port {port})")
    return child, port


def start_bare(children: Children, work: Path, env: dict[str, str]) -> tuple[Child, int]:
    """The same app without the guard, in its own process (one uvicorn worker, as the node)."""
    (work / "bare_tbot.py").write_text(BARE_APP, encoding="utf-8")
    port = free_port()
    say(f"bare: TBot's app with guards=[] and an operator caller, uvicorn on port {port}")
    say("  (same code, container and uvicorn config as the node; attached to its PostgreSQL/Redis)")
    child = children.start(
        "bare",
        [
            sys.executable,
            str(work / "bare_tbot.py"),
            str(port),
            str(work / "bare-logs" / "tbot.log"),
        ],
        env=env,
        log=work / "bare.out",
    )
    took = wait_for_200(child, port, ROUTE, BARE_TIMEOUT_S)
    say(f"  GET {ROUTE} without a token: 200 after {took:.2f} s (pid {child.process.pid})")
    return child, port


def stop_bare(child: Child) -> None:
    """SIGINT; it must exit 0 and leave the node's servers running (it only attached)."""
    child.process.send_signal(signal.SIGINT)
    try:
        code = child.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        stop_tree(child.process)
        raise BenchmarkError(f"bare did not stop on SIGINT:\n{child.output_tail()}") from None
    if code != 0:
        raise BenchmarkError(f"bare exited with {code}:\n{child.output_tail()}")


# ---------------------------------------------------------------- requests


def url(port: int, path: str) -> str:
    return f"http://{LOCALHOST}:{port}{path}"


def log_in(port: int, password: str) -> str:
    """A fresh access token (default lifetime, 15 minutes) for the admin."""
    response = httpx.post(
        url(port, LOGIN_ROUTE), json={"login": ADMIN, "password": password}, timeout=30
    )
    if response.status_code != 200:
        raise BenchmarkError(f"login answered {response.status_code}: {response.text[:500]}")
    token: str = response.json()["access_token"]
    return token


def get(port: int, path: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(url(port, path), headers=headers, timeout=30)


def check_routes(node_port: int, bare_port: int, token: str) -> None:
    """Both apps answer the same body; only the node asks for a token."""
    refused = get(node_port, ROUTE)
    authorized = get(node_port, ROUTE, token)
    bare = get(bare_port, ROUTE)
    say(
        f"check: node without a token {refused.status_code}, node with the token "
        f"{authorized.status_code}, bare without a token {bare.status_code}"
    )
    if refused.status_code != 401 or authorized.status_code != 200 or bare.status_code != 200:
        raise BenchmarkError(
            f"unexpected answers: {refused.text[:300]} / {authorized.text[:300]} / "
            f"{bare.text[:300]}"
        )
    if authorized.json() != bare.json():
        raise BenchmarkError(f"the apps answer differently:\n{authorized.text}\n{bare.text}")
    roles = ", ".join(role["name"] for role in authorized.json())
    say(f"  same body from both ({len(authorized.content)} bytes, roles: {roles})")


# ---------------------------------------------------------------- logins


@dataclass
class Logins:
    ok: int = 0
    refused: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    cpu_s: float = 0.0

    @property
    def per_s(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s else 0.0


def bcrypt_verify_s(password: str) -> float:
    """The floor of a login, measured here: one bcrypt verify at TBot's default cost."""
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS))
    times = []
    for _ in range(3):
        started = time.perf_counter()
        bcrypt.checkpw(password.encode(), hashed)
        times.append(time.perf_counter() - started)
    return min(times)


def measure_logins(node: Child, port: int, password: str, clients: int, duration: int) -> Logins:
    """`clients` concurrent clients log in with the right password for `duration` seconds.
    Logins started in the window are allowed to finish; the rate is over the whole span."""
    say(f"logins: {clients} concurrent clients, POST {LOGIN_ROUTE} for {duration} s")
    process = psutil.Process(node.process.pid)
    cpu_before = sum(process.cpu_times()[:2])
    logins = asyncio.run(_log_in_concurrently(port, password, clients, duration))
    logins.cpu_s = sum(process.cpu_times()[:2]) - cpu_before
    p50 = statistics.median(logins.latencies) * 1000 if logins.latencies else 0.0
    cpu = logins.cpu_s / logins.ok if logins.ok else 0.0
    say(
        f"  {logins.ok} logins in {logins.elapsed_s:.1f} s = {logins.per_s:.1f}/s; "
        f"refused {logins.refused or 'none'}, {logins.errors} errors; p50 {p50:.0f} ms; "
        f"node CPU {cpu * 1000:.0f} ms per login"
    )
    return logins


async def _log_in_concurrently(port: int, password: str, clients: int, duration: int) -> Logins:
    logins = Logins()
    body = {"login": ADMIN, "password": password}
    async with httpx.AsyncClient(base_url=url(port, ""), timeout=60) as client:
        started = time.monotonic()
        deadline = started + duration

        async def keep_logging_in() -> None:
            while time.monotonic() < deadline:
                sent = time.monotonic()
                try:
                    response = await client.post(LOGIN_ROUTE, json=body)
                except httpx.HTTPError:
                    logins.errors += 1
                    continue
                if response.status_code == 200:
                    logins.ok += 1
                    logins.latencies.append(time.monotonic() - sent)
                else:
                    code = response.status_code
                    logins.refused[code] = logins.refused.get(code, 0) + 1

        await asyncio.gather(*(keep_logging_in() for _ in range(clients)))
        logins.elapsed_s = time.monotonic() - started
    return logins


# ---------------------------------------------------------------- throughput


SETTLE_S = 1.0  # before each run: requests still queued from the previous one finish


@dataclass(frozen=True)
class Target:
    name: str
    port: int
    pid: int
    authorized: bool  # a fresh bearer token per run, from a login not counted in the run


@dataclass(frozen=True)
class Run:
    result: LoadResult
    cpu_us: float  # CPU of the app's process (all its threads) per request
    mget: float  # Redis MGET and EVALSHA calls per request during the run
    evalsha: float

    def line(self) -> str:
        return (
            f"{self.result.line()}\n{'':<18}app CPU {self.cpu_us:.0f} µs per request; "
            f"Redis per request: {self.mget:.2f} MGET, {self.evalsha:.2f} EVALSHA"
        )


def redis_calls(redis_port: int) -> dict[str, int]:
    """Commands the (shared) Redis has served so far, by name."""
    client = redis.Redis(host=LOCALHOST, port=redis_port, socket_timeout=5)
    try:
        stats = client.info("commandstats")
        assert isinstance(stats, dict)  # the sync client's answer (the type also allows async)
    finally:
        client.close()
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


def measure_throughput(
    args: argparse.Namespace,
    wrk: str | None,
    targets: Sequence[Target],
    password: str,
    redis_port: int,
) -> list[Run]:
    """Same generator, duration and connections for both apps, in alternating rounds."""
    say(
        f"throughput: GET {ROUTE}, {'wrk' if wrk else 'asyncio'}, {args.connections} "
        f"connections, {args.duration} s per run, {args.rounds} round(s) alternating, best of each"
    )
    login_port = next(t.port for t in targets if t.authorized)

    def headers(target: Target) -> Mapping[str, str]:
        if not target.authorized:
            return {}
        return {"Authorization": f"Bearer {log_in(login_port, password)}"}

    if args.warmup:
        say(f"  warm-up: {args.warmup} s on each, not counted")
        for target in targets:
            load(
                wrk, target.name, target.port, ROUTE, args.connections, args.warmup, headers(target)
            )
    runs = []
    for _ in range(args.rounds):
        for target in targets:
            sent = headers(target)
            time.sleep(SETTLE_S)
            process = psutil.Process(target.pid)
            before, cpu_before = redis_calls(redis_port), sum(process.cpu_times()[:2])
            result = load(
                wrk, target.name, target.port, ROUTE, args.connections, args.duration, sent
            )
            after, cpu_after = redis_calls(redis_port), sum(process.cpu_times()[:2])
            count = max(result.requests, 1)
            run = Run(
                result,
                (cpu_after - cpu_before) / count * 1_000_000,
                (after.get("mget", 0) - before.get("mget", 0)) / count,
                (after.get("evalsha", 0) - before.get("evalsha", 0)) / count,
            )
            runs.append(run)
            say(f"  {run.line()}")
            if result.non_200 or result.errors:
                say(f"  WARNING: {target.name} had non-200 answers or socket errors in this run")
    return runs


# ---------------------------------------------------------------- the benchmark


@dataclass
class Figures:
    login_per_s: float = 0.0
    bcrypt_s: float = 0.0
    login_clients: int = 0
    authorized_rps: float = 0.0
    bare_rps: float = 0.0
    authorized_cpu_us: float = 0.0  # the app process's CPU per request, in the best run
    bare_cpu_us: float = 0.0
    generator: str = ""
    runs: list[Run] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.authorized_rps / self.bare_rps if self.bare_rps else 0.0

    @property
    def login_floor_per_s(self) -> float:
        """Logins/s if a login were nothing but its bcrypt verify, on every core we may use."""
        parallel = min(self.login_clients, os.cpu_count() or 1)
        return parallel / self.bcrypt_s if self.bcrypt_s else 0.0

    @property
    def guard_us(self) -> float:
        """What the guard adds to one request, in µs of a saturated server."""
        if not (self.authorized_rps and self.bare_rps):
            return 0.0
        return (1 / self.authorized_rps - 1 / self.bare_rps) * 1_000_000


def run(args: argparse.Namespace, work: Path, wrk: str | None, children: Children) -> Figures:
    figures = Figures(generator="wrk" if wrk else "asyncio", login_clients=args.login_clients)
    env = child_env(work)
    password = f"Bench-{secrets.token_urlsafe(18)}"
    prepare(env, password)

    node, port = start_node(children, work, env)
    redis_port = int(
        json.loads((work / "data" / "redis" / "server.json").read_text(encoding="utf-8"))["port"]
    )

    say(f"bcrypt: one verify at cost {BCRYPT_ROUNDS}, measured in this process (best of 3)")
    figures.bcrypt_s = bcrypt_verify_s(password)
    say(
        f"  {figures.bcrypt_s * 1000:.0f} ms: at most {figures.login_floor_per_s:.1f} logins/s "
        f"with {args.login_clients} clients on {os.cpu_count()} CPUs"
    )
    logins = measure_logins(node, port, password, args.login_clients, args.login_duration)
    if not logins.ok:
        raise BenchmarkError(f"no login succeeded:\n{node.output_tail()}")
    figures.login_per_s = logins.per_s

    bare, bare_port = start_bare(children, work, env)
    check_routes(port, bare_port, log_in(port, password))
    targets = [
        Target("bare", bare_port, bare.process.pid, authorized=False),
        Target("authorized", port, node.process.pid, authorized=True),
    ]
    figures.runs = measure_throughput(args, wrk, targets, password, redis_port)
    best = {
        target.name: max(
            (r for r in figures.runs if r.result.target == target.name),
            key=lambda r: r.result.rps,
        )
        for target in targets
    }
    figures.bare_rps, figures.bare_cpu_us = best["bare"].result.rps, best["bare"].cpu_us
    figures.authorized_rps = best["authorized"].result.rps
    figures.authorized_cpu_us = best["authorized"].cpu_us

    say("stop: SIGINT to the bare app, then to the node")
    stop_bare(bare)
    say("  bare stopped: exit 0")
    servers = embedded_pids(work / "data")
    took = stop_node(node, work / "data")
    say(
        f"  node stopped in {took:.2f} s: exit 0, no process left (postgres {servers['postgres']}"
        f", redis {servers['redis']} gone)"
    )
    report_complaints(node)
    report_complaints(bare)
    return figures


# ---------------------------------------------------------------- report


def print_report(figures: Figures) -> None:
    met = figures.ratio >= GOAL_RATIO
    rows = [
        ("figure", "TBot", "goal", "raw floor (same run)", ""),
        (
            "login",
            f"{figures.login_per_s:.1f} /s",
            "- (bcrypt, cost 12)",
            f"bcrypt verify {figures.bcrypt_s * 1000:.0f} ms: {figures.login_floor_per_s:.1f} /s",
            "",
        ),
        (
            "authorized GET",
            f"{figures.authorized_rps:.0f} req/s",
            f">= {GOAL_RATIO:.0%} of floor ({figures.ratio:.0%})",
            f"same GET, no guard {figures.bare_rps:.0f} req/s",
            "met" if met else "MISSED",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    say("")
    for row in rows:
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    say(
        f"the guard (JWT verify, revocation copy, leased rate limit) adds about "
        f"{figures.guard_us:.0f} µs "
        f"to each request at saturation on this machine, of which "
        f"{figures.authorized_cpu_us - figures.bare_cpu_us:.0f} µs is the app's own CPU "
        f"({figures.authorized_cpu_us:.0f} vs {figures.bare_cpu_us:.0f} µs per request)"
    )
    say(f"load generator: {figures.generator}")
    say(f"goals met: {'ratio' if met else 'none'}; missed: {'none' if met else 'ratio'}")
    say(
        f"login_per_s={figures.login_per_s:.1f} authorized_request_rps={figures.authorized_rps:.0f}"
        f" bare_rps={figures.bare_rps:.0f} ratio={figures.ratio:.2f}"
    )


# ---------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    load_arguments(parser)
    parser.add_argument("--login-clients", type=int, default=4, help="concurrent login clients")
    parser.add_argument("--login-duration", type=int, default=10, help="seconds of logins")
    args = parser.parse_args(argv)
    if min(args.duration, args.connections, args.rounds, args.login_clients) < 1:
        parser.error("--duration, --connections, --rounds and --login-clients must be >= 1")
    if args.warmup < 0 or args.login_duration < 1:
        parser.error("--warmup must be >= 0 and --login-duration >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # As in startup.py: SIGINT and SIGTERM must reach the clean-up that stops the processes.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)
    children = Children()
    try:
        wrk = choose_wrk(args.generator)  # before any timing: an install must not skew it
        say(
            f"TBot auth benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.2f} (other work on the machine skews the figures)"
        )
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
