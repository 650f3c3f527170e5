"""Failover under fault injection: three `tbot up` nodes, a steady stream of messages, and
`--faults` faults (kill -9, SIGSTOP, SIGTERM of the leader, restart of Redis, in turn).

    python benchmarks/failover.py [--faults 100] [--rate 8] [--stop-s 30] [--database-url URL]

It runs the cluster harness of the test suite (`tests/e2e/cluster`), so the CI test and this
benchmark share one implementation. PostgreSQL: `--database-url` (a server URL; a fresh
database is created on it, migrated, and dropped at the end), else `TBOT_TEST_DATABASE_URL`,
else postgresql://postgres@127.0.0.1:5432/postgres. Redis: a redis-server of its own.
The last line is for machines:

    faults=100 lost=0 duplicated=<n> failover_p50_s=<...> failover_p99_s=<...>
    max_concurrent_pollers=1 fenced_writes_refused=<...>
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the harness lives under tests/

from tests.conftest import create_database, drop_database  # noqa: E402
from tests.e2e.cluster.cluster import Cluster  # noqa: E402
from tests.e2e.cluster.faults import Timing, run_faults, schedule  # noqa: E402
from tests.e2e.cluster.report import Report, build_report  # noqa: E402

from tbot.adapters.postgres.migrations import upgrade_async  # noqa: E402

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
GOALS = {"kill": 7.0, "term": 1.5}  # p99 seconds, with the default TTL of 5 s


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faults", type=int, default=100)
    parser.add_argument("--rate", type=float, default=8.0, help="messages per second")
    parser.add_argument("--stop-s", type=float, default=30.0, help="how long SIGSTOP lasts")
    parser.add_argument("--redis-down-s", type=float, default=6.0)
    parser.add_argument("--ttl-s", type=float, default=5.0, help="the nodes' leader_ttl_s")
    parser.add_argument(
        "--database-url", default=os.environ.get("TBOT_TEST_DATABASE_URL") or DEFAULT_SERVER
    )
    return parser.parse_args()


async def measure(args: argparse.Namespace, folder: Path) -> Report:
    database_url = await create_database(args.database_url)
    try:
        await upgrade_async(database_url)
        timing = Timing(ttl_s=args.ttl_s, stop_s=args.stop_s, redis_down_s=args.redis_down_s)
        async with Cluster(folder, database_url, rate_per_s=args.rate) as cluster:
            started = time.monotonic()
            await cluster.wait_ready()
            print(f"3 nodes up in {time.monotonic() - started:.1f} s", flush=True)
            cluster.start_stream()
            records = []
            for number, kind in enumerate(schedule(args.faults), 1):
                [record] = await run_faults(cluster, [kind], timing)
                records.append(record)
                took = "never" if record.recovered_s is None else f"{record.recovered_s:.2f} s"
                print(f"fault {number:3} {kind:5} on {record.node}: answered after {took}",
                      flush=True)  # fmt: skip
            await cluster.drain()
            return build_report(cluster, records)
    finally:
        await drop_database(args.database_url, database_url)


def goals(report: Report) -> list[str]:
    lines = []
    for kind, limit in GOALS.items():
        times = sorted(report.failover_s.get(kind, []))
        if times:
            worst = times[max(0, -(-99 * len(times) // 100) - 1)]
            met = "met" if worst <= limit else "MISSED"
            lines.append(f"goal {kind} p99 <= {limit} s: {worst:.2f} s, {met}")
    stops = [r for r in report.records if r.kind == "stop"]
    polls = sum(r.polls_after_resume or 0 for r in stops)
    met = "met" if polls == 0 else "MISSED"
    lines.append(f"goal 0 getUpdates by a SIGSTOP'd leader after SIGCONT: {polls}, {met}")
    return lines


def main() -> int:
    args = parse()
    with tempfile.TemporaryDirectory(prefix="tbot-failover-") as folder:
        report = asyncio.run(measure(args, Path(folder)))
    for line in [*report.per_kind_lines(), *goals(report)]:
        print(line)
    print(report.last_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
