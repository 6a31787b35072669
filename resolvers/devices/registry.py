"""Devices: registering them (the ingest key is shown once), rotating keys, disabling, rules and geofences."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from api import clock
from api.auth import COMMUNITY_STAFF, Principal, hash_secret, new_secret
from api.db import transaction
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.accounts import Role
from api.models.care import CareRecipient
from api.models.devices import AlertRules, Device, DeviceKind, DeviceStatus, Geofence, Reading
from api.models.places import Community
from resolvers.devices.rules import RULE_FIELDS, Thresholds, thresholds

KEY_PREFIX = "zd"


def may_manage(principal: Principal, community_id: int) -> bool:
    """Devices, rules and geofences are the community admin's (and admins')."""
    return principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN)


@dataclass(frozen=True)
class Registered:
    device: Device
    #: the raw key: returned this once, never stored
    ingest_key: str


async def register_device(
    *,
    principal: Principal,
    serial: str,
    kind: DeviceKind,
    community_id: int,
    wearer_id: int | None = None,
    lat: float | None = None,
    lng: float | None = None,
) -> Registered:
    if not may_manage(principal, community_id):
        raise Forbidden("Only the community's admin registers its devices.")
    v = Validator()
    serial_ = v.text("serial", serial, max_length=64)
    v.point("location", lat, lng)
    v.check(
        kind is not DeviceKind.WRISTBAND or wearer_id is not None,
        ErrorCode.REQUIRED,
        "A wristband needs its wearer.",
        "wearerId",
    )
    v.raise_if_any()
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    if wearer_id is not None and not await CareRecipient.exists(id=wearer_id, community_id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such person cared for in this community.", "wearerId")
    key = new_secret(KEY_PREFIX)
    try:
        device = await Device.create(
            community_id=community_id,
            serial=serial_,
            kind=kind,
            wearer_id=wearer_id,
            lat=lat,
            lng=lng,
            key_hash=hash_secret(key),
            status=DeviceStatus.OFFLINE,
            created_at=clock.now(),
        )
    except IntegrityError as exc:
        raise UserError(ErrorCode.DUPLICATE, "Another device has this serial number.", "serial") from exc
    return Registered(device=device, ingest_key=key)


async def _managed(principal: Principal, device_id: int) -> Device:
    device = await Device.get_or_none(id=device_id)
    if device is None or not principal.oversees(device.community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such device.", "deviceId")
    if not may_manage(principal, device.community_id):
        raise Forbidden("Only the community's admin manages its devices.")
    return device


async def rotate_key(*, principal: Principal, device_id: int) -> Registered:
    """A new ingest key; the old one stops working at once."""
    device = await _managed(principal, device_id)
    key = new_secret(KEY_PREFIX)
    await Device.filter(id=device.id).update(key_hash=hash_secret(key))
    device.key_hash = hash_secret(key)
    return Registered(device=device, ingest_key=key)


async def set_disabled(*, principal: Principal, device_id: int, disabled: bool) -> Device:
    """A disabled device's key is refused (401) and its timers stop; enabling it again keeps its key."""
    device = await _managed(principal, device_id)
    device.disabled_at = clock.now() if disabled else None
    await Device.filter(id=device.id).update(disabled_at=device.disabled_at)
    return device


async def device_for_key(raw_key: str) -> Device | None:
    """The enabled device holding this ingest key."""
    if not raw_key:
        return None
    return await Device.get_or_none(key_hash=hash_secret(raw_key), disabled_at=None)


# ------------------------------------------------------------------------------------ rules, geofences


@dataclass(frozen=True)
class Rules:
    device: Device
    values: Thresholds


async def set_rules(*, principal: Principal, device_id: int, **values: int | None) -> Rules:
    """Per-device thresholds; a null value goes back to the default of the device's kind."""
    device = await _managed(principal, device_id)
    limits = {
        "heart_rate_min": (20, 200),
        "heart_rate_max": (40, 250),
        "spo2_min": (50, 100),
        "systolic_max": (80, 260),
        "no_water_hours": (1, 168),
        "offline_minutes": (1, 7 * 24 * 60),
    }
    v = Validator()
    names = {
        "heart_rate_min": "heartRateMin",
        "heart_rate_max": "heartRateMax",
        "spo2_min": "spo2Min",
        "systolic_max": "systolicMax",
        "no_water_hours": "noWaterHours",
        "offline_minutes": "offlineMinutes",
    }
    for name, value in values.items():
        if name not in RULE_FIELDS:
            raise TypeError(name)
        low, high = limits[name]
        if value is not None:
            v.check(
                low <= value <= high,
                ErrorCode.OUT_OF_RANGE,
                f"{names[name]} lies within {low} and {high}.",
                names[name],
            )
    merged = thresholds(device.kind, AlertRules(**values))
    v.check(
        merged.heart_rate_min < merged.heart_rate_max,
        ErrorCode.INVALID,
        "heartRateMin is below heartRateMax.",
        "heartRateMin",
    )
    v.raise_if_any()
    now = clock.now()
    async with transaction() as conn:
        updated = await AlertRules.filter(device_id=device.id).using_db(conn).update(updated_at=now, **values)
        if not updated:
            try:
                await AlertRules.create(device_id=device.id, updated_at=now, using_db=conn, **values)
            except IntegrityError:  # a concurrent first call created it
                await AlertRules.filter(device_id=device.id).using_db(conn).update(updated_at=now, **values)
    return Rules(device=device, values=merged)


