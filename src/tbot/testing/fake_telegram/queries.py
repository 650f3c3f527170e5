"""answerCallbackQuery and answerInlineQuery: each query is answered once, or it is "too old"."""

from __future__ import annotations

from typing import Any

from .errors import QUERY_TOO_OLD, bad_request
from .ledger import SentRecord
from .markup import check_reply_markup
from .messages import formatted_text
from .params import Params
from .state import FakeState
from .world import OpenQuery

MAX_INLINE_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
_RESULT_TYPES = frozenset(
    {
        "article", "audio", "contact", "game", "document", "gif", "location", "mpeg4_gif",
        "photo", "venue", "video", "voice", "sticker",
    }
)  # fmt: skip


def _open(queries: dict[str, OpenQuery], query_id: str) -> OpenQuery:
    query = queries.get(query_id)
    if query is None or query.answered:
        raise bad_request(QUERY_TOO_OLD)
    return query


async def answer_callback_query(state: FakeState, params: Params, peer: str) -> bool:
    query = _open(state.world.callback_queries, params.text("callback_query_id"))
    query.answered = True
    query.answer = params.values
    state.ledger.record(
        SentRecord("answerCallbackQuery", query.chat_id, params.values, True, query.update_id)
    )
    return True


def _required(result: dict[str, Any], name: str) -> None:
    if not isinstance(result.get(name), str) or not result[name]:
        raise bad_request(f"Can't parse inline query result: Can't find field \"{name}\"")


def _check_message_content(result: dict[str, Any]) -> None:
    content = result.get("input_message_content")
    if content is None and result.get("message_text") is None:
        raise bad_request(
            "Can't parse inline query result: Can't find field \"input_message_content\""
        )
    if isinstance(content, dict) and "message_text" in content:
        values = {k: v for k, v in content.items() if isinstance(v, str)}
        formatted_text(Params(values), text_key="message_text")


def _check_result(result: Any) -> str:
    if not isinstance(result, dict):
        raise bad_request("Can't parse inline query result: Inline query result must be an object")
    _required(result, "type")
    _required(result, "id")
    kind = result["type"].lower()
    if kind not in _RESULT_TYPES:
        raise bad_request(f'type "{kind}" is unsupported for the inline query result')
    if kind == "article":
        _required(result, "title")
        _check_message_content(result)
    elif kind == "contact":
        _required(result, "phone_number")
        _required(result, "first_name")
    if result.get("reply_markup") is not None:
        check_reply_markup(result["reply_markup"])
    result_id: str = result["id"]
    if len(result_id.encode("utf-8")) > MAX_RESULT_ID_BYTES:
        raise bad_request("RESULT_ID_INVALID")
    return result_id


async def answer_inline_query(state: FakeState, params: Params, peer: str) -> bool:
    results = params.json("results", "Can't parse JSON encoded inline query results")
    if results is None:
        results = []
    if not isinstance(results, list):
        raise bad_request("Expected an Array of inline query results")
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("Too many inline query results specified")
    ids = [_check_result(result) for result in results]
    if len(set(ids)) != len(ids):
        raise bad_request("RESULT_ID_DUPLICATE")
    query = _open(state.world.inline_queries, params.text("inline_query_id"))
    query.answered = True
    query.answer = params.values
    state.ledger.record(
        SentRecord("answerInlineQuery", query.chat_id, params.values, True, query.update_id)
    )
    return True
