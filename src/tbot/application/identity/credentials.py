"""Random credentials and their stored form. Only hashes are stored: a database dump must
not let anyone log in. SHA-256 suffices for random tokens (they are not guessable, unlike
passwords, which get bcrypt)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_TOKEN_MARK = "tbk"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def new_session_id() -> str:
    return secrets.token_hex(16)


def new_api_token() -> tuple[str, str]:
    """(token, prefix). The prefix finds the row and is safe to show; the rest proves it."""
    prefix = secrets.token_hex(4)
    return f"{API_TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def api_token_prefix(token: str) -> str | None:
    mark, _, rest = token.partition("_")
    prefix, sep, secret = rest.partition("_")
    if mark != API_TOKEN_MARK or not sep or len(prefix) != 8 or not secret:
        return None
    return prefix


def same_hash(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


def new_verification_code(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))
