from __future__ import annotations

from collections.abc import Awaitable, Callable
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


async def every_item(
    fetch: Callable[[int | None], Awaitable[Page[T]]],
    progress: Callable[[int], None] | None = None,
) -> list[T]:
    """All pages of a listing, from the first cursor to the last; `progress(n)` after each."""
    items: list[T] = []
    cursor: int | None = None
    while True:
        page = await fetch(cursor)
        items += page.items
        if progress is not None:
            progress(len(items))
        if (cursor := page.next_cursor) is None:
            return items
