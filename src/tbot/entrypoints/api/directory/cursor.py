"""The search cursor on the wire: (score, id) of the last hit, as an opaque URL-safe string.
JSON keeps a float's shortest exact form, so the score comes back bit for bit."""

from __future__ import annotations

import base64
import binascii
import json
import math

from tbot.domain.errors import ValidationFailed

_BAD = "not a cursor from this API; pass `next_cursor` back as it was given"


def encode_cursor(cursor: tuple[float, int] | None) -> str | None:
    if cursor is None:
        return None
    score, employee_id = cursor
    raw = json.dumps([score, employee_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str | None) -> tuple[float, int] | None:
    if text is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        score, employee_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise ValidationFailed({"cursor": _BAD}) from None
    if (
        not isinstance(score, int | float)
        or isinstance(score, bool)
        or not math.isfinite(score)
        or not isinstance(employee_id, int)
        or isinstance(employee_id, bool)
    ):
        raise ValidationFailed({"cursor": _BAD})
    return float(score), employee_id
