"""Stations: who manages them, creating and changing them, and finding them (near, open, offering)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.errors import ErrorCode, Forbidden, Unauthenticated, UserError, Validator
from api.models.accounts import Role
from api.models.places import Community, Organization
from api.models.stations import (
    Reward,
    Station,
    StationActivity,
    StationService,
)
from resolvers.stations import hours
from resolvers.stations.hours import bounding_box, distance_m, is_open, parse_time

log = logging.getLogger("zhili.stations")

DEFAULT_TIMEZONE = "Asia/Shanghai"
#: the widest search around a point, and the radius used when none is given
MAX_RADIUS_M = 50_000
DEFAULT_RADIUS_M = 5_000


@dataclass(frozen=True, slots=True)
class OpeningPeriod:
    day_of_week: int
    opens: str
    closes: str


def account_id_of(principal: Principal) -> int:
    if principal.account_id is None:
        raise Unauthenticated()
    return principal.account_id


def manages(principal: Principal, station: Station) -> bool:
    """ADMIN, the COMMUNITY_ADMIN of the station's community, or an ORG_ADMIN of its managing unit."""
    community_id: int | None = station.community_id
    unit_id: int | None = station.managing_unit_id
    return (
        principal.is_admin
        or (community_id is not None and principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN))
        or (unit_id is not None and unit_id in principal.organization_ids(Role.ORG_ADMIN))
    )


def services_column(services: Sequence[StationService]) -> str:
    ordered = [s.value for s in StationService if s in set(services)]
    return "," + ",".join(ordered) + ("," if ordered else "")


def services_of(station: Station) -> list[StationService]:
    return [StationService(s) for s in station.services.split(",") if s]


