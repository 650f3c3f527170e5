"""Access tokens: short-lived HS256 JWTs, verified without the database.

Key rotation: tokens name their key in the header (`kid`, a hash of the key, never the key), and
the codec accepts the current key plus the previous ones until tokens signed with those expire.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn

import jwt

from tbot.application.ports.identity import AccessClaims
from tbot.domain.errors import Unauthenticated

_ALGORITHM = "HS256"
_REQUIRED = ["exp", "iat", "sub", "sid", "iss", "aud"]


def generate_signing_key() -> str:
    """384 random bits, URL-safe: fits in a keyring entry or an environment variable."""
    return secrets.token_urlsafe(48)


def key_id(key: str) -> str:
    """Names a key in token headers and logs without revealing it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


class JwtAccessTokenCodec:
    def __init__(
        self,
        signing_key: str,
        previous_keys: Sequence[str] = (),
        issuer: str = "tbot",
        audience: str = "tbot-api",
        leeway_s: float = 5,
    ) -> None:
        if not signing_key:
            raise ValueError("the JWT signing key is empty")
        self._key = signing_key
        self._kid = key_id(signing_key)
        self._keys = {key_id(key): key for key in (signing_key, *previous_keys) if key}
        self._issuer = issuer
        self._audience = audience
        self._leeway_s = leeway_s

    def issue(self, claims: AccessClaims) -> str:
        payload = {
            "sub": str(claims.user_id),
            "name": claims.name,
            "roles": list(claims.roles),
            "perms": list(claims.permissions),
            "sid": claims.session_id,
            # Sub-second times (RFC 7519 allows non-integer NumericDate): a token issued right
            # after a revocation in the same second must not look older than the cut-off.
            "iat": _timestamp(claims.issued_at),
            "exp": _timestamp(claims.expires_at),
            "iss": self._issuer,
            "aud": self._audience,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(payload, self._key, algorithm=_ALGORITHM, headers={"kid": self._kid})

    def verify(self, token: str) -> AccessClaims:
        payload = self._decode(token, self._key_for(token))
        try:
            return _claims(payload)
        except (KeyError, TypeError, ValueError, OverflowError):
            _refuse("malformed token")

    def _key_for(self, token: str) -> str:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            _refuse("malformed token")
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            _refuse("unknown signing key")
        return key

    def _decode(self, token: str, key: str) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                key,
                # Only ours, whatever the header says: no "none", no algorithm confusion.
                algorithms=[_ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway_s,
                options={"require": _REQUIRED},
            )
        except jwt.ExpiredSignatureError:
            _refuse("token expired")
        except jwt.InvalidSignatureError:
            _refuse("bad signature")
        except jwt.InvalidAlgorithmError:
            _refuse("unsupported algorithm")
        except (jwt.InvalidIssuerError, jwt.InvalidAudienceError):
            _refuse("token not meant for us")
        except jwt.ImmatureSignatureError:
            _refuse("token not yet valid")
        except jwt.PyJWTError:
            _refuse("malformed token")
        return payload


def _claims(payload: Mapping[str, Any]) -> AccessClaims:
    return AccessClaims(
        user_id=int(payload["sub"]),
        name=_string(payload.get("name", "")),
        roles=_strings(payload.get("roles", [])),
        permissions=_strings(payload.get("perms", [])),
        session_id=_string(payload["sid"]),
        issued_at=datetime.fromtimestamp(payload["iat"], UTC),
        expires_at=datetime.fromtimestamp(payload["exp"], UTC),
    )


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string claim")
    return value


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError("expected a list claim")
    return tuple(_string(item) for item in value)


def _timestamp(moment: datetime) -> float:
    if moment.tzinfo is None:
        # A naive time would be read as local time and shift every token by the UTC offset.
        raise ValueError("token times must be timezone-aware")
    return moment.timestamp()


def _refuse(reason: str) -> NoReturn:
    # `from None`: pyjwt's messages may quote parts of the token, which is a credential.
    raise Unauthenticated(reason) from None


class CachedAccessTokenCodec:
    """Remembers tokens it has verified, until they expire: a client sends the same access
    token on every call for its whole lifetime, and a signature check per request costs as
    much as the request. Revocation is not cached (the access gate checks it every time)."""

    def __init__(self, codec: JwtAccessTokenCodec, max_entries: int = 20_000) -> None:
        self._codec = codec
        self._max_entries = max_entries
        self._verified: dict[str, AccessClaims] = {}

    def issue(self, claims: AccessClaims) -> str:
        return self._codec.issue(claims)

    def verify(self, token: str) -> AccessClaims:
        claims = self._verified.get(token)
        if claims is not None and claims.expires_at.timestamp() > time.time():
            return claims
        claims = self._codec.verify(token)
        if len(self._verified) >= self._max_entries:
            self._verified.clear()  # crude but bounded; refills at one verify per token
        self._verified[token] = claims
        return claims
