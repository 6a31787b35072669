from tortoise import migrations
from tortoise.migrations import operations as ops
from api.models.care import CareCategory
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="CareRecipient",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="care_recipients",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=64)),
                (
                    "category",
                    fields.CharEnumField(
                        description="ELDERLY_ALONE: ELDERLY_ALONE\nLEFT_BEHIND_CHILD: LEFT_BEHIND_CHILD\nHARDSHIP: HARDSHIP",
                        enum_type=CareCategory,
                        max_length=32,
                    ),
                ),
                (
                    "phone",
                    fields.CharField(
                        null=True,
                        description="personal data, shown in full only to the community's staff (and audited)",
                        max_length=32,
                    ),
                ),
                ("address", fields.CharField(null=True, max_length=255)),
                ("guardian_phone", fields.CharField(null=True, max_length=32)),
                ("lat", fields.FloatField(null=True)),
                ("lng", fields.FloatField(null=True)),
                ("note", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "care_recipient",
                "app": "care",
                "indexes": [Index(fields=["community_id", "category"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
