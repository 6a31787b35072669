"""Inputs, payloads, queries and mutations of stations, rewards and activities."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from resolvers import stations
from schema.base import (
    Connection,
    GeoPointInput,
    IsAuthenticated,
    UserErrorType,
    connection,
    decode_id,
    decode_optional,
    list_connection,
    mutate,
    require_account,
)
from schema.context import Info

if TYPE_CHECKING:
    pass
from schema.stations.types import (
    STATION_MANAGERS,
    OpeningPeriodInput,
    Redemption,
    Reward,
    Station,
    StationActivity,
    StationServiceEnum,
)


@strawberry.input(description="Which stations: near a point, offering a service, open now…")
class StationFilter:
    near: GeoPointInput | None = strawberry.field(
        default=None, description="Nearest first, with `distanceM`."
    )
    radius_m: int | None = strawberry.field(
        default=None, description="Metres around `near` (default 5,000, at most 50,000)."
    )
    service: StationServiceEnum | None = None  # type: ignore[valid-type]
    open_now: bool | None = strawberry.field(
        default=None, description="true: only open ones; false: only closed ones."
    )
    community_id: strawberry.ID | None = None
    demonstration: bool | None = None


@strawberry.input
class StationCreateInput:
    name: str
    address: str
    location: GeoPointInput
    services: list[StationServiceEnum]  # type: ignore[valid-type]
    opening_hours: list[OpeningPeriodInput]
    community_id: strawberry.ID | None = None
    managing_unit_id: strawberry.ID | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    timezone: str | None = strawberry.field(default=None, description="IANA zone; default Asia/Shanghai.")
    demonstration: bool = False


@strawberry.input(description="What to change; fields left out stay as they are.")
class StationUpdateInput:
    id: strawberry.ID
    name: str | None = None
    address: str | None = None
    location: GeoPointInput | None = None
    services: list[StationServiceEnum] | None = None  # type: ignore[valid-type]
    opening_hours: list[OpeningPeriodInput] | None = None
    managing_unit_id: strawberry.ID | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    timezone: str | None = None
    demonstration: bool | None = None


@strawberry.type
class StationPayload:
    station: Station | None = None
    errors: list[UserErrorType]


@strawberry.input
class RewardCreateInput:
    station_id: strawberry.ID
    name: str
    points_cost: int
    stock: int
    description: str | None = None


@strawberry.input
class RewardRestockInput:
    reward_id: strawberry.ID
    add: int = strawberry.field(description="Units to add (negative to take unredeemed units away).")


@strawberry.type
class RewardPayload:
    reward: Reward | None = None
    errors: list[UserErrorType]


@strawberry.input
class RewardRedeemInput:
    reward_id: strawberry.ID
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key redeems once."
    )


@strawberry.type
class RewardRedeemPayload:
    redemption: Redemption | None = None
    balance: int | None = strawberry.field(
        default=None, description="The points balance after the redemption."
    )
    errors: list[UserErrorType]


@strawberry.input
class RedemptionCollectInput:
    code: str


@strawberry.type
class RedemptionPayload:
    redemption: Redemption | None = None
    errors: list[UserErrorType]


@strawberry.input
class StationActivityCreateInput:
    station_id: strawberry.ID
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    description: str | None = None


@strawberry.input
class StationActivitySignUpInput:
    activity_id: strawberry.ID


@strawberry.type
class StationActivityPayload:
    activity: StationActivity | None = None
    errors: list[UserErrorType]


def _periods(items: list[OpeningPeriodInput] | None) -> list[stations.OpeningPeriod] | None:
    if items is None:
        return None
    return [stations.OpeningPeriod(day_of_week=p.day_of_week, opens=p.opens, closes=p.closes) for p in items]


@strawberry.type
class Query:
    @strawberry.field(description="One station; public.")
    async def station(self, info: Info, id: strawberry.ID) -> Station | None:
        try:
            pk = decode_id(id, Station)
        except Exception:
            return None
        return await Station.load(info, pk)

    @strawberry.field(description="Stations; public. With `near`: nearest first, within `radiusM`.")
    async def stations(
        self,
        info: Info,
        filter: StationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Station]:
        f = filter or StationFilter()
        community_id = (
            decode_optional(f.community_id, "Community", field="communityId") if f.community_id else None
        )
        if f.near is None and f.open_now is None:
            qs = stations.stations_queryset(
                service=f.service, community_id=community_id, demonstration=f.demonstration
            )
            return await connection(
                info, qs, Station.from_model, first=first, after=after, last=last, before=before
            )
        from api.errors import BadInput, UserError

        try:
            found = await stations.find_stations(
                near=(f.near.lat, f.near.lng) if f.near else None,
                radius_m=f.radius_m,
                open_now=f.open_now,
                service=f.service,
                community_id=community_id,
                demonstration=f.demonstration,
            )
        except UserError as exc:
            raise BadInput(exc.message) from exc
        return list_connection(
            info,
            found,
            lambda x: Station.from_model(x.station, x.distance_m),
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[STATION_MANAGERS],
        description="Add a station (ADMIN; COMMUNITY_ADMIN in their community; ORG_ADMIN for their unit).",
    )
    async def station_create(self, info: Info, input: StationCreateInput) -> StationPayload:
        return await mutate(
            StationPayload,
            lambda: stations.create_station(
                principal=info.context.principal,
                name=input.name,
                address=input.address,
                lat=input.location.lat,
                lng=input.location.lng,
                services=input.services,
                opening_hours=_periods(input.opening_hours) or [],
                community_id=decode_optional(input.community_id, "Community", field="communityId"),
                managing_unit_id=decode_optional(
                    input.managing_unit_id, "Organization", field="managingUnitId"
                ),
                contact_name=input.contact_name,
                contact_phone=input.contact_phone,
                timezone=input.timezone or info.context.settings.default_timezone,
                demonstration=input.demonstration,
            ),
            lambda s: {"station": Station.from_model(s)},
        )

    @strawberry.mutation(
        permission_classes=[STATION_MANAGERS], description="Change a station (its managers)."
    )
    async def station_update(self, info: Info, input: StationUpdateInput) -> StationPayload:
        return await mutate(
            StationPayload,
            lambda: stations.update_station(
                principal=info.context.principal,
                station_id=decode_id(input.id, Station),
                name=input.name,
                address=input.address,
                lat=input.location.lat if input.location else None,
                lng=input.location.lng if input.location else None,
                services=input.services,
                opening_hours=_periods(input.opening_hours),
                managing_unit_id=decode_optional(
                    input.managing_unit_id, "Organization", field="managingUnitId"
                ),
                contact_name=input.contact_name,
                contact_phone=input.contact_phone,
                timezone=input.timezone,
                demonstration=input.demonstration,
            ),
            lambda s: {"station": Station.from_model(s)},
        )

    @strawberry.mutation(
        permission_classes=[STATION_MANAGERS], description="Offer a reward at a station (its managers)."
    )
    async def reward_create(self, info: Info, input: RewardCreateInput) -> RewardPayload:
        return await mutate(
            RewardPayload,
            lambda: stations.create_reward(
                principal=info.context.principal,
                station_id=decode_id(input.station_id, Station, field="stationId"),
                name=input.name,
                points_cost=input.points_cost,
                stock=input.stock,
                description=input.description,
            ),
            lambda r: {"reward": Reward.from_model(r)},
        )

    @strawberry.mutation(
        permission_classes=[STATION_MANAGERS], description="Change a reward's stock (its station's managers)."
    )
    async def reward_restock(self, info: Info, input: RewardRestockInput) -> RewardPayload:
        return await mutate(
            RewardPayload,
            lambda: stations.restock_reward(
                principal=info.context.principal,
                reward_id=decode_id(input.reward_id, Reward, field="rewardId"),
                add=input.add,
            ),
            lambda r: {"reward": Reward.from_model(r)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Spend points on a reward; never oversold, never overdrawn, once per idempotency key.",
    )
    async def reward_redeem(self, info: Info, input: RewardRedeemInput) -> RewardRedeemPayload:
        return await mutate(
            RewardRedeemPayload,
            lambda: stations.redeem_reward(
                principal=require_account(info),
                reward_id=decode_id(input.reward_id, Reward, field="rewardId"),
                idempotency_key=input.idempotency_key,
            ),
            lambda r: {"redemption": Redemption.from_model(r.redemption), "balance": r.balance},
        )

    @strawberry.mutation(
        permission_classes=[STATION_MANAGERS],
        description="Check a redemption code off when handing the reward over (the station's managers).",
    )
    async def redemption_collect(self, info: Info, input: RedemptionCollectInput) -> RedemptionPayload:
        return await mutate(
            RedemptionPayload,
            lambda: stations.collect_redemption(principal=info.context.principal, code=input.code),
            lambda r: {"redemption": Redemption.from_model(r)},
        )

    @strawberry.mutation(
        permission_classes=[STATION_MANAGERS], description="Announce an activity at a station."
    )
    async def station_activity_create(
        self, info: Info, input: StationActivityCreateInput
    ) -> StationActivityPayload:
        return await mutate(
            StationActivityPayload,
            lambda: stations.create_activity(
                principal=info.context.principal,
                station_id=decode_id(input.station_id, Station, field="stationId"),
                title=input.title,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                capacity=input.capacity,
                description=input.description,
            ),
            lambda a: {"activity": StationActivity.from_model(a)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Take a place at an activity, while places last."
    )
    async def station_activity_sign_up(
        self, info: Info, input: StationActivitySignUpInput
    ) -> StationActivityPayload:
        return await mutate(
            StationActivityPayload,
            lambda: stations.sign_up_for_activity(
                principal=require_account(info),
                activity_id=decode_id(input.activity_id, StationActivity, field="activityId"),
            ),
            lambda a: {"activity": StationActivity.from_model(a)},
        )
