"""Stations (江城蜂巢): where they are, what they offer, when they are open, and the rewards redeemed there.

Reading is public (riders look for a station without logging in). Stations are managed by an
administrator, the community's admin, or an admin of the managing unit. A redemption takes one
unit of stock with a conditional UPDATE and spends points through the ledger in the same
transaction, so concurrent redemptions neither oversell nor overdraw.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.queryset import QuerySet

from api import clock, points
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, Unauthenticated, UserError, Validator
from api.models.accounts import Role
from api.models.places import Community, Organization
from api.models.stations import (
    Redemption,
    RedemptionStatus,
    Reward,
    Station,
    StationActivity,
    StationActivitySignup,
    StationService,
)
from resolvers.stations import hours
from resolvers.stations.hours import bounding_box, distance_m, is_open, parse_time

log = logging.getLogger("zhili.stations")

DEFAULT_TIMEZONE = "Asia/Shanghai"
#: the widest search around a point, and the radius used when none is given
MAX_RADIUS_M = 50_000
DEFAULT_RADIUS_M = 5_000
#: letters and digits that cannot be mistaken for one another when read out at a counter
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True, slots=True)
class OpeningPeriod:
    day_of_week: int
    opens: str
    closes: str


def _account(principal: Principal) -> int:
    if principal.account_id is None:
        raise Unauthenticated()
    return principal.account_id


def manages(principal: Principal, station: Station) -> bool:
    """ADMIN, the COMMUNITY_ADMIN of the station's community, or an ORG_ADMIN of its managing unit."""
    community_id: int | None = station.community_id  # type: ignore[attr-defined]
    unit_id: int | None = station.managing_unit_id  # type: ignore[attr-defined]
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


# ------------------------------------------------------------------ search


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
        grouped.setdefault(reward.station_id, []).append(reward)  # type: ignore[attr-defined]
    return [grouped.get(i, []) for i in station_ids]


async def activities_by_station(
    station_ids: list[int], *, upcoming_after: datetime
) -> list[list[StationActivity]]:
    grouped: dict[int, list[StationActivity]] = {}
    rows = await StationActivity.filter(station_id__in=station_ids, ends_at__gt=upcoming_after).order_by(
        "starts_at", "id"
    )
    for activity in rows:
        grouped.setdefault(activity.station_id, []).append(activity)  # type: ignore[attr-defined]
    return [grouped.get(i, []) for i in station_ids]


# ------------------------------------------------------------------ rewards


async def _managed_station(principal: Principal, station_id: int) -> Station:
    station = await Station.get_or_none(id=station_id)
    if station is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such station.", "stationId")
    if not manages(principal, station):
        raise Forbidden("Only the station's managers do this.")
    return station


async def create_reward(
    *,
    principal: Principal,
    station_id: int,
    name: str,
    points_cost: int,
    stock: int,
    description: str | None = None,
) -> Reward:
    station = await _managed_station(principal, station_id)
    v = Validator()
    name_ = v.text("name", name, max_length=128)
    description_ = v.text("description", description, max_length=2000, required=False)
    v.check(
        1 <= points_cost <= 1_000_000, ErrorCode.OUT_OF_RANGE, "pointsCost is 1 to 1,000,000.", "pointsCost"
    )
    v.check(0 <= stock <= 1_000_000, ErrorCode.OUT_OF_RANGE, "stock is 0 to 1,000,000.", "stock")
    v.raise_if_any()
    return await Reward.create(
        station_id=station.id,
        name=name_,
        description=description_ or "",
        points_cost=points_cost,
        stock=stock,
        created_at=clock.now(),
    )


async def restock_reward(*, principal: Principal, reward_id: int, add: int) -> Reward:
    """Add units to a reward's stock (or take unredeemed ones away, never below zero)."""
    reward = await Reward.get_or_none(id=reward_id)
    if reward is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such reward.", "rewardId")
    await _managed_station(principal, reward.station_id)  # type: ignore[attr-defined]
    changed = await Reward.filter(id=reward_id, stock__gte=max(0, -add)).update(stock=F("stock") + add)
    if not changed:
        raise UserError(ErrorCode.OUT_OF_RANGE, "The stock cannot go below zero.", "add")
    await reward.refresh_from_db()
    return reward


@dataclass(frozen=True, slots=True)
class Redeemed:
    redemption: Redemption
    balance: int


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def _by_key(account_id: int, key: str | None, reward_id: int) -> Redemption | None:
    if key is None:
        return None
    existing = await Redemption.get_or_none(account_id=account_id, idempotency_key=key)
    if existing is not None and existing.reward_id != reward_id:  # type: ignore[attr-defined]
        raise UserError(
            ErrorCode.CONFLICT, "This idempotency key was used for another reward.", "idempotencyKey"
        )
    return existing