def _check_hours(v: Validator, periods: Sequence[OpeningPeriod]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i, p in enumerate(periods):
        field = f"openingHours.{i}"
        opens = parse_time(p.opens, allow_end_of_day=False)
        closes = parse_time(p.closes, allow_end_of_day=True)
        ok = v.check(
            1 <= p.day_of_week <= 7,
            ErrorCode.OUT_OF_RANGE,
            "dayOfWeek is 1 (Monday) to 7 (Sunday).",
            f"{field}.dayOfWeek",
        )
        ok = (
            v.check(opens is not None, ErrorCode.INVALID, "opens is a time 00:00 to 23:59.", f"{field}.opens")
            and ok
        )
        ok = (
            v.check(
                closes is not None, ErrorCode.INVALID, "closes is a time 00:01 to 24:00.", f"{field}.closes"
            )
            and ok
        )
        if ok and opens is not None and closes is not None:
            if v.check(
                opens != closes,
                ErrorCode.INVALID,
                "A period has a length: use 00:00 to 24:00 for all day.",
                f"{field}.closes",
            ):
                out.append(hours.Period(p.day_of_week, opens, closes).as_json())
    return out


def _check_location(v: Validator, lat: float, lng: float) -> None:
    v.check(
        -90 <= lat <= 90 and -180 <= lng <= 180,
        ErrorCode.OUT_OF_RANGE,
        "A location has a latitude within ±90 and a longitude within ±180 degrees.",
        "location",
    )


async def _check_refs(community_id: int | None, managing_unit_id: int | None) -> None:
    if community_id is not None and not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    if managing_unit_id is not None and not await Organization.exists(id=managing_unit_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such organisation.", "managingUnitId")


async def create_station(
    *,
    principal: Principal,
    name: str,
    address: str,
    lat: float,
    lng: float,
    services: Sequence[StationService],
    opening_hours: Sequence[OpeningPeriod],
    community_id: int | None = None,
    managing_unit_id: int | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    timezone: str | None = None,
    demonstration: bool = False,
) -> Station:
    probe = Station(community_id=community_id, managing_unit_id=managing_unit_id)
    if not manages(principal, probe):
        raise Forbidden(
            "Only an administrator, the community's admin or the managing unit's admin adds stations."
        )
    v = Validator()
    name_ = v.text("name", name, max_length=128)
    address_ = v.text("address", address, max_length=255)
    contact_name_ = v.text("contactName", contact_name, max_length=64, required=False)
    contact_phone_ = v.text("contactPhone", contact_phone, max_length=32, required=False)
    _check_location(v, lat, lng)
    tz = (timezone or DEFAULT_TIMEZONE).strip()
    v.check(
        hours.zone(tz) is not None,
        ErrorCode.INVALID,
        "Not a known time zone (e.g. Asia/Shanghai).",
        "timezone",
    )
    periods = _check_hours(v, opening_hours)
    v.raise_if_any()
    await _check_refs(community_id, managing_unit_id)
    now = clock.now()
    station = await Station.create(
        name=name_,
        address=address_,
        lat=lat,
        lng=lng,
        community_id=community_id,
        managing_unit_id=managing_unit_id,
        contact_name=contact_name_,
        contact_phone=contact_phone_,
        services=services_column(services),
        opening_hours=periods,
        timezone=tz,
        demonstration=demonstration,
        created_at=now,
        updated_at=now,
    )
    log.info("station %s created", station.id)
    return station


async def update_station(
    *,
    principal: Principal,
    station_id: int,
    name: str | None = None,
    address: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    services: Sequence[StationService] | None = None,
    opening_hours: Sequence[OpeningPeriod] | None = None,
    managing_unit_id: int | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    timezone: str | None = None,
    demonstration: bool | None = None,
) -> Station:
    """Change what is given; what is None stays as it is."""
    station = await Station.get_or_none(id=station_id)
    if station is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such station.", "id")
    if not manages(principal, station):
        raise Forbidden("Only the station's managers change it.")
    v = Validator()
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = v.text("name", name, max_length=128)
    if address is not None:
        changes["address"] = v.text("address", address, max_length=255)
    if contact_name is not None:
        changes["contact_name"] = v.text("contactName", contact_name, max_length=64, required=False)
    if contact_phone is not None:
        changes["contact_phone"] = v.text("contactPhone", contact_phone, max_length=32, required=False)
    if lat is not None and lng is not None:
        _check_location(v, lat, lng)
        changes.update(lat=lat, lng=lng)
    if services is not None:
        changes["services"] = services_column(services)
    if opening_hours is not None:
        changes["opening_hours"] = _check_hours(v, opening_hours)
    if timezone is not None:
        v.check(
            hours.zone(timezone.strip()) is not None, ErrorCode.INVALID, "Not a known time zone.", "timezone"
        )
        changes["timezone"] = timezone.strip()
    if demonstration is not None:
        changes["demonstration"] = demonstration
    v.raise_if_any()
    if managing_unit_id is not None:
        await _check_refs(None, managing_unit_id)
        changes["managing_unit_id"] = managing_unit_id
    if changes:
        changes["updated_at"] = clock.now()
        await Station.filter(id=station.id).update(**changes)
        await station.refresh_from_db()
    return station


async def managed_station(principal: Principal, station_id: int) -> Station:
    station = await Station.get_or_none(id=station_id)
    if station is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such station.", "stationId")
    if not manages(principal, station):
        raise Forbidden("Only the station's managers do this.")
    return station


@dataclass(frozen=True, slots=True)
class Found:
    """A station found near a point, with its distance."""

    station: Station
    distance_m: float | None


def stations_queryset(
    *,
    service: StationService | None = None,
    community_id: int | None = None,
    demonstration: bool | None = None,
) -> QuerySet[Station]:
    """The SQL part of a search: everything but distance and opening hours. Public."""
    qs = Station.all()
    if service is not None:
        qs = qs.filter(services__contains=f",{StationService(service).value},")
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if demonstration is not None:
        qs = qs.filter(demonstration=demonstration)
    return qs.order_by("id")


async def find_stations(
    *,
    near: tuple[float, float] | None,
    radius_m: int | None = None,
    open_now: bool | None = None,
    service: StationService | None = None,
    community_id: int | None = None,
    demonstration: bool | None = None,
    now: datetime | None = None,
) -> list[Found]:
    """Stations near a point (nearest first) and/or open (or closed) at `now`.

    A bounding box around the circle is filtered in SQL (indexed lat/lng); the exact distance and
    the opening hours, which depend on each station's zone, are then checked here.
    """
    if radius_m is not None and not 0 < radius_m <= MAX_RADIUS_M:
        raise UserError(ErrorCode.OUT_OF_RANGE, f"radiusM is 1 to {MAX_RADIUS_M} metres.", "radiusM")
    qs = stations_queryset(service=service, community_id=community_id, demonstration=demonstration)
    radius = float(radius_m or DEFAULT_RADIUS_M)
    if near is not None:
        lat, lng = near
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise UserError(
                ErrorCode.OUT_OF_RANGE,
                "A point has a latitude within ±90 and a longitude within ±180.",
                "near",
            )
        min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius)
        qs = qs.filter(lat__gte=min_lat, lat__lte=max_lat, lng__gte=min_lng, lng__lte=max_lng)
    at = now or clock.now()
    found: list[Found] = []
    for station in await qs:
        distance = distance_m(near[0], near[1], station.lat, station.lng) if near is not None else None
        if distance is not None and distance > radius:
            continue
        if open_now is not None and is_open(station.opening_hours, station.timezone, at) != open_now:
            continue
        found.append(Found(station, distance))
    if near is not None:
        found.sort(key=lambda f: (f.distance_m, f.station.id))
    return found


def station_is_open(station: Station, now: datetime | None = None) -> bool:
    return is_open(station.opening_hours, station.timezone, now or clock.now())


async def rewards_by_station(station_ids: list[int]) -> list[list[Reward]]:
    """Active rewards of each station, in key order (a DataLoader batch)."""
    grouped: dict[int, list[Reward]] = {}
    for reward in await Reward.filter(station_id__in=station_ids, active=True).order_by("points_cost", "id"):
        grouped.setdefault(reward.station_id, []).append(reward)
    return [grouped.get(i, []) for i in station_ids]


async def activities_by_station(
    station_ids: list[int], *, upcoming_after: datetime
) -> list[list[StationActivity]]:
    grouped: dict[int, list[StationActivity]] = {}
    rows = await StationActivity.filter(station_id__in=station_ids, ends_at__gt=upcoming_after).order_by(
        "starts_at", "id"
    )
    for activity in rows:
        grouped.setdefault(activity.station_id, []).append(activity)
    return [grouped.get(i, []) for i in station_ids]
