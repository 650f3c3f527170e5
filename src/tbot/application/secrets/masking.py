from __future__ import annotations


def mask(value: str) -> str:
    """Enough to tell two secrets apart, never enough to use one."""
    if len(value) < 16:
        return "****"
    return f"****{value[-4:]}"
