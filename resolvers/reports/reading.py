"""Reading reports: filters, near + radius (nearest first), counts, and the `/media` route's finder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from api import clock, geo
from api.auth import Principal
from api.errors import BadInput
from api.models.reports import OPEN_STATUSES, Report, ReportCategory, ReportPhoto, TicketStatus
from resolvers.reports.access import can_see, visible

#: near + radius up to this shows anyone logged in the open reports there (summary only), to avoid duplicates
PUBLIC_NEARBY_MAX_M = 200.0
MAX_RADIUS_M = 20_000.0
DEFAULT_RADIUS_M = 1_000.0


@dataclass(frozen=True, slots=True)
class ReportCriteria:
    categories: Sequence[ReportCategory] | None = None
    statuses: Sequence[TicketStatus] | None = None
    #: True: still to act on (SUBMITTED … IN_PROGRESS); False: finished
    open: bool | None = None
    community_id: int | None = None
    assignee_id: int | None = None
    reporter_id: int | None = None
    overdue: bool | None = None
    near: tuple[float, float] | None = None
    radius_m: float | None = None


def _filtered(qs: QuerySet[Report], c: ReportCriteria) -> QuerySet[Report]:
    if c.categories:
        qs = qs.filter(category__in=list(c.categories))
    if c.statuses:
        qs = qs.filter(status__in=list(c.statuses))
    if c.open is not None:
        qs = (
            qs.filter(status__in=list(OPEN_STATUSES))
            if c.open
            else qs.exclude(status__in=list(OPEN_STATUSES))
        )
    if c.community_id is not None:
        qs = qs.filter(community_id=c.community_id)
    if c.assignee_id is not None:
        qs = qs.filter(assignee_id=c.assignee_id)
    if c.reporter_id is not None:
        qs = qs.filter(reporter_id=c.reporter_id)
    if c.overdue is not None:
        late = Q(status__in=list(OPEN_STATUSES), due_at__lt=clock.now())
        qs = qs.filter(late) if c.overdue else qs.filter(~late)
    return qs


def find_reports(*, principal: Principal, criteria: ReportCriteria) -> QuerySet[Report]:
    """The reports the principal may see that match, newest first (`near` is `find_nearby`'s)."""
    return _filtered(visible(principal), criteria).order_by("-created_at", "-id")


@dataclass(frozen=True, slots=True)
class Nearby:
    report: Report
    distance_m: float
    #: False: shown as a summary only (an open report of someone else's, to avoid filing a duplicate)
    full: bool


async def find_nearby(*, principal: Principal, criteria: ReportCriteria) -> list[Nearby]:
    """Reports within the radius, nearest first: a bounding box in SQL, then the exact distance here.

    Within `PUBLIC_NEARBY_MAX_M`, open reports anyone filed are listed too (as summaries), so an
    app can suggest an existing report before a duplicate is filed.
    """
    assert criteria.near is not None
    lat, lng = criteria.near
    radius = criteria.radius_m if criteria.radius_m is not None else DEFAULT_RADIUS_M
    if not geo.valid_point(lat, lng):
        raise BadInput("`near` needs a latitude within ±90 and a longitude within ±180 degrees")
    if not 0 < radius <= MAX_RADIUS_M:
        raise BadInput(f"`radiusM` must be more than 0 and at most {MAX_RADIUS_M:.0f}")
    only_open = criteria.open is True or (
        bool(criteria.statuses) and set(criteria.statuses or ()) <= set(OPEN_STATUSES)
    )
    public = only_open and radius <= PUBLIC_NEARBY_MAX_M and principal.account_id is not None
    box = geo.around(lat, lng, radius)
    qs = _filtered(Report.all() if public else visible(principal), criteria)
    qs = qs.filter(lat__gte=box.lat_min, lat__lte=box.lat_max)
    if box.lng_min is not None:
        qs = qs.filter(lng__gte=box.lng_min, lng__lte=box.lng_max)
    found = []
    for row in await qs:
        d = geo.distance_m(lat, lng, row.lat, row.lng)
        if d <= radius:
            found.append((d, row))
    found.sort(key=lambda pair: (pair[0], -pair[1].id))
    rows = [row for _, row in found]
    seen = await can_see(principal, rows) if public else [True] * len(rows)
    return [Nearby(row, d, ok) for (d, row), ok in zip(found, seen, strict=True)]


async def open_counts(community_ids: list[int]) -> list[int]:
    """Open reports per community, in one grouped statement (a DataLoader batch function)."""
    rows = (
        await Report.filter(community_id__in=community_ids, status__in=list(OPEN_STATUSES))
        .annotate(n=Count("id"))
        .group_by("community_id")
        .values("community_id", "n")
    )
    counts = {r["community_id"]: r["n"] for r in rows}
    return [int(counts.get(c, 0)) for c in community_ids]


async def photo_for(principal: Principal, path: str) -> str | None:
    """The media type of a stored photo, if the principal may see its report (the `/media` route's finder)."""
    photo = await ReportPhoto.get_or_none(path=path).select_related("report")
    if photo is None or not (await can_see(principal, [photo.report]))[0]:
        return None
    return photo.content_type


def is_overdue(report: Report, now: datetime | None = None) -> bool:
    return (
        report.status in OPEN_STATUSES and report.due_at is not None and report.due_at < (now or clock.now())
    )
