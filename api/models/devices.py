"""Devices (wristbands, water meters, infrastructure sensors), their readings, alert rules, geofences and alerts."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import Account
    from api.models.care import CareRecipient
    from api.models.places import Community


class DeviceKind(StrEnum):
    WRISTBAND = "WRISTBAND"
    WATER_METER = "WATER_METER"
    DRAIN_SENSOR = "DRAIN_SENSOR"
    PIPE_SENSOR = "PIPE_SENSOR"
    GARBAGE_SENSOR = "GARBAGE_SENSOR"


class DeviceStatus(StrEnum):
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"


class AlertKind(StrEnum):
    SOS = "SOS"
    FALL = "FALL"
    HEART_RATE_HIGH = "HEART_RATE_HIGH"
    HEART_RATE_LOW = "HEART_RATE_LOW"
    SPO2_LOW = "SPO2_LOW"
    BLOOD_PRESSURE_HIGH = "BLOOD_PRESSURE_HIGH"
    GEOFENCE_EXIT = "GEOFENCE_EXIT"
    NO_WATER_USAGE = "NO_WATER_USAGE"
    DEVICE_OFFLINE = "DEVICE_OFFLINE"
    LOW_BATTERY = "LOW_BATTERY"
    SENSOR_FAULT = "SENSOR_FAULT"


class AlertSeverity(StrEnum):
    INFO = "INFO"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"


class AlertStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"


class AlertEventType(StrEnum):
    RAISED = "RAISED"
    UPDATED = "UPDATED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    ESCALATED = "ESCALATED"
    RESOLVED = "RESOLVED"


class Device(Model):
    """A device pushing readings, authenticated by an ingest key stored only as a SHA-256 hash."""

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="devices", on_delete=fields.CASCADE
    )
    serial = fields.CharField(max_length=64, unique=True)
    kind = fields.CharEnumField(DeviceKind, max_length=32)
    #: the person wearing the device (wristbands) or living where it is installed (water meters)
    wearer: fields.ForeignKeyNullableRelation[CareRecipient] = fields.ForeignKeyField(
        "care.CareRecipient", related_name="devices", null=True, on_delete=fields.SET_NULL
    )
    #: where the device is installed (meters, sensors)
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    status = fields.CharEnumField(DeviceStatus, max_length=16, default=DeviceStatus.OFFLINE)
    last_seen_at = fields.DatetimeField(null=True)
    #: the time of the last reading that used water (water meters)
    last_water_at = fields.DatetimeField(null=True)
    battery_pct = fields.IntField(null=True)
    #: the newest reading, kept so that a list of devices shows it without a statement per row
    latest_reading_id = fields.BigIntField(null=True)
    disabled_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    community_id: int
    wearer_id: int | None

    class Meta:
        table = "device"
        indexes = (("community_id", "status"), ("kind", "status"))


class Reading(Model):
    """One measurement or event sent by a device."""

    id = fields.BigIntField(primary_key=True)
    device: fields.ForeignKeyRelation[Device] = fields.ForeignKeyField(
        "devices.Device", related_name="readings", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField()
    #: the device's own sequence number, making a retried upload idempotent
    seq = fields.BigIntField(null=True)
    heart_rate = fields.IntField(null=True)
    spo2 = fields.IntField(null=True)
    systolic = fields.IntField(null=True)
    diastolic = fields.IntField(null=True)
    steps = fields.IntField(null=True)
    battery_pct = fields.IntField(null=True)
    #: litres used since the previous reading
    water_litres = fields.FloatField(null=True)
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    #: SOS, FALL or FAULT
    event = fields.CharField(max_length=16, null=True)
    fault = fields.CharField(max_length=64, null=True)
    received_at = fields.DatetimeField()

    device_id: int

    class Meta:
        table = "reading"
        unique_together = (("device", "seq"),)
        #: latest per device and range per device both walk this index
        indexes = (("device_id", "at"),)


class AlertRules(Model):
    """Per-device thresholds, where a null column means the default for the device's kind."""

    id = fields.IntField(primary_key=True)
    device: fields.OneToOneRelation[Device] = fields.OneToOneField(
        "devices.Device", related_name="rules", on_delete=fields.CASCADE
    )
    heart_rate_min = fields.IntField(null=True)
    heart_rate_max = fields.IntField(null=True)
    spo2_min = fields.IntField(null=True)
    systolic_max = fields.IntField(null=True)
    no_water_hours = fields.IntField(null=True)
    offline_minutes = fields.IntField(null=True)
    updated_at = fields.DatetimeField()

    device_id: int

    class Meta:
        table = "alert_rules"


