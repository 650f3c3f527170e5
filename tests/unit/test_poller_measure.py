"""The cluster harness's poller measure: a 409 handover counts as one poller, fighting as two."""

from __future__ import annotations

from tbot.testing.fake_telegram import PollEvent
from tests.e2e.cluster.pollers import Poll, max_concurrent_outside_handovers


def _run(*steps: tuple[float, str, int, str]) -> int:
    """Each step: (time, event, poll id, node); the active count follows the events."""
    timeline: list[PollEvent] = []
    polls: list[Poll] = []
    active = 0
    for at, event, poll_id, node in steps:
        active += 1 if event == "start" else -1
        timeline.append(PollEvent(at, event, poll_id, active, node))
        if event == "start":
            polls.append(Poll(poll_id, node, at))
    return max_concurrent_outside_handovers(timeline, polls)


def test_a_handover_by_409_is_one_poller() -> None:
    assert (
        _run(
            (0.0, "start", 1, "a"),
            (5.0, "conflict", 1, "a"),
            (5.0, "start", 2, "b"),
            (6.0, "end", 2, "b"),
            (6.0, "start", 3, "b"),
        )
        == 1
    )


def test_a_node_that_polls_again_after_its_409_is_fighting() -> None:
    assert (
        _run(
            (0.0, "start", 1, "a"),
            (5.0, "conflict", 1, "a"),
            (5.0, "start", 2, "b"),
            (5.5, "conflict", 2, "b"),
            (5.5, "start", 3, "a"),
        )
        == 2
    )


def test_a_node_ending_its_own_older_poll_is_not_two_nodes() -> None:
    assert (
        _run(
            (0.0, "start", 1, "a"),
            (1.0, "conflict", 1, "a"),
            (1.0, "start", 2, "a"),
            (1.5, "end", 2, "a"),
            (1.5, "start", 3, "a"),
        )
        == 1
    )


def test_two_polls_in_flight_are_two_pollers() -> None:
    assert _run((0.0, "start", 1, "a"), (0.1, "start", 2, "b")) == 2
