"""Station, Reward, Redemption and StationActivity types, and the mixins on Community and Account."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self, TypeVar

import strawberry
from strawberry import relay

from api import clock
from api.models.stations import Redemption as RedemptionRow
from api.models.stations import RedemptionStatus, StationService
from api.models.stations import Reward as RewardRow
from api.models.stations import Station as StationRow
from api.models.stations import StationActivity as StationActivityRow
from resolvers import stations
from schema.base import (
    Connection,
    GeoPoint,
    IsAuthenticated,
    ModelNode,
    connection,
    list_connection,
)
from schema.context import Info

if TYPE_CHECKING:
    from schema.places import Community, Organization

T = TypeVar("T")

StationServiceEnum = strawberry.enum(
    StationService,
    name="StationService",
    description="避暑取暖、歇脚充电、饮水就餐、阅读学习、应急维修: the five basic services of a station.",
)
RedemptionStatusEnum = strawberry.enum(RedemptionStatus, name="RedemptionStatus")

#: the use cases check who manages which station (ADMIN, COMMUNITY_ADMIN, ORG_ADMIN of the managing unit);
#: `HasRole` is not used because its instances keep the UNAUTHENTICATED code once an anonymous call set it
STATION_MANAGERS = IsAuthenticated


@strawberry.type(description="A weekly opening period in the station's local time.")
class OpeningPeriod:
    day_of_week: int = strawberry.field(description="ISO day of week: 1 = Monday … 7 = Sunday.")
    opens: str = strawberry.field(description="`HH:MM`, local time.")
    closes: str = strawberry.field(description="`HH:MM` or `24:00`; not after `opens` means the next day.")


@strawberry.input(description="A weekly opening period in the station's local time.")
class OpeningPeriodInput:
    day_of_week: int = strawberry.field(description="ISO day of week: 1 = Monday … 7 = Sunday.")
    opens: str = strawberry.field(description="`HH:MM`, local time.")
    closes: str = strawberry.field(
        description="`HH:MM` or `24:00`; not after `opens` means it closes the next day."
    )


@strawberry.type(description="Who answers for a station.")
class StationContact:
    name: str | None
    phone: str | None = strawberry.field(description="The station's public contact number.")


@strawberry.federation.type(
    keys=["id"], name="Station", description="江城蜂巢 / 爱心驿站: a station for gig workers."
)
class Station(ModelNode):
    model = StationRow
    id: relay.NodeID[int]
    name: str
    address: str
    location: GeoPoint
    services: list[StationServiceEnum]  # type: ignore[valid-type]
    opening_hours: list[OpeningPeriod]
    timezone: str = strawberry.field(description="IANA zone of the opening hours, e.g. Asia/Shanghai.")
    demonstration: bool = strawberry.field(
        description="A demonstration station (示范蜂巢) with special services."
    )
    contact: StationContact
    community_id: strawberry.Private[int | None]
    managing_unit_id: strawberry.Private[int | None]
    row: strawberry.Private[StationRow]
    distance: strawberry.Private[float | None] = None

    @classmethod
    def from_model(cls, obj: StationRow, distance: float | None = None) -> Self:
        return cls(
            id=obj.id,
            name=obj.name,
            address=obj.address,
            location=GeoPoint(lat=obj.lat, lng=obj.lng),
            services=stations.services_of(obj),
            opening_hours=[
                OpeningPeriod(day_of_week=p["dayOfWeek"], opens=p["opens"], closes=p["closes"])
                for p in obj.opening_hours
            ],
            timezone=obj.timezone,
            demonstration=obj.demonstration,
            contact=StationContact(name=obj.contact_name, phone=obj.contact_phone),
            community_id=obj.community_id,
            managing_unit_id=obj.managing_unit_id,
            row=obj,
            distance=distance,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> list[bool]:
        return [True] * len(rows)  # stations are public

    @strawberry.field(description="Metres from the point searched near; null when the search had no point.")
    def distance_m(self) -> int | None:
        return None if self.distance is None else round(self.distance)

    @strawberry.field(description="Open at this moment, by the station's hours and time zone.")
    def is_open_now(self) -> bool:
        return stations.station_is_open(self.row)

    @strawberry.field(description="The community the station is in.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy("schema.places")] | None:
        from schema.places import Community

        return await Community.load(info, self.community_id)

    @strawberry.field(description="The unit that runs the station (日常管理单位).")
    async def managing_unit(
        self, info: Info
    ) -> Annotated[Organization, strawberry.lazy("schema.places")] | None:
        from schema.places import Organization

        return await Organization.load(info, self.managing_unit_id)

    @strawberry.field(description="Rewards redeemable here, cheapest first.")
    async def rewards(self, info: Info) -> list[Reward]:
        rows = await info.context.loaders.get("RewardsByStation", stations.rewards_by_station).load(self.id)
        return [Reward.from_model(r) for r in rows]

    @strawberry.field(description="Activities not yet over, soonest first.")
    async def activities(self, info: Info) -> list[StationActivity]:
        now = clock.now()

        async def batch(ids: list[int]) -> list[list[StationActivityRow]]:
            return await stations.activities_by_station(ids, upcoming_after=now)

        rows = await info.context.loaders.get("UpcomingActivitiesByStation", batch).load(self.id)
        return [StationActivity.from_model(r) for r in rows]


@strawberry.type(description="A gift redeemable for points at a station.")
class Reward(ModelNode):
    model = RewardRow
    id: relay.NodeID[int]
    name: str
    description: str
    points_cost: int = strawberry.field(description="Points spent per unit.")
    stock: int = strawberry.field(description="Units left.")
    station_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, obj: RewardRow) -> Self:
        return cls(
            id=obj.id,
            name=obj.name,
            description=obj.description,
            points_cost=obj.points_cost,
            stock=obj.stock,
            station_id=obj.station_id,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> list[bool]:
        return [True] * len(rows)

    @strawberry.field
    async def station(self, info: Info) -> Station:
        found = await Station.load(info, self.station_id)
        assert found is not None
        return found


@strawberry.type(description="Points spent on a reward: show the code at the station to collect it.")
class Redemption(ModelNode):
    model = RedemptionRow
    id: relay.NodeID[int]
    code: str = strawberry.field(description="The code the station checks off.")
    points_spent: int
    status: RedemptionStatusEnum  # type: ignore[valid-type]
    created_at: datetime
    collected_at: datetime | None
    reward_id: strawberry.Private[int]
    account_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, obj: RedemptionRow) -> Self:
        return cls(
            id=obj.id,
            code=obj.code,
            points_spent=obj.points_spent,
            status=obj.status,
            created_at=obj.created_at,
            collected_at=obj.collected_at,
            reward_id=obj.reward_id,
            account_id=obj.account_id,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> list[bool]:
        principal = info.context.principal
        return [principal.is_admin or r.account_id == principal.account_id for r in rows]

    @strawberry.field
    async def reward(self, info: Info) -> Reward:
        found = await Reward.load(info, self.reward_id)
        assert found is not None
        return found


@strawberry.type(description="An activity at a station (a birthday party, park tickets) with a capacity.")
class StationActivity(ModelNode):
    model = StationActivityRow
    id: relay.NodeID[int]
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    signed_up: int = strawberry.field(description="Places taken.")
    station_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, obj: StationActivityRow) -> Self:
        return cls(
            id=obj.id,
            title=obj.title,
            description=obj.description,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            capacity=obj.capacity,
            signed_up=obj.signed_up,
            station_id=obj.station_id,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> list[bool]:
        return [True] * len(rows)

    @strawberry.field(description="Places left.")
    def remaining(self) -> int:
        return max(0, self.capacity - self.signed_up)

    @strawberry.field(description="Whether the logged-in account has signed up; false when not logged in.")
    async def viewer_signed_up(self, info: Info) -> bool:
        account_id = info.context.principal.account_id
        if account_id is None:
            return False

        async def batch(ids: list[int]) -> list[bool]:
            mine = await stations.signed_up_activity_ids(account_id, ids)
            return [i in mine for i in ids]

        return await info.context.loaders.get("ViewerSignedUpByActivity", batch).load(self.id)

    @strawberry.field
    async def station(self, info: Info) -> Station:
        found = await Station.load(info, self.station_id)
        assert found is not None
        return found


# ------------------------------------------------------------------ community and account mixins


@strawberry.type
class CommunityStations:
    @strawberry.field(description="The stations in the community; public.")
    async def stations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Station]:
        community_id: int = self.id  # type: ignore[attr-defined]
        qs = stations.stations_queryset(community_id=community_id)
        return await connection(
            info, qs, Station.from_model, first=first, after=after, last=last, before=before
        )


@strawberry.type
class AccountStations:
    @strawberry.field(description="The account's redemptions, newest first (only on one's own account).")
    async def redemptions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Redemption]:
        if info.context.principal.account_id != self.id:  # type: ignore[attr-defined]
            return list_connection(info, [], Redemption.from_model)
        return await connection(
            info,
            stations.redemptions_of(self.id),  # type: ignore[attr-defined]
            Redemption.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )
