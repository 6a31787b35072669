"""Sharing one execution of a subscription event among the subscribers who would see the same result.

A wall of dashboards (an operations centre's screens, a community's monitors) follows one
community with the same account, each screen running the same subscription document for the
same event; the database load is already shared (`EventHub.load_once`), and this shares the
GraphQL execution too, like Hasura's multiplexed live queries.

It is opt-in and conservative. A subscription resolver marks the value it yields with a
`share_key`: the event's identity and the *audience* — the reader, as the account and its grants
(fields may depend on who reads: one's own phone number is shown unmasked). Results are then
shared only between executions with the same share key, the same document text, operation and
variables; only results without errors are shared, and an execution that wrote to the audit log
(a staff read of personal data, which must be recorded per read) is never shared.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, cast

from graphql import ExecutionResult, OperationType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: results of recent events, by share key, with the loop time they were started at: an event is
#: executed for all its subscribers within moments, so entries are kept briefly and few
_SHARED: OrderedDict[Hashable, tuple[float, asyncio.Future[tuple[ExecutionResult, bool]]]] = OrderedDict()
_LIMIT = 512
_TTL_SECONDS = 10.0


def clear() -> None:
    """Forget every shared result (tests start each case from a clean slate)."""
    _SHARED.clear()


def audience_of(principal: Any) -> Hashable:
    """Who reads: the account and its grants (a grant changed while subscribed makes a new audience)."""
    grants = tuple(
        sorted((g.role.value, g.community_id or 0, g.organization_id or 0) for g in principal.grants)
    )
    return (principal.account_id, grants)


def mark_unshareable(context: Any) -> None:
    """Called where a result depends on the individual reader (an audited read of personal data)."""
    context.unshareable = True


class SharingExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, sharing the execution of subscription events marked with a `share_key`."""

    def _share_key(self) -> Hashable | None:
        share = getattr(self.root_value, "share_key", None)
        operation = self.operation
        if share is None or operation.operation is not OperationType.SUBSCRIPTION or operation.loc is None:
            return None
        name = operation.name.value if operation.name else None
        values = getattr(self.variable_values, "coerced", self.variable_values)
        variables = json.dumps(values, sort_keys=True, default=str)
        return (share, operation.loc.source.body, name, variables)

    def execute_operation(self, serially: bool | None = None) -> Any:
        key = self._share_key()
        if key is None:
            return super().execute_operation(serially)
        return self._execute_shared(key, serially)

    async def _own(self, serially: bool | None) -> tuple[ExecutionResult, bool]:
        outcome = super().execute_operation(serially)
        if self.is_awaitable(outcome):
            outcome = await outcome
        # a subscription event executes to one ExecutionResult (no incremental delivery)
        result = cast(ExecutionResult, outcome)
        shareable = not result.errors and not getattr(self.context_value, "unshareable", False)
        return result, shareable

    async def _execute_shared(self, key: Hashable, serially: bool | None) -> ExecutionResult:
        loop = asyncio.get_running_loop()
        entry = _SHARED.get(key)
        future = entry[1] if entry is not None and loop.time() - entry[0] < _TTL_SECONDS else None
        if future is not None:
            result, shareable = await asyncio.shield(future)
            if shareable:
                return result
            return (await self._own(serially))[0]
        future = loop.create_future()
        _SHARED[key] = (loop.time(), future)
        _SHARED.move_to_end(key)
        while len(_SHARED) > _LIMIT:
            _SHARED.popitem(last=False)
        try:
            result, shareable = await self._own(serially)
        except BaseException as exc:
            _SHARED.pop(key, None)
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it themselves
            raise
        future.set_result((result, shareable))
        if not shareable:
            _SHARED.pop(key, None)
        return result
