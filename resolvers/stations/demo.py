"""Demo stations around 武汉's 黄鹤楼 and 机安社区, with rewards and an activity from the seed. Idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from api import clock
from api.db import transaction
from api.models.places import Organization, OrganizationKind
from api.models.stations import Reward, Station, StationActivity, StationService
from api.points import apply
from resolvers.stations import DEFAULT_TIMEZONE, services_column

if TYPE_CHECKING:
    from resolvers.demo import DemoContext

S = StationService
ALL = tuple(StationService)


def _daily(opens: str, closes: str) -> list[dict[str, object]]:
    return [{"dayOfWeek": d, "opens": opens, "closes": closes} for d in range(1, 8)]


#: (name, community code, address, lat, lng, services, hours, demonstration)
STATIONS = [
    (
        "机安社区“江城蜂巢”爱心驿站",
        "JASQ",
        "武昌区黄鹤楼街道机安社区党群服务中心一楼",
        30.5446,
        114.3015,
        ALL,
        _daily("08:00", "22:00"),
        True,
    ),
    (
        "西厂口社区“江城蜂巢”",
        None,
        "武昌区黄鹤楼街道西厂口社区",
        30.5482,
        114.2992,
        (S.COOLING_HEATING, S.REST_CHARGING, S.WATER_MEALS),
        _daily("00:00", "24:00"),
        False,
    ),
    (
        "黄鹤楼公园东门驿站",
        None,
        "武昌区蛇山西山坡特1号黄鹤楼公园东门",
        30.5443,
        114.3048,
        (S.WATER_MEALS, S.READING),
        _daily("07:30", "18:30"),
        False,
    ),
    (
        "司门口夜间“蜂巢”",
        None,
        "武昌区解放路司门口",
        30.5497,
        114.3009,
        (S.REST_CHARGING, S.EMERGENCY_REPAIR),
        _daily("20:00", "02:00"),
        False,
    ),
    (
        "楚河汉街骑手驿站",
        None,
        "武昌区楚河汉街第一街区",
        30.5560,
        114.3402,
        (S.REST_CHARGING, S.WATER_MEALS, S.READING),
        _daily("09:00", "21:00"),
        True,
    ),
]
#: station name -> (reward name, points cost, stock)
REWARDS = {
    "机安社区“江城蜂巢”爱心驿站": [("黄鹤楼公园门票", 500, 50), ("充电宝", 300, 20), ("矿泉水一箱", 100, 30)],
    "西厂口社区“江城蜂巢”": [("骑行雨衣", 200, 40)],
    "楚河汉街骑手驿站": [("头盔清洗券", 50, 100)],
}
RIDER_POINTS = 600


async def seed_demo(ctx: DemoContext) -> None:
    now = clock.now()
    street, _ = await Organization.get_or_create(
        name="黄鹤楼街道办事处",
        defaults={
            "kind": OrganizationKind.STREET,
            "community": ctx.communities.get("JASQ"),
            "created_at": now,
        },
    )
    made: dict[str, Station] = {}
    for name, code, address, lat, lng, services, hours, demonstration in STATIONS:
        station = await Station.get_or_none(name=name)
        if station is None:
            station = await Station.create(
                name=name,
                community=ctx.communities.get(code) if code else None,
                address=address,
                lat=lat,
                lng=lng,
                managing_unit=street,
                contact_name="郭倩",
                contact_phone="027-88860000",
                services=services_column(services),
                opening_hours=hours,
                timezone=DEFAULT_TIMEZONE,
                demonstration=demonstration,
                created_at=now,
                updated_at=now,
            )
        made[name] = station
    for station_name, rewards in REWARDS.items():
        for reward_name, cost, stock in rewards:
            await Reward.get_or_create(
                station=made[station_name],
                name=reward_name,
                defaults={"points_cost": cost, "stock": stock, "created_at": now},
            )
    # the birthday party that ended on top of 黄鹤楼, held again a week from today
    local = now.astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    party = datetime.combine(local.date() + timedelta(days=7), time(14, 0), tzinfo=local.tzinfo).astimezone(
        UTC
    )
    await StationActivity.get_or_create(
        station=made["西厂口社区“江城蜂巢”"],
        title="新就业群体集体生日会（登黄鹤楼）",
        defaults={
            "description": "共唱生日歌、许下生日愿望，一起登上黄鹤楼。",
            "starts_at": party,
            "ends_at": party + timedelta(hours=3),
            "capacity": 50,
            "created_at": now,
        },
    )
    rider = ctx.accounts.get("rider")
    if rider is not None:
        async with transaction() as conn:
            await apply(
                account_id=rider.id,
                delta=RIDER_POINTS,
                reason="随手拍报事积分（演示）",
                source="demo",
                key="demo:rider-points",
                connection=conn,
            )
    ctx.lines.append(
        f"stations: {len(made)} around 黄鹤楼 and 机安社区, with rewards; rider has {RIDER_POINTS} points"
    )
