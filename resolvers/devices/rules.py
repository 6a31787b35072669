"""The rules engine: which alerts a reading raises, given the device's thresholds. Pure functions, no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from api.models.devices import AlertKind, AlertRules, AlertSeverity, DeviceKind, Geofence

SEVERITY: dict[AlertKind, AlertSeverity] = {
    AlertKind.SOS: AlertSeverity.CRITICAL,
    AlertKind.FALL: AlertSeverity.CRITICAL,
    AlertKind.SPO2_LOW: AlertSeverity.CRITICAL,
    AlertKind.HEART_RATE_HIGH: AlertSeverity.WARNING,
    AlertKind.HEART_RATE_LOW: AlertSeverity.WARNING,
    AlertKind.BLOOD_PRESSURE_HIGH: AlertSeverity.WARNING,
    AlertKind.GEOFENCE_EXIT: AlertSeverity.WARNING,
    AlertKind.NO_WATER_USAGE: AlertSeverity.WARNING,
    AlertKind.SENSOR_FAULT: AlertSeverity.WARNING,
    AlertKind.DEVICE_OFFLINE: AlertSeverity.INFO,
    AlertKind.LOW_BATTERY: AlertSeverity.INFO,
}

#: a critical alert nobody acknowledged escalates one level after this long, up to MAX_ESCALATION
ESCALATION_STEP = timedelta(minutes=5)
MAX_ESCALATION = 2
LOW_BATTERY_PCT = 15


@dataclass(frozen=True)
class Thresholds:
    heart_rate_min: int = 45
    heart_rate_max: int = 120
    spo2_min: int = 90
    systolic_max: int = 160
    no_water_hours: int = 12
    offline_minutes: int = 30


#: defaults per kind; a device's `AlertRules` row overrides any of them
DEFAULTS: dict[DeviceKind, Thresholds] = {
    DeviceKind.WRISTBAND: Thresholds(offline_minutes=30),
    DeviceKind.WATER_METER: Thresholds(offline_minutes=24 * 60),
    DeviceKind.DRAIN_SENSOR: Thresholds(offline_minutes=6 * 60),
    DeviceKind.PIPE_SENSOR: Thresholds(offline_minutes=6 * 60),
    DeviceKind.GARBAGE_SENSOR: Thresholds(offline_minutes=6 * 60),
}

RULE_FIELDS = (
    "heart_rate_min",
    "heart_rate_max",
    "spo2_min",
    "systolic_max",
    "no_water_hours",
    "offline_minutes",
)


def thresholds(kind: DeviceKind, rules: AlertRules | None) -> Thresholds:
    base = DEFAULTS[DeviceKind(kind)]
    if rules is None:
        return base
    values = {f: getattr(rules, f) for f in RULE_FIELDS if getattr(rules, f) is not None}
    return Thresholds(**{**{f: getattr(base, f) for f in RULE_FIELDS}, **values})


@dataclass
class Hit:
    """One alert condition, seen `count` times; several readings of a batch fold into one hit."""

    kind: AlertKind
    first_at: datetime
    last_at: datetime
    count: int = 1
    lat: float | None = None
    lng: float | None = None
    detail: str = ""

    def fold(self, other: Hit) -> None:
        self.count += other.count
        if other.last_at >= self.last_at:
            self.last_at = other.last_at
            self.lat, self.lng = (
                other.lat if other.lat is not None else self.lat,
                other.lng if other.lng is not None else self.lng,
            )
            self.detail = other.detail or self.detail
        self.first_at = min(self.first_at, other.first_at)


@dataclass(frozen=True)
class ReadingIn:
    """A validated reading, as the ingest endpoint received it."""

    at: datetime
    seq: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    systolic: int | None = None
    diastolic: int | None = None
    steps: int | None = None
    battery_pct: int | None = None
    water_litres: float | None = None
    lat: float | None = None
    lng: float | None = None
    event: str | None = None
    fault: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def evaluate(reading: ReadingIn, limits: Thresholds, geofence: Geofence | None) -> list[Hit]:
    """The alert conditions one reading meets."""
    kinds: list[tuple[AlertKind, str]] = []
    if reading.event == "SOS":
        kinds.append((AlertKind.SOS, ""))
    elif reading.event == "FALL":
        kinds.append((AlertKind.FALL, ""))
    elif reading.event == "FAULT":
        kinds.append((AlertKind.SENSOR_FAULT, reading.fault or ""))
    if reading.heart_rate is not None:
        if reading.heart_rate > limits.heart_rate_max:
            kinds.append((AlertKind.HEART_RATE_HIGH, f"heartRate={reading.heart_rate}"))
        elif reading.heart_rate < limits.heart_rate_min:
            kinds.append((AlertKind.HEART_RATE_LOW, f"heartRate={reading.heart_rate}"))
    if reading.spo2 is not None and reading.spo2 < limits.spo2_min:
        kinds.append((AlertKind.SPO2_LOW, f"spo2={reading.spo2}"))
    if reading.systolic is not None and reading.systolic > limits.systolic_max:
        kinds.append((AlertKind.BLOOD_PRESSURE_HIGH, f"systolic={reading.systolic}"))
    if reading.battery_pct is not None and reading.battery_pct < LOW_BATTERY_PCT:
        kinds.append((AlertKind.LOW_BATTERY, f"batteryPct={reading.battery_pct}"))
    if geofence is not None and reading.lat is not None and reading.lng is not None:
        away = distance_m(geofence.lat, geofence.lng, reading.lat, reading.lng)
        if away > geofence.radius_m:
            kinds.append((AlertKind.GEOFENCE_EXIT, f"{round(away)} m from the centre"))
    return [
        Hit(kind=k, first_at=reading.at, last_at=reading.at, lat=reading.lat, lng=reading.lng, detail=d)
        for k, d in kinds
    ]


def fold(hits: list[Hit]) -> list[Hit]:
    """One hit per kind: the batch's repeats of a condition become one alert update."""
    by_kind: dict[AlertKind, Hit] = {}
    for hit in hits:
        if hit.kind in by_kind:
            by_kind[hit.kind].fold(hit)
        else:
            by_kind[hit.kind] = hit
    return list(by_kind.values())
