"""Rewards (积分兑换): redeemed for points, never oversold nor overdrawn, checked off at the station once."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.queryset import QuerySet

from api import clock, points
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.stations import (
    Redemption,
    RedemptionStatus,
    Reward,
    Station,
)
from resolvers.stations.sites import account_id_of, managed_station, manages

log = logging.getLogger("zhili.stations")

#: letters and digits that cannot be mistaken for one another when read out at a counter
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


async def create_reward(
    *,
    principal: Principal,
    station_id: int,
    name: str,
    points_cost: int,
    stock: int,
    description: str | None = None,
) -> Reward:
    station = await managed_station(principal, station_id)
    v = Validator()
    name_ = v.text("name", name, max_length=128)
    description_ = v.text("description", description, max_length=2000, required=False)
    v.check(
        1 <= points_cost <= 1_000_000, ErrorCode.OUT_OF_RANGE, "pointsCost is 1 to 1,000,000.", "pointsCost"
    )
    v.check(0 <= stock <= 1_000_000, ErrorCode.OUT_OF_RANGE, "stock is 0 to 1,000,000.", "stock")
    v.raise_if_any()
    return await Reward.create(
        station_id=station.id,
        name=name_,
        description=description_ or "",
        points_cost=points_cost,
        stock=stock,
        created_at=clock.now(),
    )


async def restock_reward(*, principal: Principal, reward_id: int, add: int) -> Reward:
    """Add units to a reward's stock (or take unredeemed ones away, never below zero)."""
    reward = await Reward.get_or_none(id=reward_id)
    if reward is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such reward.", "rewardId")
    await managed_station(principal, reward.station_id)
    changed = await Reward.filter(id=reward_id, stock__gte=max(0, -add)).update(stock=F("stock") + add)
    if not changed:
        raise UserError(ErrorCode.OUT_OF_RANGE, "The stock cannot go below zero.", "add")
    await reward.refresh_from_db()
    return reward


@dataclass(frozen=True, slots=True)
class Redeemed:
    redemption: Redemption
    balance: int


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def _by_key(account_id: int, key: str | None, reward_id: int) -> Redemption | None:
    if key is None:
        return None
    existing = await Redemption.get_or_none(account_id=account_id, idempotency_key=key)
    if existing is not None and existing.reward_id != reward_id:
        raise UserError(
            ErrorCode.CONFLICT, "This idempotency key was used for another reward.", "idempotencyKey"
        )
    return existing


async def redeem_reward(
    *, principal: Principal, reward_id: int, idempotency_key: str | None = None
) -> Redeemed:
    """Spend points on one unit of a reward; a retry with the same key returns the first redemption."""
    account_id = account_id_of(principal)
    key = (idempotency_key or "").strip() or None
    if key is not None and len(key) > 64:
        raise UserError(ErrorCode.TOO_LONG, "idempotencyKey is at most 64 characters.", "idempotencyKey")
    existing = await _by_key(account_id, key, reward_id)
    if existing is not None:
        return Redeemed(existing, await points.balance(account_id))
    reward = await Reward.get_or_none(id=reward_id, active=True)
    if reward is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such reward.", "rewardId")
    try:
        async with transaction() as conn:
            taken = (
                await Reward.filter(id=reward_id, active=True, stock__gte=1)
                .using_db(conn)
                .update(stock=F("stock") - 1)
            )
            if not taken:
                raise UserError(ErrorCode.OUT_OF_STOCK, "This reward is out of stock.", "rewardId")
            # the redemption first: a concurrent retry with the same key stops at its unique index
            redemption = await Redemption.create(
                reward_id=reward.id,
                station_id=reward.station_id,
                account_id=account_id,
                points_spent=reward.points_cost,
                code=_new_code(),
                idempotency_key=key,
                created_at=clock.now(),
                using_db=conn,
            )
            entry = await points.apply(
                account_id=account_id,
                delta=-reward.points_cost,
                reason=f"兑换 {reward.name}",
                source=f"redemption:{redemption.id}",
                connection=conn,
            )
    except IntegrityError:
        existing = await _by_key(account_id, key, reward_id)
        if existing is None:
            raise
        return Redeemed(existing, await points.balance(account_id))
    log.info("reward %s redeemed (redemption %s)", reward.id, redemption.id)
    return Redeemed(redemption, entry.balance)


async def collect_redemption(*, principal: Principal, code: str) -> Redemption:
    """The station checks a redemption code off when it hands the reward over; only once."""
    redemption = await Redemption.get_or_none(code=(code or "").strip().upper())
    if redemption is None:
        raise UserError(ErrorCode.NOT_FOUND, "No redemption has this code.", "code")
    station = await Station.get(id=redemption.station_id)
    if not manages(principal, station):
        raise Forbidden("Only the station's managers check redemptions off.")
    changed = await Redemption.filter(id=redemption.id, status=RedemptionStatus.ISSUED).update(
        status=RedemptionStatus.COLLECTED, collected_at=clock.now(), collected_by_id=principal.account_id
    )
    if not changed:
        raise UserError(ErrorCode.ALREADY_DONE, "This reward was already handed over.", "code")
    await redemption.refresh_from_db()
    return redemption


def redemptions_of(account_id: int) -> QuerySet[Redemption]:
    return Redemption.filter(account_id=account_id).order_by("-id")
