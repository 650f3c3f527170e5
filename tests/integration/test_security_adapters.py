from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tbot.adapters.security.jwt_codec import JwtAccessTokenCodec, generate_signing_key, key_id
from tbot.adapters.security.passwords import BcryptPasswordHasher
from tbot.application.ports.identity import AccessClaims
from tbot.domain.errors import Unauthenticated


def _claims(
    *, issued_at: datetime | None = None, ttl: timedelta = timedelta(minutes=15)
) -> AccessClaims:
    issued = issued_at or datetime.now(UTC)
    return AccessClaims(
        user_id=42,
        name="Иванов Иван",
        roles=("admin", "staff"),
        permissions=("directory.read", "directory.write"),
        session_id="family-1",
        issued_at=issued,
        expires_at=issued + ttl,
    )


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(segment: str) -> dict[str, object]:
    padded = segment + "=" * (-len(segment) % 4)
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(padded))
    return decoded


def _payload_of(token: str) -> dict[str, object]:
    return _unb64(token.split(".")[1])


# bcrypt


async def test_password_hash_verifies_and_wrong_password_does_not() -> None:
    hasher = BcryptPasswordHasher(rounds=4)
    hashed = await hasher.hash("Пароль-2024!")
    assert await hasher.verify("Пароль-2024!", hashed)
    assert not await hasher.verify("Пароль-2024?", hashed)


async def test_hash_cost_is_taken_from_rounds() -> None:
    assert (await BcryptPasswordHasher(rounds=4).hash("secret")).startswith("$2b$04$")
    assert (await BcryptPasswordHasher(rounds=5).hash("secret")).startswith("$2b$05$")


async def test_each_hash_has_its_own_salt() -> None:
    hasher = BcryptPasswordHasher(rounds=4)
    assert await hasher.hash("same") != await hasher.hash("same")


async def test_passwords_over_72_bytes_are_refused_not_truncated() -> None:
    hasher = BcryptPasswordHasher(rounds=4)
    with pytest.raises(ValueError, match="72 bytes"):
        await hasher.hash("я" * 37)  # 74 bytes in UTF-8
    hashed = await hasher.hash("a" * 72)
    assert not await hasher.verify("a" * 73, hashed)


async def test_burn_spends_a_verify_and_can_be_repeated() -> None:
    hasher = BcryptPasswordHasher(rounds=4)
    await hasher.burn()
    await hasher.burn()


# JWT


def test_token_roundtrip_keeps_every_claim() -> None:
    codec = JwtAccessTokenCodec(generate_signing_key())
    claims = _claims()
    assert codec.verify(codec.issue(claims)) == claims
    assert claims.issued_at.tzinfo is not None


def test_token_header_names_the_key_by_its_hash() -> None:
    key = generate_signing_key()
    token = JwtAccessTokenCodec(key).issue(_claims())
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "HS256", "typ": "JWT", "kid": key_id(key)}
    assert len(key_id(key)) == 16
    assert key not in token


def test_token_carries_issuer_audience_and_a_unique_id() -> None:
    codec = JwtAccessTokenCodec(generate_signing_key(), issuer="corp", audience="corp-api")
    first, second = _payload_of(codec.issue(_claims())), _payload_of(codec.issue(_claims()))
    assert first["iss"] == "corp"
    assert first["aud"] == "corp-api"
    assert first["sub"] == "42"
    assert first["jti"] != second["jti"]


def test_tampered_payload_is_refused() -> None:
    codec = JwtAccessTokenCodec(generate_signing_key())
    header, payload, signature = codec.issue(_claims()).split(".")
    forged = dict(_unb64(payload), roles=["admin"], sub="1")
    with pytest.raises(Unauthenticated, match="bad signature"):
        codec.verify(f"{header}.{_b64(forged)}.{signature}")


