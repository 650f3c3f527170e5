"""The four faults and the loop that injects them into a running Cluster, one at a time,
each against the node that leads at that moment.

- kill: `kill -9` of the leader; restarted once the cluster answers again.
- stop: SIGSTOP of the leader for `stop_s` (longer than the TTL), then SIGCONT; the resumed
  node must make no getUpdates call and confirm nothing.
- term: SIGTERM of the leader (graceful handover); restarted once the cluster answers again.
- redis: Redis killed for `redis_down_s`, then started again without its data; meanwhile no
  node may start polling, and `/health` must say degraded.
"""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.e2e.cluster.cluster import Cluster
from tests.e2e.cluster.pollers import polls_by
from tests.e2e.node import Node

KINDS = ("kill", "stop", "term", "redis")
ANSWER_TIMEOUT_S = 60.0
SETTLE_S = 1.0  # steady traffic between faults, and the window after SIGCONT that is watched
LEASE_LOST_EVENTS = ("bot_lease_lost", "leadership_lost", "bot_stale_batch_dropped")


@dataclass(slots=True)
class FaultRecord:
    kind: str
    node: str | None  # the leader when the fault came
    at: float  # wall clock of the fault
    measured_from: float  # the fault, or Redis's return for the redis fault
    recovered_s: float | None = None  # to the first answer to a message sent after it
    resumed_at: float | None = None  # SIGCONT, or Redis back
    polls_after_resume: int | None = None  # stop: getUpdates by the resumed node
    lease_lost_logged: bool | None = None  # stop: its log says it stopped leading
    fenced_refused_logged: int = 0  # stop: fenced_write_refused lines in its log since
    ticks_after_resume: int | None = None  # stop: periodic ticks the resumed node enqueued
    refusals_counted: float = 0.0  # stop: tbot_fenced_writes_refused_total on its /metrics
    polls_while_redis_down: int | None = None  # redis: polls started once no lease could hold
    health_while_redis_down: str | None = None  # redis: "<status code> <status>"
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Timing:
    ttl_s: float = 5.0  # the default leader_ttl_s
    stop_s: float = 7.0  # how long a SIGSTOP'd leader sleeps (must exceed the TTL)
    redis_down_s: float = 6.0


async def run_faults(cluster: Cluster, kinds: list[str], timing: Timing) -> list[FaultRecord]:
    records = []
    for kind in kinds:
        await cluster.wait_ready(nodes=2)  # a leader and one node to take over
        await _steady(cluster)
        records.append(await INJECT[kind](cluster, timing))
    return records


async def _steady(cluster: Cluster) -> None:
    """Traffic flows: a message sent from now on is answered."""
    started = time.time()
    if await cluster.wait_answer_after(started, ANSWER_TIMEOUT_S) is None:
        raise AssertionError("the cluster stopped answering between faults")
    await asyncio.sleep(SETTLE_S)


async def _recover(cluster: Cluster, record: FaultRecord) -> FaultRecord:
    answered = await cluster.wait_answer_after(record.measured_from, ANSWER_TIMEOUT_S)
    if answered is not None:
        record.recovered_s = answered - record.measured_from
    return record


def _leader_node(cluster: Cluster) -> str:
    leader = cluster.leader()
    assert leader is not None, "no leader to hit"
    return leader


async def kill(cluster: Cluster, timing: Timing) -> FaultRecord:
    name = _leader_node(cluster)
    record = FaultRecord("kill", name, time.time(), time.time())
    await asyncio.to_thread(cluster.nodes[name].kill)
    await _recover(cluster, record)
    cluster.restart(name)
    return record


async def term(cluster: Cluster, timing: Timing) -> FaultRecord:
    name = _leader_node(cluster)
    node = cluster.nodes[name]
    assert node.process is not None
    record = FaultRecord("term", name, time.time(), time.time())
    node.process.send_signal(signal.SIGTERM)
    await _recover(cluster, record)
    code = await asyncio.to_thread(node.process.wait, 60)
    if code != 0:
        record.notes.append(f"exit code {code}")
    cluster.restart(name)
    return record


async def stop(cluster: Cluster, timing: Timing) -> FaultRecord:
    name = _leader_node(cluster)
    node = cluster.nodes[name]
    assert node.process is not None
    record = FaultRecord("stop", name, time.time(), time.time())
    node.process.send_signal(signal.SIGSTOP)
    await _recover(cluster, record)
    await asyncio.sleep(max(0.0, record.at + timing.stop_s - time.time()))
    log = cluster.log_of(name)
    seen = log.stat().st_size if log.exists() else 0
    record.resumed_at = time.time()
    node.process.send_signal(signal.SIGCONT)
    await asyncio.sleep(SETTLE_S + 1.0)  # what it does once it runs again
    record.polls_after_resume = polls_by(
        cluster.tracker.polls, name, record.resumed_at, time.time()
    )
    said = _read_from(log, seen)
    record.lease_lost_logged = any(event in said for event in LEASE_LOST_EVENTS)
    record.fenced_refused_logged = said.count("fenced_write_refused")
    record.ticks_after_resume = said.count("periodic_ticks_enqueued")
    record.refusals_counted = await asyncio.to_thread(_refusals_counted, node)
    return record


async def redis_restart(cluster: Cluster, timing: Timing) -> FaultRecord:
    name = cluster.leader()
    down_at = time.time()
    await asyncio.to_thread(cluster.redis.stop)
    await asyncio.sleep(timing.ttl_s + 0.5)  # every lease has run out by every node's clock
    record = FaultRecord("redis", name, down_at, down_at)
    record.health_while_redis_down = await asyncio.to_thread(_health, cluster)
    quiet_from = time.time()
    await asyncio.sleep(max(0.0, down_at + timing.redis_down_s - time.time()))
    await asyncio.to_thread(cluster.redis.start)
    record.resumed_at = record.measured_from = time.time()
    record.polls_while_redis_down = sum(
        1 for p in cluster.tracker.polls if quiet_from <= p.started < record.resumed_at
    )
    return await _recover(cluster, record)


def _health(cluster: Cluster) -> str:
    """What the first node that answers says (a node restarted after a fault may be starting)."""
    said = "no node answered"
    for node in cluster.nodes.values():
        try:
            answer = httpx.get(f"{node.base_url}/health", timeout=5)
            return f"{answer.status_code} {answer.json().get('status')}"
        except (httpx.HTTPError, ValueError) as error:
            said = f"no answer: {error}"
    return said


def _refusals_counted(node: Node) -> float:
    """The node's tbot_fenced_writes_refused_total, all labels (0 if it cannot be read)."""
    try:
        text = httpx.get(f"{node.base_url}/metrics", timeout=5).text
    except httpx.HTTPError:
        return 0.0
    prefix = "tbot_fenced_writes_refused_total{"
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)
    )


def _read_from(log: Path, offset: int) -> str:
    if not log.exists():
        return ""
    with log.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace")


INJECT = {"kill": kill, "stop": stop, "term": term, "redis": redis_restart}


def schedule(count: int) -> list[str]:
    """`count` faults, the four kinds in turn."""
    return [KINDS[i % len(KINDS)] for i in range(count)]
