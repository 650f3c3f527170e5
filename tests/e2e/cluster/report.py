"""What a fault loop showed: messages lost and answered twice, failover times per kind, the
peak of concurrent pollers outside 409 handovers, and the resumed leaders' behaviour."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.cluster.cluster import Cluster
from tests.e2e.cluster.faults import FaultRecord
from tests.e2e.cluster.pollers import max_concurrent_outside_handovers


@dataclass(slots=True)
class Report:
    faults: int
    messages: int
    lost: list[int]
    duplicated: int  # replies beyond the first, of any kind
    duplicates_per_fault: Counter[int]  # fault index -> duplicate replies in its window
    kinds_of_extra: Counter[str]  # answer (the same answer twice), unavailable, apology
    max_concurrent_pollers: int
    fenced_writes_refused: int
    first_replies: Counter[str]
    notice_only: list[int]  # told "temporarily unavailable" and never answered after it
    told_then_answered: int  # told "temporarily unavailable", then answered once it was back
    records: list[FaultRecord]
    failover_s: dict[str, list[float]] = field(default_factory=dict)

    @property
    def all_failovers(self) -> list[float]:
        # Redis's restart is a recovery, not a failover: measured from its return.
        return [s for kind, times in self.failover_s.items() if kind != "redis" for s in times]

    def last_line(self) -> str:
        failovers = self.all_failovers
        return (
            f"faults={self.faults} lost={len(self.lost)} duplicated={self.duplicated} "
            f"failover_p50_s={_pct(failovers, 50)} failover_p99_s={_pct(failovers, 99)} "
            f"max_concurrent_pollers={self.max_concurrent_pollers} "
            f"fenced_writes_refused={self.fenced_writes_refused}"
        )

    def per_kind_lines(self) -> list[str]:
        lines = []
        for kind, times in self.failover_s.items():
            hits = [r for r in self.records if r.kind == kind]
            unrecovered = sum(1 for r in hits if r.recovered_s is None)
            line = (
                f"{kind}: n={len(hits)} p50_s={_pct(times, 50)} p99_s={_pct(times, 99)} "
                f"max_s={max(times, default=float('nan')):.2f} unrecovered={unrecovered}"
            )
            if kind == "stop":
                polls = sum(r.polls_after_resume or 0 for r in hits)
                logged = sum(1 for r in hits if r.lease_lost_logged)
                ticks = sum(r.ticks_after_resume or 0 for r in hits)
                refused = sum(r.fenced_refused_logged for r in hits)
                line += (
                    f" getupdates_after_sigcont={polls} jobs_enqueued_after_sigcont={ticks}"
                    f" lease_lost_logged={logged}/{len(hits)} refusals_logged={refused}"
                )
            if kind == "redis":
                polls = sum(r.polls_while_redis_down or 0 for r in hits)
                health = sorted({r.health_while_redis_down or "" for r in hits})
                line += f" polls_while_down={polls} health_while_down={health}"
            lines.append(line)
        per_fault = {
            f"{i}:{self.records[i].kind}": n for i, n in self.duplicates_per_fault.items() if i >= 0
        }
        lines.append(
            f"duplicates by fault: {per_fault}; extra replies: {dict(self.kinds_of_extra)}"
        )
        lines.append(
            f"messages={self.messages} first reply: {dict(self.first_replies)}; "
            f"told 'temporarily unavailable', then answered: {self.told_then_answered}; "
            f"only told, never answered: {len(self.notice_only)}"
        )
        return lines


def build_report(cluster: Cluster, records: list[FaultRecord]) -> Report:
    replies = cluster.telegram.replies_by_update
    sent_ids = {s.update_id for s in cluster.sent}
    lost = sorted(u for u in sent_ids if not replies.get(u))
    per_fault: Counter[int] = Counter()
    duplicated = 0
    extra_kinds: Counter[str] = Counter()
    notices: Counter[str] = Counter()  # what the first reply was
    notice_only: list[int] = []
    starts = [r.at for r in records]
    told_then_answered = 0
    for update_id in sent_ids:
        answers = replies.get(update_id, [])
        for extra in _duplicates(answers):
            duplicated += 1
            per_fault[_window(starts, extra.at)] += 1
            extra_kinds[_kind(extra.text)] += 1
        kinds = [_kind(a.text) for a in answers]
        if kinds[:1] == ["unavailable"] and "answer" in kinds:
            told_then_answered += 1
        if answers and all(_kind(a.text) == "unavailable" for a in answers):
            notice_only.append(update_id)
        notices.update(_kind(answer.text) for answer in answers[:1])
    failover: dict[str, list[float]] = {}
    for record in records:
        if record.recovered_s is not None:
            failover.setdefault(record.kind, []).append(record.recovered_s)
    return Report(
        faults=len(records),
        messages=len(sent_ids),
        lost=lost,
        duplicated=duplicated,
        duplicates_per_fault=per_fault,
        kinds_of_extra=extra_kinds,
        first_replies=notices,
        notice_only=sorted(notice_only),
        told_then_answered=told_then_answered,
        max_concurrent_pollers=max_concurrent_outside_handovers(
            cluster.telegram.poller_timeline, cluster.tracker.polls
        ),
        fenced_writes_refused=sum(
            _read(cluster, name).count("fenced_write_refused") for name in cluster.nodes
        ),
        records=records,
        failover_s=failover,
    )


def _duplicates(replies: list[Any]) -> list[Any]:
    """Replies beyond the first of their kind. A "temporarily unavailable" notice followed by
    the answer is the degraded mode working (the update was rolled back and fetched again
    once the service was back), not a duplicate; a second answer, or a second notice, is."""
    seen: set[str] = set()
    extra = []
    for reply in replies:
        kind = _kind(reply.text)
        if kind in seen:
            extra.append(reply)
        seen.add(kind)
    return extra


def _kind(text: str | None) -> str:
    said = text or ""
    if said.startswith(("Я — бот", "I am the")):
        return "answer"
    if said.startswith(("Сервис временно недоступен", "The service is temporarily")):
        return "unavailable"
    return "other"


def _window(starts: list[float], at: float) -> int:
    """Index of the last fault at or before `at` (-1 before the first)."""
    index = -1
    for i, started in enumerate(starts):
        if started <= at:
            index = i
    return index


def _read(cluster: Cluster, name: str) -> str:
    log = cluster.log_of(name)
    return log.read_text(errors="replace") if log.exists() else ""


def _pct(values: list[float], pct: int) -> str:
    if not values:
        return "nan"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    ordered = sorted(values)
    # Nearest rank: with few samples p99 is the maximum, never an interpolation below it.
    rank = max(1, -(-pct * len(ordered) // 100))
    return f"{ordered[rank - 1]:.2f}"
