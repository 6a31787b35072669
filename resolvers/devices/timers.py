"""The devices' timers: offline devices, silent water meters, unacknowledged critical alerts.

Each is an idempotent function of `now`, run by the scheduler's lease holder; tests move the
clock and call `run_timers(now=…)`. Statements are per kind of change, never per device.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import cast

from tortoise.expressions import F, Q

from api.db import transaction
from api.models.devices import (
    Alert,
    AlertEventType,
    AlertKind,
    AlertRules,
    AlertSeverity,
    AlertStatus,
    Device,
    DeviceKind,
    DeviceStatus,
)
from resolvers.devices import alerts
from resolvers.devices.rules import ESCALATION_STEP, MAX_ESCALATION, Hit, thresholds


async def run_timers(*, now: datetime) -> int:
    """Run every devices timer once; returns how many alerts changed."""
    changes: list[alerts.AlertChanged] = []
    changes += await mark_offline(now=now)
    changes += await check_water(now=now)
    changes += await escalate(now=now)
    await alerts.publish(changes)
    return len(changes)


async def _rules(device_ids: list[int]) -> dict[int, AlertRules]:
    return {r.device_id: r for r in await AlertRules.filter(device_id__in=device_ids)} if device_ids else {}


def _draft(device: Device, kind: AlertKind, at: datetime, detail: str) -> alerts.Draft:
    return alerts.Draft(
        device_id=device.id,
        community_id=device.community_id,
        subject_id=device.wearer_id,
        hit=Hit(kind=kind, first_at=at, last_at=at, lat=device.lat, lng=device.lng, detail=detail),
    )


async def mark_offline(*, now: datetime) -> list[alerts.AlertChanged]:
    """Online devices silent for their `offlineMinutes` go OFFLINE and raise DEVICE_OFFLINE once."""
    candidates = await Device.filter(
        status=DeviceStatus.ONLINE,
        disabled_at__isnull=True,
        last_seen_at__lt=now - timedelta(minutes=1),
    ).only("id", "kind", "community_id", "wearer_id", "lat", "lng", "last_seen_at")
    if not candidates:
        return []
    rules = await _rules([d.id for d in candidates])
    by_limit: dict[int, list[Device]] = defaultdict(list)
    for d in candidates:
        minutes = thresholds(d.kind, rules.get(d.id)).offline_minutes
        if d.last_seen_at is not None and d.last_seen_at < now - timedelta(minutes=minutes):
            by_limit[minutes].append(d)
    changes: list[alerts.AlertChanged] = []
    for minutes, group in by_limit.items():
        async with transaction() as conn:
            # the guards leave alone a device whose reading arrived meanwhile
            ids = [d.id for d in group]
            cutoff = now - timedelta(minutes=minutes)
            if (
                not await Device.filter(id__in=ids, status=DeviceStatus.ONLINE, last_seen_at__lt=cutoff)
                .using_db(conn)
                .update(status=DeviceStatus.OFFLINE)
            ):
                continue
            # tortoise types every values_list as tuples; flat=True gives the values themselves
            went = set(
                cast(
                    list[int],
                    await Device.filter(id__in=ids, status=DeviceStatus.OFFLINE, last_seen_at__lt=cutoff)
                    .using_db(conn)
                    .values_list("id", flat=True),
                )
            )
            drafts = [
                _draft(d, AlertKind.DEVICE_OFFLINE, now, f"silent for {minutes} min")
                for d in group
                if d.id in went
            ]
            changes += await alerts.raise_alerts(conn, drafts, now=now, bump=False)
    return changes


async def check_water(*, now: datetime) -> list[alerts.AlertChanged]:
    """A water meter with no water used for `noWaterHours` raises NO_WATER_USAGE once per silence."""
    cutoff = now - timedelta(hours=1)  # the shortest silence any rule allows
    meters = await Device.filter(
        Q(last_water_at__lt=cutoff) | Q(last_water_at__isnull=True, created_at__lt=cutoff),
        kind=DeviceKind.WATER_METER,
        disabled_at__isnull=True,
    ).only("id", "kind", "community_id", "wearer_id", "lat", "lng", "last_water_at", "created_at")
    if not meters:
        return []
    rules = await _rules([m.id for m in meters])
    due: dict[int, tuple[Device, datetime]] = {}
    for m in meters:
        hours = thresholds(m.kind, rules.get(m.id)).no_water_hours
        since = m.last_water_at or m.created_at
        if since <= now - timedelta(hours=hours):
            due[m.id] = (m, since + timedelta(hours=hours))
    if not due:
        return []
    # already alerted for this silence (open, or resolved by someone while still silent)?
    earlier = await Alert.filter(device_id__in=list(due), kind=AlertKind.NO_WATER_USAGE).values(
        "device_id", "raised_at"
    )
    latest: dict[int, datetime] = {}
    for row in earlier:
        latest[row["device_id"]] = max(latest.get(row["device_id"], row["raised_at"]), row["raised_at"])
    drafts = [
        _draft(m, AlertKind.NO_WATER_USAGE, now, f"no water since {since_due.isoformat()}")
        for m, since_due in due.values()
        if not (m.id in latest and latest[m.id] >= since_due)
    ]
    if not drafts:
        return []
    async with transaction() as conn:
        return await alerts.raise_alerts(conn, drafts, now=now, bump=False)


async def escalate(*, now: datetime) -> list[alerts.AlertChanged]:
    """A critical alert still ACTIVE at `escalate_at` goes one level up (ESCALATED), up to MAX_ESCALATION."""
    changes: list[alerts.AlertChanged] = []
    async with transaction() as conn:
        due = Alert.filter(
            status=AlertStatus.ACTIVE,
            severity=AlertSeverity.CRITICAL,
            escalate_at__lte=now,
            escalation_level__lt=MAX_ESCALATION,
        ).using_db(conn)
        if conn.capabilities.dialect == "postgres":
            due = due.select_for_update()
        rows = await due.values("id", "version", "community_id", "escalation_level")
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        await (
            Alert.filter(id__in=ids, status=AlertStatus.ACTIVE)
            .using_db(conn)
            .update(
                escalation_level=F("escalation_level") + 1,
                version=F("version") + 1,
                escalate_at=now + ESCALATION_STEP,
            )
        )
        # the last level stops escalating
        await (
            Alert.filter(Q(escalation_level__gte=MAX_ESCALATION), id__in=ids)
            .using_db(conn)
            .update(escalate_at=None)
        )
        changes = [
            alerts.AlertChanged(
                alert_id=r["id"],
                version=r["version"] + 1,
                type=AlertEventType.ESCALATED.value,
                at=now,
                community_id=r["community_id"],
            )
            for r in rows
        ]
        await alerts.record_events(conn, changes, note=f"unacknowledged for {ESCALATION_STEP}")
    return changes
