"""RelayOutbox on in-memory fakes: what is queued, what waits, what the queue already had."""

from __future__ import annotations

from collections.abc import Sequence

from tbot.application.jobs.relay_outbox import RelayOutbox, outbox_job_id
from tests.unit.fakes import FakeUnitOfWork


class FakeQueue:
    """Takes a job id once; goes down after `up_for` jobs, as Redis would mid-batch."""

    def __init__(self, up_for: int = 1_000) -> None:
        self.jobs: dict[str, tuple[str, tuple[object, ...]]] = {}
        self.up_for = up_for

    async def enqueue_once(self, job: str, args: Sequence[object], job_id: str) -> bool:
        if len(self.jobs) >= self.up_for:
            raise ConnectionError("Connection refused")
        if job_id in self.jobs:
            return False
        self.jobs[job_id] = (job, tuple(args))
        return True


async def _add(uow: FakeUnitOfWork, count: int) -> None:
    async with uow:
        for number in range(count):
            await uow.outbox.add("ping", number)
        await uow.commit()


async def test_when_the_queue_goes_down_mid_batch_the_rest_waits_and_goes_out_later() -> None:
    uow, queue = FakeUnitOfWork(), FakeQueue(up_for=2)
    await _add(uow, 5)

    down = await RelayOutbox(uow, queue)()
    assert (down.queued, down.failed) == (2, 1)
    rows = sorted(uow.committed_state.outbox.values(), key=lambda r: r.entry.id)
    assert [r.relayed_at is not None for r in rows] == [True, True, False, False, False]
    assert rows[2].entry.attempts == 1
    assert "Connection refused" in rows[2].last_error

    queue.up_for = 1_000
    back = await RelayOutbox(uow, queue)()
    assert (back.queued, back.failed) == (3, 0)
    assert [args for _, args in queue.jobs.values()] == [(n,) for n in range(5)]


async def test_an_entry_whose_job_the_queue_has_is_marked_without_a_second_job() -> None:
    uow, queue = FakeUnitOfWork(), FakeQueue()
    await _add(uow, 1)
    [row] = uow.committed_state.outbox.values()
    await queue.enqueue_once("ping", (0,), outbox_job_id(row.entry))

    relayed = await RelayOutbox(uow, queue)()

    assert (relayed.queued, relayed.known) == (0, 1)
    assert len(queue.jobs) == 1
    assert (await RelayOutbox(uow, queue)()).moved == 0
