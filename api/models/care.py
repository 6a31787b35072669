"""Care recipients: the people a community watches over (elderly living alone, left-behind children…)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.places import Community


class CareCategory(StrEnum):
    ELDERLY_ALONE = "ELDERLY_ALONE"
    LEFT_BEHIND_CHILD = "LEFT_BEHIND_CHILD"
    HARDSHIP = "HARDSHIP"


class CareRecipient(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="care_recipients", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    category = fields.CharEnumField(CareCategory, max_length=32)
    #: personal data, shown in full only to the community's staff (and audited)
    phone = fields.CharField(max_length=32, null=True)
    address = fields.CharField(max_length=255, null=True)
    guardian_phone = fields.CharField(max_length=32, null=True)
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    note = fields.TextField(default="")
    created_at = fields.DatetimeField()

    community_id: int

    class Meta:
        table = "care_recipient"
        indexes = (("community_id", "category"),)
