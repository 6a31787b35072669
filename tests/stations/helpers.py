"""Shared helpers of the stations tests."""

from __future__ import annotations

from typing import Any

from api import clock
from api.db import transaction
from api.models.accounts import Account
from api.models.stations import Reward, Station, StationService
from api.points import apply

ALL_WEEK = [{"dayOfWeek": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]


async def give_points(account: Account, amount: int) -> None:
    async with transaction() as conn:
        await apply(account_id=account.id, delta=amount, reason="test", source="test", connection=conn)


async def station(
    name: str = "驿站",
    lat: float = 30.5446,
    lng: float = 114.3015,
    hours: list[dict[str, Any]] | None = None,
    services: tuple[StationService, ...] = (StationService.REST_CHARGING,),
    timezone: str = "Asia/Shanghai",
    **extra: Any,
) -> Station:
    now = clock.now()
    column = "," + ",".join(s.value for s in services) + ","
    return await Station.create(
        name=name,
        address=f"{name}的地址",
        lat=lat,
        lng=lng,
        services=column,
        opening_hours=ALL_WEEK if hours is None else hours,
        timezone=timezone,
        created_at=now,
        updated_at=now,
        **extra,
    )


async def reward(at: Station, *, cost: int = 100, stock: int = 10, name: str = "黄鹤楼门票") -> Reward:
    return await Reward.create(station=at, name=name, points_cost=cost, stock=stock, created_at=clock.now())
