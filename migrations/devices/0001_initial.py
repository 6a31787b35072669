from tortoise import migrations
from tortoise.migrations import operations as ops
from api.models.devices import AlertEventType, AlertKind, AlertSeverity, AlertStatus, DeviceKind, DeviceStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial"), ("core", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="Device",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="devices",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("serial", fields.CharField(unique=True, max_length=64)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="WRISTBAND: WRISTBAND\nWATER_METER: WATER_METER\nDRAIN_SENSOR: DRAIN_SENSOR\nPIPE_SENSOR: PIPE_SENSOR\nGARBAGE_SENSOR: GARBAGE_SENSOR",
                        enum_type=DeviceKind,
                        max_length=32,
                    ),
                ),
                (
                    "wearer",
                    fields.ForeignKeyField(
                        "care.CareRecipient",
                        source_field="wearer_id",
                        null=True,
                        description="the person wearing the device (wristbands) or living where it is installed (water meters)",
                        db_constraint=True,
                        to_field="id",
                        related_name="devices",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "lat",
                    fields.FloatField(
                        null=True, description="where the device is installed (meters, sensors)"
                    ),
                ),
                ("lng", fields.FloatField(null=True)),
                ("key_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "status",
                    fields.CharEnumField(
                        default=DeviceStatus.OFFLINE,
                        description="ONLINE: ONLINE\nOFFLINE: OFFLINE",
                        enum_type=DeviceStatus,
                        max_length=16,
                    ),
                ),
                ("last_seen_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "last_water_at",
                    fields.DatetimeField(
                        null=True,
                        description="the time of the last reading that used water (water meters)",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                ("battery_pct", fields.IntField(null=True)),
                (
                    "latest_reading_id",
                    fields.BigIntField(
                        null=True,
                        description="the newest reading, kept so that a list of devices shows it without a statement per row",
                    ),
                ),
                ("disabled_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "device",
                "app": "devices",
                "indexes": [Index(fields=["community_id", "status"]), Index(fields=["kind", "status"])],
                "pk_attr": "id",
                "table_description": "A device pushing readings, authenticated by an ingest key stored only as a SHA-256 hash.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Alert",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="alerts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "device",
                    fields.ForeignKeyField(
                        "devices.Device",
                        source_field="device_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="alerts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "subject",
                    fields.ForeignKeyField(
                        "care.CareRecipient",
                        source_field="subject_id",
                        null=True,
                        description="the care recipient wearing the device when the alert was raised",
                        db_constraint=True,
                        to_field="id",
                        related_name="alerts",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SOS: SOS\nFALL: FALL\nHEART_RATE_HIGH: HEART_RATE_HIGH\nHEART_RATE_LOW: HEART_RATE_LOW\nSPO2_LOW: SPO2_LOW\nBLOOD_PRESSURE_HIGH: BLOOD_PRESSURE_HIGH\nGEOFENCE_EXIT: GEOFENCE_EXIT\nNO_WATER_USAGE: NO_WATER_USAGE\nDEVICE_OFFLINE: DEVICE_OFFLINE\nLOW_BATTERY: LOW_BATTERY\nSENSOR_FAULT: SENSOR_FAULT",
                        enum_type=AlertKind,
                        max_length=32,
                    ),
                ),
                (
                    "severity",
                    fields.CharEnumField(
                        description="INFO: INFO\nWARNING: WARNING\nCRITICAL: CRITICAL",
                        enum_type=AlertSeverity,
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=AlertStatus.ACTIVE,
                        description="ACTIVE: ACTIVE\nACKNOWLEDGED: ACKNOWLEDGED\nRESOLVED: RESOLVED",
                        enum_type=AlertStatus,
                        max_length=16,
                    ),
                ),
                (
                    "open_key",
                    fields.CharField(
                        null=True,
                        unique=True,
                        description="'device id:kind' while the alert is open, null once resolved. Unique, so a second open alert cannot exist",
                        max_length=64,
                    ),
                ),
                ("raised_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("occurrences", fields.IntField(default=1)),
                ("escalation_level", fields.IntField(default=0)),
                (
                    "escalate_at",
                    fields.DatetimeField(
                        null=True,
                        description="when the alert escalates next if nobody acknowledges it (critical alerts only)",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                ("detail", fields.CharField(default="", max_length=128)),
                ("lat", fields.FloatField(null=True)),
                ("lng", fields.FloatField(null=True)),
                (
                    "acknowledged_by",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="acknowledged_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="alerts_acknowledged",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("acknowledged_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "resolved_by",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="resolved_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="alerts_resolved",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("resolved_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("resolution_note", fields.TextField(default="", unique=False)),
                (
                    "version",
                    fields.IntField(
                        default=1,
                        description="bumped by every change, so that an event names the state it announces",
                    ),
                ),
            ],
            options={
                "table": "alert",
                "app": "devices",
                "indexes": [
                    Index(fields=["community_id", "status", "raised_at"]),
                    Index(fields=["status", "severity", "escalate_at"]),
                ],
                "pk_attr": "id",
                "table_description": "An alarm about a device. At most one is open per device and kind, enforced by `open_key`.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AlertEvent",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "alert",
                    fields.ForeignKeyField(
                        "devices.Alert",
                        source_field="alert_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("community_id", fields.IntField()),
                (
                    "type",
                    fields.CharEnumField(
                        description="RAISED: RAISED\nUPDATED: UPDATED\nACKNOWLEDGED: ACKNOWLEDGED\nESCALATED: ESCALATED\nRESOLVED: RESOLVED",
                        enum_type=AlertEventType,
                        max_length=16,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("version", fields.IntField()),
                ("actor_id", fields.IntField(null=True)),
                ("note", fields.TextField(default="", unique=False)),
            ],
            options={
                "table": "alert_event",
                "app": "devices",
                "unique_together": (("alert", "version"),),
                "indexes": [Index(fields=["community_id", "at"])],
                "pk_attr": "id",
                "table_description": "What happened to an alert, kept so that a subscriber can replay what it missed.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AlertRules",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "device",
                    fields.OneToOneField(
                        "devices.Device",
                        source_field="device_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rules",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("heart_rate_min", fields.IntField(null=True)),
                ("heart_rate_max", fields.IntField(null=True)),
                ("spo2_min", fields.IntField(null=True)),
                ("systolic_max", fields.IntField(null=True)),
                ("no_water_hours", fields.IntField(null=True)),
                ("offline_minutes", fields.IntField(null=True)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "alert_rules",
                "app": "devices",
                "pk_attr": "id",
                "table_description": "Per-device thresholds, where a null column means the default for the device's kind.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Geofence",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "care_recipient",
                    fields.OneToOneField(
                        "care.CareRecipient",
                        source_field="care_recipient_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="geofence",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("lat", fields.FloatField()),
                ("lng", fields.FloatField()),
                ("radius_m", fields.IntField()),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "geofence",
                "app": "devices",
                "pk_attr": "id",
                "table_description": "A circle a care recipient is expected to stay within (电子围栏).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Reading",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "device",
                    fields.ForeignKeyField(
                        "devices.Device",
                        source_field="device_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="readings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "seq",
                    fields.BigIntField(
                        null=True,
                        description="the device's own sequence number, making a retried upload idempotent",
                    ),
                ),
                ("heart_rate", fields.IntField(null=True)),
                ("spo2", fields.IntField(null=True)),
                ("systolic", fields.IntField(null=True)),
                ("diastolic", fields.IntField(null=True)),
                ("steps", fields.IntField(null=True)),
                ("battery_pct", fields.IntField(null=True)),
                (
                    "water_litres",
                    fields.FloatField(null=True, description="litres used since the previous reading"),
                ),
                ("lat", fields.FloatField(null=True)),
                ("lng", fields.FloatField(null=True)),
                ("event", fields.CharField(null=True, description="SOS, FALL or FAULT", max_length=16)),
                ("fault", fields.CharField(null=True, max_length=64)),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "reading",
                "app": "devices",
                "unique_together": (("device", "seq"),),
                "indexes": [Index(fields=["device_id", "at"])],
                "pk_attr": "id",
                "table_description": "One measurement or event sent by a device.",
            },
            bases=["Model"],
        ),
    ]
