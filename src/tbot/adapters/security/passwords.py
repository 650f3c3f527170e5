from __future__ import annotations

import asyncio

import bcrypt

# bcrypt reads only the first 72 bytes; longer secrets would be silently truncated (bcrypt < 5)
# or refused with a less helpful message (bcrypt 5).
MAX_PASSWORD_BYTES = 72
_DUMMY_PASSWORD = b"tbot-timing-equaliser"


class BcryptPasswordHasher:
    """bcrypt with a configurable cost. Hashing takes tens to hundreds of milliseconds of CPU,
    so it runs in a worker thread (bcrypt releases the GIL) and the event loop keeps serving."""

    def __init__(self, rounds: int = 12) -> None:
        if not 4 <= rounds <= 31:
            raise ValueError(f"bcrypt rounds must be between 4 and 31, got {rounds}")
        self._rounds = rounds
        self._dummy_hash: bytes | None = None

    async def hash(self, password: str) -> str:
        secret = _encode(password)
        if len(secret) > MAX_PASSWORD_BYTES:
            raise ValueError(f"password longer than {MAX_PASSWORD_BYTES} bytes")
        hashed = await asyncio.to_thread(bcrypt.hashpw, secret, bcrypt.gensalt(self._rounds))
        return hashed.decode("ascii")

    async def verify(self, password: str, password_hash: str) -> bool:
        """False for a wrong password. A stored hash that is not bcrypt raises ValueError: that
        is broken data to be noticed, not a wrong password."""
        secret = _encode(password)
        if len(secret) > MAX_PASSWORD_BYTES:
            # No stored hash can match a password we refuse to hash; still spend the time of a
            # verify so the answer does not stand out.
            await self.burn()
            return False
        return await asyncio.to_thread(bcrypt.checkpw, secret, password_hash.encode("ascii"))

    async def burn(self) -> None:
        dummy = await self._dummy()
        await asyncio.to_thread(bcrypt.checkpw, _DUMMY_PASSWORD + b"!", dummy)

    async def _dummy(self) -> bytes:
        # Computed on first use, not in __init__, so building the container costs nothing.
        # Two concurrent first calls may both compute it; either result is as good.
        if self._dummy_hash is None:
            salt = bcrypt.gensalt(self._rounds)
            self._dummy_hash = await asyncio.to_thread(bcrypt.hashpw, _DUMMY_PASSWORD, salt)
        return self._dummy_hash


def _encode(password: str) -> bytes:
    return password.encode("utf-8")
