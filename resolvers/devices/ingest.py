"""Device ingest: validate a batch, store it and run the alert rules in one transaction, all or nothing.

Idempotent by `seq`: the readings table holds (device, seq) unique and the batch is inserted with
`ON CONFLICT DO NOTHING`, so a retried upload stores nothing twice and raises no alert twice, even
when two retries race.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard

from tortoise.expressions import Q

from api import clock
from api.db import transaction
from api.events import Topic
from api.models.devices import AlertKind, AlertRules, Device, DeviceKind, DeviceStatus, Geofence
from resolvers.devices import alerts
from resolvers.devices.rules import ReadingIn, evaluate, fold, thresholds
from resolvers.devices.sql import insert_returning

INT_FIELDS = {
    "heartRate": (0, 300),
    "spo2": (0, 100),
    "systolic": (0, 300),
    "diastolic": (0, 250),
    "steps": (0, 1_000_000),
    "batteryPct": (0, 100),
}
EVENTS = ("SOS", "FALL", "FAULT")
KNOWN = {
    "at",
    "seq",
    "heartRate",
    "spo2",
    "systolic",
    "diastolic",
    "steps",
    "batteryPct",
    "waterLitres",
    "lat",
    "lng",
    "event",
    "fault",
}
#: readings stamped further ahead than this are refused: a device clock gone wrong
MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class ReadingsStored:
    """Published on `readings:<device id>` after a batch committed."""

    device_id: int
    reading_ids: list[int]
    at: datetime


READINGS: Topic[ReadingsStored] = Topic("readings", ReadingsStored)


@dataclass(frozen=True)
class FieldError:
    index: int | None
    field: str
    message: str


class InvalidBatch(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid readings")
        self.errors = errors


@dataclass
class Accepted:
    accepted: int
    stored: int
    alert_ids: list[int] = field(default_factory=list)


def _int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_batch(body: Any, *, max_batch: int, now: datetime) -> list[ReadingIn]:
    """One reading or `{"readings": [...]}`; every error of every reading is reported, by index."""
    if isinstance(body, dict) and "readings" in body:
        items = body["readings"]
        if not isinstance(items, list) or not items:
            raise InvalidBatch([FieldError(None, "readings", "readings is a non-empty list")])
        if len(items) > max_batch:
            raise InvalidBatch([FieldError(None, "readings", f"at most {max_batch} readings per request")])
    elif isinstance(body, dict):
        items = [body]
    else:
        raise InvalidBatch([FieldError(None, "body", 'send one reading or {"readings": [...]}')])
    errors: list[FieldError] = []
    parsed: list[ReadingIn] = []
    for i, item in enumerate(items):
        found = _parse_one(i, item, now, errors)
        if found is not None:
            parsed.append(found)
    if errors:
        raise InvalidBatch(errors)
    return parsed


def _parse_one(i: int, item: Any, now: datetime, errors: list[FieldError]) -> ReadingIn | None:
    if not isinstance(item, dict):
        errors.append(FieldError(i, "reading", "a reading is an object"))
        return None
    before = len(errors)

    def bad(name: str, message: str) -> None:
        errors.append(FieldError(i, name, message))

    for name in item.keys() - KNOWN:
        bad(name, "unknown field")
    at = now
    if item.get("at") is not None:
        try:
            at = datetime.fromisoformat(str(item["at"]).replace("Z", "+00:00"))
            if at.tzinfo is None:
                raise ValueError
            at = at.astimezone(UTC)
            if at > now + MAX_CLOCK_SKEW:
                bad("at", "lies in the future")
        except ValueError:
            bad("at", "is ISO 8601 with an offset")
    values: dict[str, Any] = {}
    for name, (low, high) in INT_FIELDS.items():
        value = item.get(name)
        if value is None:
            continue
        if not _int(value) or not low <= value <= high:
            bad(name, f"is a whole number within {low} and {high}")
        values[name] = value
    seq = item.get("seq")
    if seq is not None and (not _int(seq) or not 0 <= seq < 2**62):
        bad("seq", "is a non-negative whole number")
    water = item.get("waterLitres")
    if water is not None and (not _number(water) or not 0 <= water <= 100_000):
        bad("waterLitres", "is a number of litres within 0 and 100000")
    lat, lng = item.get("lat"), item.get("lng")
    if (lat is None) != (lng is None):
        bad("lat" if lat is None else "lng", "lat and lng come together")
    elif lat is not None and not (_number(lat) and _number(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        bad("lat", "lat lies within ±90 and lng within ±180 degrees")
    event, fault = item.get("event"), item.get("fault")
    if event is not None and event not in EVENTS:
        bad("event", f"is one of {', '.join(EVENTS)}")
    if fault is not None and (not isinstance(fault, str) or not 0 < len(fault) <= 64):
        bad("fault", "is a short code such as DRAIN_BLOCKED")
    if len(errors) > before:
        return None
    return ReadingIn(
        at=at,
        seq=seq,
        heart_rate=values.get("heartRate"),
        spo2=values.get("spo2"),
        systolic=values.get("systolic"),
        diastolic=values.get("diastolic"),
        steps=values.get("steps"),
        battery_pct=values.get("batteryPct"),
        water_litres=float(water) if water is not None else None,
        lat=lat,
        lng=lng,
        event=event,
        fault=fault,
    )


_READING_COLUMNS = (
    "device_id",
    "at",
    "seq",
    "heart_rate",
    "spo2",
    "systolic",
    "diastolic",
    "steps",
    "battery_pct",
    "water_litres",
    "lat",
    "lng",
    "event",
    "fault",
    "received_at",
)


async def ingest(*, device: Device, readings: list[ReadingIn]) -> Accepted:
    """Store a validated batch from `device` and run its alert rules, in one transaction."""
    now = clock.now()
    rules = await AlertRules.get_or_none(device_id=device.id)
    limits = thresholds(device.kind, rules)
    wearer_id: int | None = device.wearer_id
    geofence = await Geofence.get_or_none(care_recipient_id=wearer_id) if wearer_id is not None else None
    unique: dict[int, ReadingIn] = {}
    batch: list[ReadingIn] = []
    for r in readings:  # a seq repeated inside one batch counts once
        if r.seq is None:
            batch.append(r)
        elif r.seq not in unique:
            unique[r.seq] = r
            batch.append(r)
    async with transaction() as conn:
        stored = await insert_returning(
            conn,
            "reading",
            _READING_COLUMNS,
            [
                (
                    device.id,
                    r.at,
                    r.seq,
                    r.heart_rate,
                    r.spo2,
                    r.systolic,
                    r.diastolic,
                    r.steps,
                    r.battery_pct,
                    r.water_litres,
                    r.lat,
                    r.lng,
                    r.event,
                    r.fault,
                    now,
                )
                for r in batch
            ],
            on_conflict='("device_id", "seq") DO NOTHING',
            returning=("id", "seq"),
        )
        # what was stored now (not what an earlier upload of the same seq stored) runs the rules
        new_seqs = {row["seq"] for row in stored if row["seq"] is not None}
        fresh = [r for r in batch if r.seq is None or r.seq in new_seqs]
        changes: list[alerts.AlertChanged] = []
        if fresh:
            await _touch_device(conn, device, fresh, [row["id"] for row in stored])
            hits = fold([hit for r in fresh for hit in evaluate(r, limits, geofence)])
            drafts = [
                alerts.Draft(
                    device_id=device.id,
                    community_id=device.community_id,
                    subject_id=wearer_id,
                    hit=h,
                )
                for h in hits
            ]
            changes += await alerts.raise_alerts(conn, drafts, now=now)
            cleared = [AlertKind.DEVICE_OFFLINE]
            if any((r.water_litres or 0) > 0 for r in fresh):
                cleared.append(AlertKind.NO_WATER_USAGE)
            changes += await alerts.clear_open(
                conn, device.id, cleared, now=now, note="cleared by a new reading"
            )
    await alerts.publish(changes)
    if stored:
        await READINGS.publish(
            device.id, ReadingsStored(device_id=device.id, reading_ids=[r["id"] for r in stored], at=now)
        )
    return Accepted(
        accepted=len(readings),
        stored=len(stored),
        alert_ids=list(dict.fromkeys(c.alert_id for c in changes if c.type != "RESOLVED")),
    )


async def _touch_device(conn: Any, device: Device, fresh: list[ReadingIn], ids: list[int]) -> None:
    """Last seen, battery, latest reading, last water use: only ever moved forward (conditional UPDATEs)."""
    newest_at = max(r.at for r in fresh)
    newest = max(range(len(fresh)), key=lambda i: (fresh[i].at, i))
    # one INSERT hands out ids in the order of its rows, so the i-th smallest id is the i-th reading
    changes: dict[str, Any] = {
        "last_seen_at": newest_at,
        "status": DeviceStatus.ONLINE,
        "latest_reading_id": sorted(ids)[newest],
    }
    batteries = [r for r in fresh if r.battery_pct is not None]
    if batteries:
        changes["battery_pct"] = max(batteries, key=lambda r: r.at).battery_pct
    await (
        Device.filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=newest_at), id=device.id)
        .using_db(conn)
        .update(**changes)
    )
    water = [r.at for r in fresh if (r.water_litres or 0) > 0]
    if water and device.kind == DeviceKind.WATER_METER:
        await (
            Device.filter(Q(last_water_at__isnull=True) | Q(last_water_at__lt=max(water)), id=device.id)
            .using_db(conn)
            .update(last_water_at=max(water))
        )
