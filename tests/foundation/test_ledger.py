"""The points ledger: append-only, never negative, at most once per key — also under concurrency."""

from __future__ import annotations

import asyncio

import pytest

from api import points
from api.db import transaction
from api.errors import ErrorCode, UserError
from api.models.points import PointsLedgerEntry


async def _apply(account_id: int, delta: int, key: str | None = None) -> PointsLedgerEntry:
    async with transaction() as conn:
        return await points.apply(
            account_id=account_id, delta=delta, reason="test", source="test:1", key=key, connection=conn
        )


async def test_credit_and_spend_keep_a_running_balance(factory):
    account = await factory.account()
    await _apply(account.id, 100)
    entry = await _apply(account.id, -30)
    assert entry.balance == 70 and await points.balance(account.id) == 70
    assert [e.delta for e in await PointsLedgerEntry.filter(account_id=account.id).order_by("id")] == [
        100,
        -30,
    ]


async def test_overdraw_is_refused_and_changes_nothing(factory):
    account = await factory.account()
    await _apply(account.id, 10)
    with pytest.raises(UserError) as refused:
        await _apply(account.id, -11)
    assert refused.value.code is ErrorCode.INSUFFICIENT_POINTS
    assert await points.balance(account.id) == 10
    assert await PointsLedgerEntry.filter(account_id=account.id).count() == 1


async def test_a_key_applies_once(factory):
    account = await factory.account()
    first = await _apply(account.id, 50, key="report-resolved:1")
    again = await _apply(account.id, 50, key="report-resolved:1")
    assert again.id == first.id and await points.balance(account.id) == 50


async def test_concurrent_spends_never_overdraw(factory):
    account = await factory.account()
    await _apply(account.id, 100)

    async def spend() -> bool:
        try:
            await _apply(account.id, -30)
        except UserError:
            return False
        return True

    results = await asyncio.gather(*(spend() for _ in range(8)))
    assert results.count(True) == 3
    assert await points.balance(account.id) == 10
    balances = [e.balance for e in await PointsLedgerEntry.filter(account_id=account.id).order_by("id")]
    assert balances == [100, 70, 40, 10]
