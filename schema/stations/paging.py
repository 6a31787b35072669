"""Connections `connection()` cannot build yet: a list computed in Python, a page without priming.

`schema.base.connection` primes the request's loaders, and `Loaders.prime` clears a key the
DataLoader does not hold, which raises KeyError in strawberry's DataLoader; these helpers
belong in `schema.base` once that is fixed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from tortoise.queryset import QuerySet

from api.pagination import Page, page
from schema.base import Connection, window
from schema.context import Info

T = TypeVar("T")


async def paged(
    info: Info,
    queryset: QuerySet[Any],
    to_node: Callable[[Any], T],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[T]:
    """`schema.base.connection` without priming the loaders: `Loaders.prime` clears a key the
    DataLoader does not hold yet, which raises KeyError in strawberry's DataLoader."""
    return Connection.of(await page(queryset, window(info, first, after, last, before)), to_node)


def list_connection(
    info: Info,
    items: Sequence[Any],
    to_node: Callable[[Any], T],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[T]:
    """A connection over a list computed in Python (e.g. sorted by distance)."""
    start, stop = window(info, first, after, last, before).bounds(len(items))
    total = len(items)

    async def count() -> int:
        return total

    count_: Callable[[], Awaitable[int]] = count
    result: Page[Any] = Page(
        rows=list(items[start:stop]), start=start, has_next=stop < total, has_previous=start > 0, count=count_
    )
    return Connection.of(result, to_node)
