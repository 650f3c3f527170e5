"""getUpdates: offset confirmation, limit 1-100, a long poll of up to 50 s, one poller at a time."""

from __future__ import annotations

from typing import Any

from .errors import POLL_CONFLICT, WEBHOOK_CONFLICT, ApiError
from .params import Params
from .state import FakeState

MAX_TIMEOUT = 50
MAX_LIMIT = 100


def read_allowed_updates(state: FakeState, params: Params) -> None:
    """allowed_updates sticks until changed; an empty list means Telegram's default set."""
    if "allowed_updates" in params.values:
        kinds = params.json("allowed_updates", "Can't parse allowed updates JSON object")
        state.updates.set_allowed(kinds if isinstance(kinds, list) else [])


async def get_updates(state: FakeState, params: Params, peer: str) -> list[dict[str, Any]]:
    if state.webhook.url:
        raise ApiError(409, WEBHOOK_CONFLICT)
    offset = params.integer("offset", 0)
    limit = params.integer("limit", MAX_LIMIT, 1, MAX_LIMIT)
    timeout = params.integer("timeout", 0, 0, MAX_TIMEOUT)
    read_allowed_updates(state, params)
    queue = state.updates
    # A newer call ends the older long poll: that is how Telegram refuses a second instance.
    # The older call is over from this instant, though its handler writes the 409 a turn later.
    superseded = queue.end_long_poll(ApiError(409, POLL_CONFLICT))
    if superseded is not None:
        state.polls.end(*superseded)
    poll_id = state.polls.start(peer)
    conflict = False
    try:
        queue.confirm(offset)
        updates = queue.peek(limit)
        if not updates and timeout > 0:
            await queue.wait(timeout, poll_id)
            updates = queue.peek(limit)
        return updates
    except ApiError as error:
        conflict = error.error_code == 409
        raise
    finally:
        state.polls.end(poll_id, conflict)
