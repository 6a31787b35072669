"""Service stations for gig workers (江城蜂巢), their rewards (积分兑换) and activities."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import Account
    from api.models.places import Community, Organization


class StationService(StrEnum):
    """The five basic services every station offers some of."""

    COOLING_HEATING = "COOLING_HEATING"
    REST_CHARGING = "REST_CHARGING"
    WATER_MEALS = "WATER_MEALS"
    READING = "READING"
    EMERGENCY_REPAIR = "EMERGENCY_REPAIR"


class RedemptionStatus(StrEnum):
    ISSUED = "ISSUED"
    COLLECTED = "COLLECTED"


class Station(Model):
    """A station where couriers, riders and drivers rest, charge, drink, eat, read and fix their bikes."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128)
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="stations", null=True, on_delete=fields.SET_NULL
    )
    address = fields.CharField(max_length=255)
    lat = fields.FloatField(db_index=True)
    lng = fields.FloatField(db_index=True)
    managing_unit: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="managed_stations", null=True, on_delete=fields.SET_NULL
    )
    contact_name = fields.CharField(max_length=64, null=True)
    contact_phone = fields.CharField(max_length=32, null=True)
    #: the services offered, each wrapped in commas (",READING,WATER_MEALS,") so SQL can filter by one
    services = fields.CharField(max_length=255, default=",")
    #: opening periods, a list of {"dayOfWeek": 1-7, "opens": "HH:MM", "closes": "HH:MM"} in local time
    opening_hours: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    #: IANA time zone of the opening hours
    timezone = fields.CharField(max_length=64, default="Asia/Shanghai")
    #: a demonstration station (示范蜂巢) with special services
    demonstration = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    community_id: int | None
    managing_unit_id: int | None

    class Meta:
        table = "station"


class Reward(Model):
    """A gift that can be redeemed for points at a station, with a stock that never goes below zero."""

    id = fields.IntField(primary_key=True)
    station: fields.ForeignKeyRelation[Station] = fields.ForeignKeyField(
        "stations.Station", related_name="rewards", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=128)
    description = fields.TextField(default="")
    points_cost = fields.IntField()
    stock = fields.IntField()
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    station_id: int

    class Meta:
        table = "reward"


class Redemption(Model):
    """Points spent on a reward: a code the rider shows at the station, checked off there once."""

    id = fields.IntField(primary_key=True)
    reward: fields.ForeignKeyRelation[Reward] = fields.ForeignKeyField(
        "stations.Reward", related_name="redemptions", on_delete=fields.CASCADE
    )
    station: fields.ForeignKeyRelation[Station] = fields.ForeignKeyField(
        "stations.Station", related_name="redemptions", on_delete=fields.CASCADE
    )
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="redemptions", on_delete=fields.CASCADE
    )
    points_spent = fields.IntField()
    code = fields.CharField(max_length=16, unique=True)
    #: the client's key: a retried redemption returns the first one
    idempotency_key = fields.CharField(max_length=64, null=True)
    status = fields.CharEnumField(RedemptionStatus, max_length=16, default=RedemptionStatus.ISSUED)
    created_at = fields.DatetimeField()
    collected_at = fields.DatetimeField(null=True)
    collected_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="redemptions_collected", null=True, on_delete=fields.SET_NULL
    )

    reward_id: int
    station_id: int
    account_id: int
    collected_by_id: int | None

    class Meta:
        table = "redemption"
        unique_together = (("account", "idempotency_key"),)
        indexes = (("account_id", "id"),)


class StationActivity(Model):
    """An activity held at or by a station (a birthday party, park tickets), with sign-up and a capacity."""

    id = fields.IntField(primary_key=True)
    station: fields.ForeignKeyRelation[Station] = fields.ForeignKeyField(
        "stations.Station", related_name="activities", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=128)
    description = fields.TextField(default="")
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    capacity = fields.IntField()
    #: how many have signed up, raised only while below capacity
    signed_up = fields.IntField(default=0)
    created_at = fields.DatetimeField()

    station_id: int

    class Meta:
        table = "station_activity"


class StationActivitySignup(Model):
    id = fields.IntField(primary_key=True)
    activity: fields.ForeignKeyRelation[StationActivity] = fields.ForeignKeyField(
        "stations.StationActivity", related_name="signups", on_delete=fields.CASCADE
    )
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="activity_signups", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()

    activity_id: int
    account_id: int

    class Meta:
        table = "station_activity_signup"
        unique_together = (("activity", "account"),)
