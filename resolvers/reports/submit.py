"""Submitting a report: validated whole, photos stored only if the report is, routed at once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from api import clock, geo, media
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, Unauthenticated, UserError, Validator
from api.models.accounts import RoleGrant
from api.models.places import Community
from api.models.reports import Report, ReportCategory, ReportEvent, ReportPhoto, TicketAction, TicketStatus
from api.settings import Settings
from resolvers.reports.live import change_of, publish
from resolvers.reports.routing import route_for

log = logging.getLogger("zhili.reports")

#: a report's location belongs to a community whose centre is this close
COMMUNITY_RADIUS_M = 3_000.0
DESCRIPTION_MAX = 2000


async def community_for(principal: Principal, lat: float, lng: float, community_id: int | None) -> int:
    """The given community; else the reporter's own if the place is in it; else the nearest; else own."""
    if community_id is not None:
        if not await Community.exists(id=community_id):
            raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
        return community_id
    grants = (
        await RoleGrant.filter(account_id=principal.account_id, community_id__not_isnull=True)
        .order_by("id")
        .values("community_id")
    )
    own = [int(r["community_id"]) for r in grants]
    box = geo.around(lat, lng, COMMUNITY_RADIUS_M)
    candidates = await Community.filter(lat__gte=box.lat_min, lat__lte=box.lat_max, lng__not_isnull=True)
    near = sorted(
        (geo.distance_m(lat, lng, c.lat, c.lng), c.id)
        for c in candidates
        if c.lat is not None and c.lng is not None
    )
    near = [(d, cid) for d, cid in near if d <= COMMUNITY_RADIUS_M]
    for cid in own:
        if any(n == cid for _, n in near):
            return cid
    if near:
        return near[0][1]
    if own:
        return own[0]
    raise UserError(
        ErrorCode.REQUIRED, "Say which community this is in: the place is in none we serve.", "communityId"
    )


async def submit_report(
    *,
    principal: Principal,
    settings: Settings,
    category: ReportCategory,
    description: str,
    lat: float,
    lng: float,
    address: str | None = None,
    photos: Sequence[Any] = (),
    anonymous: bool = False,
    community_id: int | None = None,
) -> Report:
    """File a report with up to `settings.max_photos` photos; it is routed and gets its due time at once.

    Bad input changes nothing: no row is written and no file is left behind.
    """
    if principal.account_id is None:
        raise Unauthenticated()
    v = Validator()
    text = v.text("description", description, max_length=DESCRIPTION_MAX)
    place = v.text("address", address, max_length=255, required=False)
    v.check(
        geo.valid_point(lat, lng),
        ErrorCode.OUT_OF_RANGE,
        "A location has a latitude within ±90 and a longitude within ±180 degrees.",
        "location",
    )
    pending = await media.read_photos(list(photos), settings, v)
    v.raise_if_any()
    cid = await community_for(principal, lat, lng, community_id)
    community = await Community.get(id=cid)
    route = await route_for(cid, category)
    now = clock.now()
    async with media.saving(pending, settings, folder="reports") as stored, transaction() as conn:
        report = await Report.create(
            community_id=cid,
            reporter_id=principal.account_id,
            anonymous=anonymous,
            category=category,
            description=text,
            address=place,
            lat=lat,
            lng=lng,
            status=TicketStatus.SUBMITTED,
            assignee_id=route.organization_id,
            due_at=now + timedelta(hours=route.sla_hours),
            created_at=now,
            updated_at=now,
            using_db=conn,
        )
        local = now.astimezone(ZoneInfo(settings.default_timezone))
        report.number = f"{community.code}-{local:%Y%m%d}-{report.id:05d}"
        await Report.filter(id=report.id).using_db(conn).update(number=report.number)
        for position, photo in enumerate(stored):
            await ReportPhoto.create(
                report_id=report.id,
                path=photo.path,
                content_type=photo.content_type,
                size=photo.size,
                position=position,
                using_db=conn,
            )
        entry = await ReportEvent.create(
            report_id=report.id,
            action=TicketAction.SUBMITTED,
            from_status=None,
            status=TicketStatus.SUBMITTED,
            at=now,
            actor_id=principal.account_id,
            note=None,
            version=report.version,
            using_db=conn,
        )
    log.info(
        "report %s submitted in community %s (%s, %d photos)", report.id, cid, category.value, len(stored)
    )
    await publish(change_of(report, entry))
    return report
