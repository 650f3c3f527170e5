"""The error responses each endpoint documents in the OpenAPI schema."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec

from tbot.entrypoints.api.schemas import ErrorOut

_MEANING = {
    400: "malformed request",
    401: "missing, expired, tampered or revoked credentials",
    403: "the caller lacks the permission",
    404: "no such record",
    409: "conflict: stale version or duplicate",
    422: "invalid fields (see `fields`)",
    429: "rate limited or locked out (see Retry-After)",
    503: "a dependency is unavailable; try again later",
}


def errors(*codes: int) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(data_container=ErrorOut, description=_MEANING[code]) for code in codes
    }


GUARDED = (401, 403, 429)
