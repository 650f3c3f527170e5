"""Lua for keys that belong to whoever wrote a value into them: only the owner extends or
deletes, checked and done in one atomic step (a GET then a DEL from the client could delete a
lease that expired and was taken by someone else in between)."""

from __future__ import annotations

# KEYS[1] the owned key; ARGV[1] the owner's value, ARGV[2] the new TTL in ms.
# Returns 1 when extended, 0 when the key is gone or someone else's.
COMPARE_AND_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS[1] the owned key; ARGV[1] the owner's value. Returns 1 when deleted, else 0.
COMPARE_AND_DELETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def milliseconds(ttl_s: float) -> int:
    if ttl_s <= 0:
        raise ValueError("a TTL must be positive")
    return max(1, round(ttl_s * 1000))