class Geofence(Model):
    """A circle a care recipient is expected to stay within (电子围栏)."""

    id = fields.IntField(primary_key=True)
    care_recipient: fields.OneToOneRelation[CareRecipient] = fields.OneToOneField(
        "care.CareRecipient", related_name="geofence", on_delete=fields.CASCADE
    )
    lat = fields.FloatField()
    lng = fields.FloatField()
    radius_m = fields.IntField()
    updated_at = fields.DatetimeField()

    care_recipient_id: int

    class Meta:
        table = "geofence"


class Alert(Model):
    """An alarm about a device. At most one is open per device and kind, enforced by `open_key`."""

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="alerts", on_delete=fields.CASCADE
    )
    device: fields.ForeignKeyRelation[Device] = fields.ForeignKeyField(
        "devices.Device", related_name="alerts", on_delete=fields.CASCADE
    )
    #: the care recipient wearing the device when the alert was raised
    subject: fields.ForeignKeyNullableRelation[CareRecipient] = fields.ForeignKeyField(
        "care.CareRecipient", related_name="alerts", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharEnumField(AlertKind, max_length=32)
    severity = fields.CharEnumField(AlertSeverity, max_length=16)
    status = fields.CharEnumField(AlertStatus, max_length=16, default=AlertStatus.ACTIVE)
    #: 'device id:kind' while the alert is open, null once resolved. Unique, so a second open alert cannot exist
    open_key = fields.CharField(max_length=64, null=True, unique=True)
    raised_at = fields.DatetimeField()
    last_occurred_at = fields.DatetimeField()
    occurrences = fields.IntField(default=1)
    escalation_level = fields.IntField(default=0)
    #: when the alert escalates next if nobody acknowledges it (critical alerts only)
    escalate_at = fields.DatetimeField(null=True)
    detail = fields.CharField(max_length=128, default="")
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    acknowledged_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="alerts_acknowledged", null=True, on_delete=fields.SET_NULL
    )
    acknowledged_at = fields.DatetimeField(null=True)
    resolved_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="alerts_resolved", null=True, on_delete=fields.SET_NULL
    )
    resolved_at = fields.DatetimeField(null=True)
    resolution_note = fields.TextField(default="")
    #: bumped by every change, so that an event names the state it announces
    version = fields.IntField(default=1)

    community_id: int
    device_id: int
    subject_id: int | None
    acknowledged_by_id: int | None
    resolved_by_id: int | None

    class Meta:
        table = "alert"
        indexes = (("community_id", "status", "raised_at"), ("status", "severity", "escalate_at"))


class AlertEvent(Model):
    """What happened to an alert, kept so that a subscriber can replay what it missed."""

    id = fields.BigIntField(primary_key=True)
    alert: fields.ForeignKeyRelation[Alert] = fields.ForeignKeyField(
        "devices.Alert", related_name="events", on_delete=fields.CASCADE
    )
    community_id = fields.IntField()
    type = fields.CharEnumField(AlertEventType, max_length=16)
    at = fields.DatetimeField()
    version = fields.IntField()
    actor_id = fields.IntField(null=True)
    note = fields.TextField(default="")

    alert_id: int

    class Meta:
        table = "alert_event"
        unique_together = (("alert", "version"),)
        indexes = (("community_id", "at"),)
