"""The wire schema of a revocation published on the namespace's channel."""

from __future__ import annotations

import msgspec


class SessionRevoked(msgspec.Struct, frozen=True, tag="session"):
    session_id: str
    ttl_s: int


class UserCutOff(msgspec.Struct, frozen=True, tag="user"):
    user_id: int
    cut_off: float  # POSIX seconds: tokens issued at or before it are refused
    ttl_s: int


RevocationNotice = SessionRevoked | UserCutOff

_encoder = msgspec.json.Encoder()
_decoder: msgspec.json.Decoder[RevocationNotice] = msgspec.json.Decoder(RevocationNotice)


def encode_notice(notice: RevocationNotice) -> bytes:
    return _encoder.encode(notice)


def decode_notice(payload: bytes) -> RevocationNotice:
    """Raises msgspec.ValidationError or msgspec.DecodeError for anything else."""
    return _decoder.decode(payload)