async def redeem_reward(
    *, principal: Principal, reward_id: int, idempotency_key: str | None = None
) -> Redeemed:
    """Spend points on one unit of a reward; a retry with the same key returns the first redemption."""
    account_id = _account(principal)
    key = (idempotency_key or "").strip() or None
    if key is not None and len(key) > 64:
        raise UserError(ErrorCode.TOO_LONG, "idempotencyKey is at most 64 characters.", "idempotencyKey")
    existing = await _by_key(account_id, key, reward_id)
    if existing is not None:
        return Redeemed(existing, await points.balance(account_id))
    reward = await Reward.get_or_none(id=reward_id, active=True)
    if reward is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such reward.", "rewardId")
    try:
        async with transaction() as conn:
            taken = (
                await Reward.filter(id=reward_id, active=True, stock__gte=1)
                .using_db(conn)
                .update(stock=F("stock") - 1)
            )
            if not taken:
                raise UserError(ErrorCode.OUT_OF_STOCK, "This reward is out of stock.", "rewardId")
            # the redemption first: a concurrent retry with the same key stops at its unique index
            redemption = await Redemption.create(
                reward_id=reward.id,
                station_id=reward.station_id,  # type: ignore[attr-defined]
                account_id=account_id,
                points_spent=reward.points_cost,
                code=_new_code(),
                idempotency_key=key,
                created_at=clock.now(),
                using_db=conn,
            )
            entry = await points.apply(
                account_id=account_id,
                delta=-reward.points_cost,
                reason=f"兑换 {reward.name}",
                source=f"redemption:{redemption.id}",
                connection=conn,
            )
    except IntegrityError:
        existing = await _by_key(account_id, key, reward_id)
        if existing is None:
            raise
        return Redeemed(existing, await points.balance(account_id))
    log.info("reward %s redeemed (redemption %s)", reward.id, redemption.id)
    return Redeemed(redemption, entry.balance)


async def collect_redemption(*, principal: Principal, code: str) -> Redemption:
    """The station checks a redemption code off when it hands the reward over; only once."""
    redemption = await Redemption.get_or_none(code=(code or "").strip().upper())
    if redemption is None:
        raise UserError(ErrorCode.NOT_FOUND, "No redemption has this code.", "code")
    station = await Station.get(id=redemption.station_id)  # type: ignore[attr-defined]
    if not manages(principal, station):
        raise Forbidden("Only the station's managers check redemptions off.")
    changed = await Redemption.filter(id=redemption.id, status=RedemptionStatus.ISSUED).update(
        status=RedemptionStatus.COLLECTED, collected_at=clock.now(), collected_by_id=principal.account_id
    )
    if not changed:
        raise UserError(ErrorCode.ALREADY_DONE, "This reward was already handed over.", "code")
    await redemption.refresh_from_db()
    return redemption


def redemptions_of(account_id: int) -> QuerySet[Redemption]:
    return Redemption.filter(account_id=account_id).order_by("-id")


# ------------------------------------------------------------------ activities


async def create_activity(
    *,
    principal: Principal,
    station_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    description: str | None = None,
) -> StationActivity:
    station = await _managed_station(principal, station_id)
    # kept in UTC: SQLite compares times as text
    starts_at, ends_at = (
        t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC) for t in (starts_at, ends_at)
    )
    v = Validator()
    title_ = v.text("title", title, max_length=128)
    description_ = v.text("description", description, max_length=4000, required=False)
    v.check(ends_at > starts_at, ErrorCode.INVALID, "An activity ends after it starts.", "endsAt")
    v.check(starts_at > clock.now(), ErrorCode.INVALID, "An activity starts in the future.", "startsAt")
    v.check(1 <= capacity <= 100_000, ErrorCode.OUT_OF_RANGE, "capacity is 1 to 100,000.", "capacity")
    v.raise_if_any()
    return await StationActivity.create(
        station_id=station.id,
        title=title_,
        description=description_ or "",
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        created_at=clock.now(),
    )


async def sign_up_for_activity(*, principal: Principal, activity_id: int) -> StationActivity:
    """Take one place of an activity; never more sign-ups than its capacity, once per account."""
    account_id = _account(principal)
    activity = await StationActivity.get_or_none(id=activity_id)
    if activity is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such activity.", "activityId")
    if activity.starts_at <= clock.now():
        raise UserError(ErrorCode.EXPIRED, "This activity has already started.", "activityId")
    try:
        async with transaction() as conn:
            await StationActivitySignup.create(
                activity_id=activity.id, account_id=account_id, created_at=clock.now(), using_db=conn
            )
            taken = (
                await StationActivity.filter(id=activity.id, signed_up__lt=F("capacity"))
                .using_db(conn)
                .update(signed_up=F("signed_up") + 1)
            )
            if not taken:
                raise UserError(ErrorCode.CAPACITY_REACHED, "This activity is full.", "activityId")
    except IntegrityError as exc:
        raise UserError(ErrorCode.ALREADY_DONE, "You have already signed up.", "activityId") from exc
    await activity.refresh_from_db()
    return activity


async def signed_up_activity_ids(account_id: int, activity_ids: list[int]) -> set[int]:
    rows = await StationActivitySignup.filter(account_id=account_id, activity_id__in=activity_ids)
    return {r.activity_id for r in rows}  # type: ignore[attr-defined]
