"""The points ledger: the only code that changes an account's balance.

A change is one conditional UPDATE (`balance + delta >= 0`) and one appended entry, inside the
caller's transaction. The UPDATE is atomic on every backend, so concurrent spends by one
account can never take the balance below zero; an optional `key` makes a change happen at
most once (a retried redemption, a report resolved twice).
"""

from __future__ import annotations

from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from api import clock
from api.errors import ErrorCode, UserError
from api.models.accounts import Account
from api.models.points import PointsLedgerEntry


async def apply(
    *,
    account_id: int,
    delta: int,
    reason: str,
    source: str,
    key: str | None = None,
    connection: BaseDBAsyncClient,
) -> PointsLedgerEntry:
    """Credit (delta > 0) or spend (delta < 0) points; must run inside a transaction.

    Returns the existing entry when `key` was already applied. Raises `UserError`
    INSUFFICIENT_POINTS when a spend would overdraw.
    """
    if delta == 0:
        raise ValueError("a ledger entry changes the balance")
    if key is not None:
        existing = await PointsLedgerEntry.filter(key=key).using_db(connection).first()
        if existing is not None:
            return existing
    updated = (
        await Account.filter(id=account_id, points_balance__gte=-delta)
        .using_db(connection)
        .update(points_balance=F("points_balance") + delta)
    )
    if not updated:
        raise UserError(ErrorCode.INSUFFICIENT_POINTS, "Not enough points.", "points")
    balance = (
        await Account.filter(id=account_id).using_db(connection).values_list("points_balance", flat=True)
    )
    try:
        return await PointsLedgerEntry.create(
            account_id=account_id,
            delta=delta,
            balance=balance[0],
            reason=reason,
            source=source,
            key=key,
            at=clock.now(),
            using_db=connection,
        )
    except IntegrityError as exc:
        # the same key applied concurrently: the caller's transaction rolls the UPDATE back
        raise UserError(ErrorCode.ALREADY_DONE, "This change was already applied.") from exc


async def balance(account_id: int) -> int:
    # tortoise types every values_list as tuples; flat=True gives the values themselves
    rows = cast(list[int], await Account.filter(id=account_id).values_list("points_balance", flat=True))
    return int(rows[0]) if rows else 0
