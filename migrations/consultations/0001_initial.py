from tortoise import migrations
from tortoise.migrations import operations as ops
from api.models.consultations import ConsultationMode, ConsultationStatus, SlotStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="CommitteeMember",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "account",
                    fields.OneToOneField(
                        "core.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="committee_member",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=64)),
                (
                    "sector",
                    fields.CharField(
                        description="the sector (界别) the member represents, e.g. 法律界", max_length=64
                    ),
                ),
                ("title", fields.CharField(max_length=128)),
                (
                    "expertise",
                    fields.TextField(
                        default="",
                        description="areas of expertise, one per line, searchable as text",
                        unique=False,
                    ),
                ),
                ("bio", fields.TextField(null=True, unique=False)),
                ("active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "committee_member",
                "app": "consultations",
                "pk_attr": "id",
                "table_description": "A committee member's public profile, linked to their account.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CommitteeMemberCommunity",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "member",
                    fields.ForeignKeyField(
                        "consultations.CommitteeMember",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="community_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="committee_member_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "committee_member_community",
                "app": "consultations",
                "unique_together": (("member", "community"),),
                "pk_attr": "id",
                "table_description": "A community a committee member serves (lives in, or has as a contact point).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Room",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rooms",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=128)),
                ("address", fields.CharField(max_length=255)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "room",
                "app": "consultations",
                "unique_together": (("community", "name"),),
                "pk_attr": "id",
                "table_description": "A room where residents meet committee members (委员在身边活动室).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ConsultationSlot",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "member",
                    fields.ForeignKeyField(
                        "consultations.CommitteeMember",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="slots",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("starts_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "mode",
                    fields.CharEnumField(
                        description="ONLINE: ONLINE\nIN_PERSON: IN_PERSON",
                        enum_type=ConsultationMode,
                        max_length=16,
                    ),
                ),
                (
                    "room",
                    fields.ForeignKeyField(
                        "consultations.Room",
                        source_field="room_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="slots",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=SlotStatus.OPEN,
                        description="OPEN: OPEN\nBOOKED: BOOKED\nWITHDRAWN: WITHDRAWN",
                        enum_type=SlotStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "consultation_slot",
                "app": "consultations",
                "indexes": [Index(fields=["member_id", "starts_at"]), Index(fields=["room_id", "starts_at"])],
                "pk_attr": "id",
                "table_description": "A time a committee member offers, online or in a room, booked at most once.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Consultation",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "slot",
                    fields.ForeignKeyField(
                        "consultations.ConsultationSlot",
                        source_field="slot_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="consultations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "consultations.CommitteeMember",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="consultations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "resident",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="resident_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="consultations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "mode",
                    fields.CharEnumField(
                        description="ONLINE: ONLINE\nIN_PERSON: IN_PERSON",
                        enum_type=ConsultationMode,
                        max_length=16,
                    ),
                ),
                (
                    "starts_at",
                    fields.DatetimeField(
                        db_index=True,
                        description="copied from the slot: what reminders and the booking limit look at",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                ("topic", fields.CharField(max_length=200)),
                ("details", fields.TextField(null=True, unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=ConsultationStatus.REQUESTED,
                        description="REQUESTED: REQUESTED\nCONFIRMED: CONFIRMED\nCOMPLETED: COMPLETED\nCANCELLED: CANCELLED\nNO_SHOW: NO_SHOW",
                        enum_type=ConsultationStatus,
                        max_length=16,
                    ),
                ),
                (
                    "version",
                    fields.IntField(default=1, description="raised on every change, carried by events"),
                ),
                (
                    "idempotency_key",
                    fields.CharField(
                        null=True,
                        description="the resident's key: a retried booking returns the first one",
                        max_length=64,
                    ),
                ),
                ("cancel_reason", fields.CharField(null=True, max_length=500)),
                (
                    "cancelled_by",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="cancelled_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="consultations_cancelled",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("reminded_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "consultation",
                "app": "consultations",
                "unique_together": (("resident", "idempotency_key"),),
                "indexes": [
                    Index(fields=["resident_id", "starts_at"]),
                    Index(fields=["member_id", "starts_at"]),
                    Index(fields=["status", "starts_at"]),
                ],
                "pk_attr": "id",
                "table_description": "A resident's booking of a slot, and the conversation that follows.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ConsultationMessage",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "consultation",
                    fields.ForeignKeyField(
                        "consultations.Consultation",
                        source_field="consultation_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "author",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="author_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="consultation_messages",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("body", fields.TextField(unique=False)),
                ("sent_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "consultation_message",
                "app": "consultations",
                "indexes": [Index(fields=["consultation_id", "sent_at"])],
                "pk_attr": "id",
                "table_description": "A message between the resident and the committee member of one consultation.",
            },
            bases=["Model"],
        ),
    ]
