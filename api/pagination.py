"""Cursor pagination over querysets: one page of one list, or one page per parent in a single statement.

Cursors are opaque (base64 of an offset). `first` is capped by the settings; `last` pages
from the end. Nested lists (`Consultation.messages` inside a list of consultations) use
`pages_by_parent`, which takes every parent's page with one windowed statement, so the number
of statements never grows with the number of rows.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from tortoise import connections
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.errors import BadInput

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class Window:
    """The validated pagination arguments of one connection field."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @classmethod
    def of(
        cls,
        *,
        first: int | None,
        after: str | None,
        last: int | None,
        before: str | None,
        max_size: int,
        default_size: int,
    ) -> Window:
        for name, value in (("first", first), ("last", last)):
            if value is not None and not 0 <= value <= max_size:
                raise BadInput(f"`{name}` must be between 0 and {max_size}")
        if first is not None and last is not None:
            raise BadInput("pass `first` or `last`, not both")
        if first is None and last is None:
            first = default_size
        return cls(first=first, after=after, last=last, before=before)

    def bounds(self, total: int | None) -> tuple[int, int]:
        """[start, stop) offsets; `total` is needed only when paging from the end."""
        start = decode_cursor(self.after) + 1 if self.after else 0
        stop = decode_cursor(self.before) if self.before else None
        if self.first is not None:
            stop = start + self.first if stop is None else min(stop, start + self.first)
        else:
            assert self.last is not None
            end = stop if stop is not None else (total if total is not None else 0)
            start = max(start, end - self.last)
            stop = end
        return start, max(start, stop if stop is not None else start)


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


#: no list pages this deep: a larger offset in a cursor is a forged one
MAX_OFFSET = 10_000_000


def decode_cursor(cursor: str) -> int:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        offset = int(value)
        if kind != "o" or not 0 <= offset <= MAX_OFFSET:
            raise ValueError
    except ValueError as exc:
        raise BadInput("invalid cursor") from exc
    return offset


@dataclass
class Page(Generic[M]):
    rows: list[M]
    start: int
    has_next: bool
    has_previous: bool
    count: Callable[[], Awaitable[int]] = field(repr=False)

    def cursors(self) -> list[str]:
        return [encode_cursor(self.start + i) for i in range(len(self.rows))]


def _counter(value: int | None, fetch: Callable[[], Awaitable[int]]) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return value if value is not None else await fetch()

    return count


async def page(queryset: QuerySet[M], window: Window) -> Page[M]:
    """One page of an ordered queryset: one statement, plus one to count when asked (or for `last`)."""
    total = await queryset.count() if window.last is not None and not window.before else None
    start, stop = window.bounds(total)
    size = stop - start
    rows = list(await queryset.offset(start).limit(size + 1)) if size else []
    has_next = len(rows) > size
    rows = rows[:size]
    if size == 0 and window.first == 0:
        has_next = await queryset.offset(start).limit(1).exists()
    return Page(
        rows=rows,
        start=start,
        has_next=has_next if total is None else stop < total,
        has_previous=start > 0,
        count=_counter(total, queryset.count),
    )


def empty_page() -> Page[Any]:
    return Page(rows=[], start=0, has_next=False, has_previous=False, count=_counter(0, _zero))


async def _zero() -> int:
    return 0


async def pages_by_parent(
    queryset: QuerySet[M],
    *,
    parent_column: str,
    parent_ids: Sequence[int],
    order: Iterable[str],
    window: Window,
) -> dict[int, Page[M]]:
    """A page of children for each parent, in two statements whatever the number of parents.

    `queryset` is the unordered, filtered children; `order` the columns ordering each list
    (a leading '-' for descending); `parent_column` the foreign-key column naming the parent.
    """
    if not parent_ids:
        return {}
    ids = list(dict.fromkeys(parent_ids))
    scoped = queryset.filter(**{f"{parent_column}__in": ids})
    order_sql = ", ".join(f'"{c.lstrip("-")}" {"DESC" if c.startswith("-") else "ASC"}' for c in order)
    columns = {c.lstrip("-") for c in order} | {"id", parent_column}
    inner = scoped.only(*columns).sql(params_inline=True)
    if window.first is not None:
        start = decode_cursor(window.after) + 1 if window.after else 0
        stop = start + window.first
        if window.before:
            stop = min(stop, decode_cursor(window.before))
        keep = f"rn > {start} AND rn <= {stop + 1}"
    else:
        raise BadInput("nested lists page forward: use `first`/`after`")
    sql = (
        f'SELECT "id", "{parent_column}" AS parent, rn, cnt FROM ('
        f'SELECT "id", "{parent_column}", '
        f'ROW_NUMBER() OVER (PARTITION BY "{parent_column}" ORDER BY {order_sql}) AS rn, '
        f'COUNT(*) OVER (PARTITION BY "{parent_column}") AS cnt FROM ({inner}) AS base'
        f") AS numbered WHERE {keep} ORDER BY parent, rn"
    )
    conn = connections.get("default")
    found = await conn.execute_query_dict(sql)
    by_id = (
        {row.pk: row for row in await queryset.model.filter(id__in=[r["id"] for r in found])} if found else {}
    )
    pages: dict[int, Page[M]] = {}
    for parent in ids:
        mine = [r for r in found if r["parent"] == parent]
        total = int(mine[0]["cnt"]) if mine else 0
        size = stop - start
        rows = [by_id[r["id"]] for r in mine[:size] if r["id"] in by_id]
        pages[parent] = Page(
            rows=rows,
            start=start,
            has_next=len(mine) > size,
            has_previous=start > 0,
            count=_counter(total, _zero),
        )
    return pages


def page_of(rows: Sequence[Any], window: Window) -> Page[Any]:
    """One page of a list already in memory (e.g. ordered by a distance computed in Python)."""
    total = len(rows)
    start, stop = window.bounds(total)
    stop = min(stop, total)
    start = min(start, stop)
    return Page(
        rows=list(rows[start:stop]),
        start=start,
        has_next=stop < total,
        has_previous=start > 0,
        count=_counter(total, _zero),
    )
