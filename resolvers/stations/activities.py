"""Station activities (a birthday party, park tickets): sign-up within capacity, once per account."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from api import clock
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, UserError, Validator
from api.models.stations import (
    StationActivity,
    StationActivitySignup,
)
from resolvers.stations.sites import account_id_of, managed_station

log = logging.getLogger("zhili.stations")


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
    station = await managed_station(principal, station_id)
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
    account_id = account_id_of(principal)
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
    return {r.activity_id for r in rows}
