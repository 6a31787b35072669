"""Committee members (政协委员) and residents' consultations with them (政协e家)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import Account
    from api.models.places import Community


class ConsultationMode(StrEnum):
    ONLINE = "ONLINE"
    IN_PERSON = "IN_PERSON"


class ConsultationStatus(StrEnum):
    REQUESTED = "REQUESTED"
    CONFIRMED = "CONFIRMED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"


class SlotStatus(StrEnum):
    OPEN = "OPEN"
    BOOKED = "BOOKED"
    WITHDRAWN = "WITHDRAWN"


class CommitteeMember(Model):
    """A committee member's public profile, linked to their account."""

    id = fields.IntField(primary_key=True)
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "core.Account", related_name="committee_member", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    #: the sector (界别) the member represents, e.g. 法律界
    sector = fields.CharField(max_length=64)
    title = fields.CharField(max_length=128)
    #: areas of expertise, one per line, searchable as text
    expertise = fields.TextField(default="")
    bio = fields.TextField(null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    account_id: int

    class Meta:
        table = "committee_member"


class CommitteeMemberCommunity(Model):
    """A community a committee member serves (lives in, or has as a contact point)."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[CommitteeMember] = fields.ForeignKeyField(
        "consultations.CommitteeMember", related_name="community_links", on_delete=fields.CASCADE
    )
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="committee_member_links", on_delete=fields.CASCADE
    )

    member_id: int
    community_id: int

    class Meta:
        table = "committee_member_community"
        unique_together = (("member", "community"),)


class Room(Model):
    """A room where residents meet committee members (委员在身边活动室)."""

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="rooms", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=128)
    address = fields.CharField(max_length=255)
    created_at = fields.DatetimeField()

    community_id: int

    class Meta:
        table = "room"
        unique_together = (("community", "name"),)


class ConsultationSlot(Model):
    """A time a committee member offers, online or in a room, booked at most once."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[CommitteeMember] = fields.ForeignKeyField(
        "consultations.CommitteeMember", related_name="slots", on_delete=fields.CASCADE
    )
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField()
    mode = fields.CharEnumField(ConsultationMode, max_length=16)
    room: fields.ForeignKeyNullableRelation[Room] = fields.ForeignKeyField(
        "consultations.Room", related_name="slots", null=True, on_delete=fields.SET_NULL
    )
    #: OPEN until booked, BOOKED by exactly one active consultation, WITHDRAWN by the member
    status = fields.CharEnumField(SlotStatus, max_length=16, default=SlotStatus.OPEN)
    created_at = fields.DatetimeField()

    member_id: int
    room_id: int | None

    class Meta:
        table = "consultation_slot"
        indexes = (("member_id", "starts_at"), ("room_id", "starts_at"))


class Consultation(Model):
    """A resident's booking of a slot, and the conversation that follows."""

    id = fields.IntField(primary_key=True)
    slot: fields.ForeignKeyRelation[ConsultationSlot] = fields.ForeignKeyField(
        "consultations.ConsultationSlot", related_name="consultations", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation[CommitteeMember] = fields.ForeignKeyField(
        "consultations.CommitteeMember", related_name="consultations", on_delete=fields.CASCADE
    )
    resident: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="consultations", on_delete=fields.CASCADE
    )
    mode = fields.CharEnumField(ConsultationMode, max_length=16)
    #: copied from the slot: what reminders and the booking limit look at
    starts_at = fields.DatetimeField(db_index=True)
    topic = fields.CharField(max_length=200)
    details = fields.TextField(null=True)
    status = fields.CharEnumField(ConsultationStatus, max_length=16, default=ConsultationStatus.REQUESTED)
    #: raised on every change, carried by events
    version = fields.IntField(default=1)
    #: the resident's key: a retried booking returns the first one
    idempotency_key = fields.CharField(max_length=64, null=True)
    cancel_reason = fields.CharField(max_length=500, null=True)
    cancelled_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="consultations_cancelled", null=True, on_delete=fields.SET_NULL
    )
    reminded_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    slot_id: int
    member_id: int
    resident_id: int
    cancelled_by_id: int | None

    class Meta:
        table = "consultation"
        unique_together = (("resident", "idempotency_key"),)
        indexes = (("resident_id", "starts_at"), ("member_id", "starts_at"), ("status", "starts_at"))


class ConsultationMessage(Model):
    """A message between the resident and the committee member of one consultation."""

    id = fields.IntField(primary_key=True)
    consultation: fields.ForeignKeyRelation[Consultation] = fields.ForeignKeyField(
        "consultations.Consultation", related_name="messages", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="consultation_messages", on_delete=fields.CASCADE
    )
    body = fields.TextField()
    sent_at = fields.DatetimeField()

    consultation_id: int
    author_id: int

    class Meta:
        table = "consultation_message"
        indexes = (("consultation_id", "sent_at"),)
