from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from api.models.stations import RedemptionStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="Station",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=128)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="stations",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("address", fields.CharField(max_length=255)),
                ("lat", fields.FloatField(db_index=True)),
                ("lng", fields.FloatField(db_index=True)),
                (
                    "managing_unit",
                    fields.ForeignKeyField(
                        "core.Organization",
                        source_field="managing_unit_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="managed_stations",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("contact_name", fields.CharField(null=True, max_length=64)),
                ("contact_phone", fields.CharField(null=True, max_length=32)),
                (
                    "services",
                    fields.CharField(
                        default=",",
                        description='the services offered, each wrapped in commas (",READING,WATER_MEALS,") so SQL can filter by one',
                        max_length=255,
                    ),
                ),
                (
                    "opening_hours",
                    fields.JSONField(
                        default=list,
                        description='opening periods, a list of {"dayOfWeek": 1-7, "opens": "HH:MM", "closes": "HH:MM"} in local time',
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "timezone",
                    fields.CharField(
                        default="Asia/Shanghai",
                        description="IANA time zone of the opening hours",
                        max_length=64,
                    ),
                ),
                (
                    "demonstration",
                    fields.BooleanField(
                        default=False, description="a demonstration station (示范蜂巢) with special services"
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "station",
                "app": "stations",
                "pk_attr": "id",
                "table_description": "A station where couriers, riders and drivers rest, charge, drink, eat, read and fix their bikes.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Reward",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "station",
                    fields.ForeignKeyField(
                        "stations.Station",
                        source_field="station_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rewards",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=128)),
                ("description", fields.TextField(default="", unique=False)),
                ("points_cost", fields.IntField()),
                ("stock", fields.IntField()),
                ("active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "reward",
                "app": "stations",
                "pk_attr": "id",
                "table_description": "A gift that can be redeemed for points at a station, with a stock that never goes below zero.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Redemption",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "reward",
                    fields.ForeignKeyField(
                        "stations.Reward",
                        source_field="reward_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="redemptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "station",
                    fields.ForeignKeyField(
                        "stations.Station",
                        source_field="station_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="redemptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="redemptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("points_spent", fields.IntField()),
                ("code", fields.CharField(unique=True, max_length=16)),
                (
                    "idempotency_key",
                    fields.CharField(
                        null=True,
                        description="the client's key: a retried redemption returns the first one",
                        max_length=64,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=RedemptionStatus.ISSUED,
                        description="ISSUED: ISSUED\nCOLLECTED: COLLECTED",
                        enum_type=RedemptionStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("collected_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "collected_by",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="collected_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="redemptions_collected",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "redemption",
                "app": "stations",
                "unique_together": (("account", "idempotency_key"),),
                "indexes": [Index(fields=["account_id", "id"])],
                "pk_attr": "id",
                "table_description": "Points spent on a reward: a code the rider shows at the station, checked off there once.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StationActivity",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "station",
                    fields.ForeignKeyField(
                        "stations.Station",
                        source_field="station_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="activities",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("title", fields.CharField(max_length=128)),
                ("description", fields.TextField(default="", unique=False)),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("capacity", fields.IntField()),
                (
                    "signed_up",
                    fields.IntField(
                        default=0, description="how many have signed up, raised only while below capacity"
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "station_activity",
                "app": "stations",
                "pk_attr": "id",
                "table_description": "An activity held at or by a station (a birthday party, park tickets), with sign-up and a capacity.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StationActivitySignup",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "activity",
                    fields.ForeignKeyField(
                        "stations.StationActivity",
                        source_field="activity_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="signups",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="activity_signups",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "station_activity_signup",
                "app": "stations",
                "unique_together": (("activity", "account"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