async def rules_of(device: Device) -> Thresholds:
    return thresholds(device.kind, await AlertRules.get_or_none(device_id=device.id))


async def set_geofence(
    *, principal: Principal, care_recipient_id: int, lat: float, lng: float, radius_m: int
) -> Geofence:
    """One circle per care recipient; leaving it raises GEOFENCE_EXIT on their wristband."""
    recipient = await CareRecipient.get_or_none(id=care_recipient_id)
    if recipient is None or not principal.oversees(recipient.community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such person cared for.", "careRecipientId")
    if not may_manage(principal, recipient.community_id):
        raise Forbidden("Only the community's admin sets geofences.")
    v = Validator()
    v.point("center", lat, lng)
    v.check(
        20 <= radius_m <= 50_000,
        ErrorCode.OUT_OF_RANGE,
        "radiusM lies within 20 and 50000 metres.",
        "radiusM",
    )
    v.raise_if_any()
    now = clock.now()
    async with transaction() as conn:
        done = (
            await Geofence.filter(care_recipient_id=recipient.id)
            .using_db(conn)
            .update(lat=lat, lng=lng, radius_m=radius_m, updated_at=now)
        )
        if not done:
            try:
                await Geofence.create(
                    care_recipient_id=recipient.id,
                    lat=lat,
                    lng=lng,
                    radius_m=radius_m,
                    updated_at=now,
                    using_db=conn,
                )
            except IntegrityError:
                await (
                    Geofence.filter(care_recipient_id=recipient.id)
                    .using_db(conn)
                    .update(lat=lat, lng=lng, radius_m=radius_m, updated_at=now)
                )
    return await Geofence.get(care_recipient_id=recipient.id)


# ------------------------------------------------------------------------------------ reading


def devices(
    *,
    principal: Principal,
    community_id: int | None = None,
    kinds: list[DeviceKind] | None = None,
    statuses: list[DeviceStatus] | None = None,
    wearer_id: int | None = None,
    include_disabled: bool = True,
) -> QuerySet[Device]:
    """The devices the principal may see, by serial."""
    qs = Device.all()
    if not principal.reads_everything:
        ids = principal.community_ids(*COMMUNITY_STAFF)
        if ids is not None:
            qs = qs.filter(community_id__in=ids)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if wearer_id is not None:
        qs = qs.filter(wearer_id=wearer_id)
    if not include_disabled:
        qs = qs.filter(disabled_at__isnull=True)
    return qs.order_by("serial", "id")


async def device_status_counts(community_ids: list[int]) -> list[dict[DeviceStatus, int]]:
    """`DeviceStatusCountsByCommunity`: enabled devices per community and status, in one statement."""
    rows = await (
        Device.filter(community_id__in=community_ids, disabled_at__isnull=True)
        .annotate(n=Count("id"))
        .group_by("community_id", "status")
        .values("community_id", "status", "n")
    )
    counts: dict[int, dict[DeviceStatus, int]] = {c: {} for c in community_ids}
    for r in rows:
        counts[r["community_id"]][DeviceStatus(r["status"])] = r["n"]
    return [counts[c] for c in community_ids]


async def rules_by_device(device_ids: list[int]) -> list[AlertRules | None]:
    found = {r.device_id: r for r in await AlertRules.filter(device_id__in=device_ids)}
    return [found.get(d) for d in device_ids]


async def geofences_by_recipient(recipient_ids: list[int]) -> list[Geofence | None]:
    found = {g.care_recipient_id: g for g in await Geofence.filter(care_recipient_id__in=recipient_ids)}
    return [found.get(r) for r in recipient_ids]


def readings(*, device_id: int) -> QuerySet[Reading]:
    """A device's readings, newest first (walks the (device_id, at) index)."""
    return Reading.filter(device_id=device_id).order_by("-at", "-id")