def test_token_signed_with_another_key_is_refused() -> None:
    key = generate_signing_key()
    payload = _payload_of(JwtAccessTokenCodec(key).issue(_claims()))
    # Same kid as the real key, signed with a different one.
    forged = jwt.encode(payload, generate_signing_key(), headers={"kid": key_id(key)})
    with pytest.raises(Unauthenticated, match="bad signature"):
        JwtAccessTokenCodec(key).verify(forged)


def test_expired_token_is_refused() -> None:
    codec = JwtAccessTokenCodec(generate_signing_key(), leeway_s=0)
    past = datetime.now(UTC) - timedelta(hours=1)
    with pytest.raises(Unauthenticated, match="expired"):
        codec.verify(codec.issue(_claims(issued_at=past)))


def test_token_of_an_unknown_key_is_refused() -> None:
    token = JwtAccessTokenCodec(generate_signing_key()).issue(_claims())
    with pytest.raises(Unauthenticated, match="unknown signing key"):
        JwtAccessTokenCodec(generate_signing_key()).verify(token)


def test_previous_key_still_verifies_after_rotation() -> None:
    old, new = generate_signing_key(), generate_signing_key()
    token = JwtAccessTokenCodec(old).issue(_claims())
    assert JwtAccessTokenCodec(new, previous_keys=[old]).verify(token).user_id == 42
    with pytest.raises(Unauthenticated, match="unknown signing key"):
        JwtAccessTokenCodec(new).verify(token)


def test_rotated_codec_signs_with_the_new_key() -> None:
    old, new = generate_signing_key(), generate_signing_key()
    token = JwtAccessTokenCodec(new, previous_keys=[old]).issue(_claims())
    assert jwt.get_unverified_header(token)["kid"] == key_id(new)
    assert JwtAccessTokenCodec(new).verify(token).user_id == 42


def test_alg_none_token_is_refused() -> None:
    key = generate_signing_key()
    payload = _payload_of(JwtAccessTokenCodec(key).issue(_claims()))
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': key_id(key)})}.{_b64(payload)}."
    with pytest.raises(Unauthenticated):
        JwtAccessTokenCodec(key).verify(unsigned)


def test_token_of_another_algorithm_is_refused_even_with_the_right_key() -> None:
    key = generate_signing_key()
    payload = _payload_of(JwtAccessTokenCodec(key).issue(_claims()))
    hs512 = jwt.encode(payload, key, algorithm="HS512", headers={"kid": key_id(key)})
    with pytest.raises(Unauthenticated, match="unsupported algorithm"):
        JwtAccessTokenCodec(key).verify(hs512)


def test_token_for_another_audience_is_refused() -> None:
    key = generate_signing_key()
    token = JwtAccessTokenCodec(key, audience="other-app").issue(_claims())
    with pytest.raises(Unauthenticated):
        JwtAccessTokenCodec(key).verify(token)


def test_token_without_a_session_id_is_refused() -> None:
    key = generate_signing_key()
    payload = _payload_of(JwtAccessTokenCodec(key).issue(_claims()))
    del payload["sid"]
    token = jwt.encode(payload, key, headers={"kid": key_id(key)})
    with pytest.raises(Unauthenticated, match="malformed token"):
        JwtAccessTokenCodec(key).verify(token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x.y.z"])
def test_garbage_is_refused_without_echoing_it(garbage: str) -> None:
    with pytest.raises(Unauthenticated) as caught:
        JwtAccessTokenCodec(generate_signing_key()).verify(garbage)
    assert caught.value.message in {"malformed token", "unknown signing key"}


def test_refusal_never_quotes_the_token() -> None:
    codec = JwtAccessTokenCodec(generate_signing_key(), leeway_s=0)
    token = codec.issue(_claims(issued_at=datetime.now(UTC) - timedelta(hours=1)))
    with pytest.raises(Unauthenticated) as caught:
        codec.verify(token)
    assert token not in str(caught.value)
    assert caught.value.__cause__ is None
