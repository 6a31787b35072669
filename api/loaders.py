"""Per-request DataLoaders, named by what they load and by which key.

`Loaders` is created for each request or websocket (never at module level). Each loader does
one batch query and returns results in key order, with None (or []) for misses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

M = TypeVar("M", bound=Model)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Loaders:
    def __init__(self) -> None:
        self._loaders: dict[Hashable, DataLoader[Any, Any]] = {}

    def get(self, name: Hashable, batch: Callable[[list[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
        """The loader registered under `name` for this request, created on first use."""
        loader = self._loaders.get(name)
        if loader is None:
            loader = self._loaders[name] = DataLoader(load_fn=batch)
        return loader

    def by_id(self, model: type[M]) -> DataLoader[int, M | None]:
        """`<Model>ById`."""

        async def batch(ids: list[int]) -> list[M | None]:
            rows = {row.pk: row for row in await model.filter(id__in=ids)}
            return [rows.get(i) for i in ids]

        return self.get(f"{model.__name__}ById", batch)

    def many_by(self, model: type[M], column: str, *order: str) -> DataLoader[int, list[M]]:
        """`<Model>sBy<Column>`: every row whose `column` equals the key, ordered by `order` (default id)."""

        async def batch(keys: list[int]) -> list[list[M]]:
            grouped: dict[int, list[M]] = defaultdict(list)
            for row in await model.filter(**{f"{column}__in": keys}).order_by(*(order or ("id",))):
                grouped[getattr(row, column)].append(row)
            return [grouped.get(k, []) for k in keys]

        return self.get(f"{model.__name__}sBy{column}:{','.join(order)}", batch)

    def prime(self, obj: Model) -> None:
        """After a write: the next `by_id` load of this row sees the new state."""
        # `force`: DataLoader.clear raises KeyError for a key it never cached
        self.by_id(type(obj)).prime(obj.pk, obj, force=True)

    def clear_all(self) -> None:
        self._loaders.clear()
