"""Communities, grids and organisations: the places and bodies everything else refers to."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import Account


class CommunityMode(StrEnum):
    NORMAL = "NORMAL"
    EMERGENCY = "EMERGENCY"
    EXTREME = "EXTREME"


class OrganizationKind(StrEnum):
    STREET = "STREET"
    WORK_UNIT = "WORK_UNIT"
    PROPERTY_MANAGEMENT = "PROPERTY_MANAGEMENT"
    CITY_OPS_CENTER = "CITY_OPS_CENTER"
    ENTERPRISE = "ENTERPRISE"
    INDUSTRY_COMMITTEE = "INDUSTRY_COMMITTEE"


class Community(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128)
    #: the short code printed on the community's check-in poster (QR code)
    code = fields.CharField(max_length=32, unique=True)
    city = fields.CharField(max_length=64)
    district = fields.CharField(max_length=64)
    street = fields.CharField(max_length=64)
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    mode = fields.CharEnumField(CommunityMode, max_length=16, default=CommunityMode.NORMAL)
    created_at = fields.DatetimeField()

    class Meta:
        table = "community"


class Grid(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="grids", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=128)
    created_at = fields.DatetimeField()

    community_id: int

    class Meta:
        table = "grid"
        unique_together = (("community", "name"),)


class GridWorker(Model):
    """A grid worker's assignment to a grid."""

    id = fields.IntField(primary_key=True)
    grid: fields.ForeignKeyRelation[Grid] = fields.ForeignKeyField(
        "core.Grid", related_name="workers", on_delete=fields.CASCADE
    )
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="grid_assignments", on_delete=fields.CASCADE
    )

    grid_id: int
    account_id: int

    class Meta:
        table = "grid_worker"
        unique_together = (("grid", "account"),)


class Organization(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128)
    kind = fields.CharEnumField(OrganizationKind, max_length=32)
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="organizations", null=True, on_delete=fields.SET_NULL
    )
    parent: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="children", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField()

    community_id: int | None
    parent_id: int | None

    class Meta:
        table = "organization"
