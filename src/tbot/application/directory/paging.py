from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; `next_cursor` is passed back for the next page, None at the end."""

    items: list[T]
    next_cursor: int | None


def page_size(limit: int) -> int:
    return min(max(limit, 1), MAX_PAGE)


def page_of(rows: list[T], size: int, cursor_of: Callable[[T], int | None]) -> Page[T]:
    """A page from `size + 1` fetched rows: the extra one only says that more follow."""
    items = rows[:size]
    more = len(rows) > size and bool(items)
    return Page(items, cursor_of(items[-1]) if more else None)
