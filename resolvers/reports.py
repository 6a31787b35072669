"""Snap reports and appeals (随手拍、报事报修、我的诉求): submitting, routing, the ticket's lifecycle, reading.

The lifecycle is one table (`TRANSITIONS`): for each action, the statuses it may start from,
the status it leads to, and who may take it. Every change goes through `_transition`, which
checks the table, writes the report and exactly one timeline entry in one transaction (with
optimistic concurrency on `version`), and publishes one `TicketChanged` after the commit on the
report's channel and its community's.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from api import clock, events, geo, media, points
from api.auth import Principal
from api.db import transaction
from api.errors import BadInput, ErrorCode, Forbidden, Unauthenticated, UserError, Validator
from api.models.accounts import Role, RoleGrant
from api.models.places import Community, Organization, OrganizationKind
from api.models.reports import (
    OPEN_STATUSES,
    Report,
    ReportCategory,
    ReportEvent,
    ReportPhoto,
    ReportRoute,
    TicketAction,
    TicketStatus,
)
from api.settings import Settings

log = logging.getLogger("zhili.reports")

#: the reporter may reopen a resolved report this long after it was resolved
REOPEN_WINDOW = timedelta(days=7)
#: a resolved report nobody reopened is closed this long after it was resolved
AUTO_CLOSE_AFTER = timedelta(days=7)
#: how far apart two reports of one kind may be to count as the same problem (FixMyStreet's 50 m)
DUPLICATE_RADIUS_M = 50.0
#: near + radius up to this shows anyone logged in the open reports there (summary only), to avoid duplicates
PUBLIC_NEARBY_MAX_M = 200.0
MAX_RADIUS_M = 20_000.0
DEFAULT_RADIUS_M = 1_000.0
#: a report's location belongs to a community whose centre is this close
COMMUNITY_RADIUS_M = 3_000.0
#: community -> street -> city operations centre
MAX_ESCALATION = 2
DESCRIPTION_MAX = 2000
STAFF = (Role.GRID_WORKER, Role.COMMUNITY_ADMIN)


# ------------------------------------------------------------------------------------------- routing


@dataclass(frozen=True, slots=True)
class RouteDefault:
    #: the kind of organisation in the community that handles it; None: the community itself
    kind: OrganizationKind | None
    sla_hours: int
    #: points the reporter earns when it is resolved (江城小蜜蜂: a security clue 100, a hazard 50)
    points: int


#: what a community without its own `ReportRoute` for a category gets
DEFAULT_ROUTES: dict[ReportCategory, RouteDefault] = {
    ReportCategory.SECURITY_CLUE: RouteDefault(None, 24, 100),
    ReportCategory.SAFETY_HAZARD: RouteDefault(None, 24, 50),
    ReportCategory.ENVIRONMENT: RouteDefault(OrganizationKind.PROPERTY_MANAGEMENT, 48, 10),
    ReportCategory.FACILITY_FAULT: RouteDefault(OrganizationKind.PROPERTY_MANAGEMENT, 48, 10),
    ReportCategory.DAILY_GOVERNANCE: RouteDefault(None, 72, 10),
    # 我的诉求: enterprise matters to the enterprise, industry matters to the industry committee
    ReportCategory.APPEAL_RIGHTS: RouteDefault(OrganizationKind.ENTERPRISE, 120, 0),
    ReportCategory.APPEAL_INDUSTRY: RouteDefault(OrganizationKind.INDUSTRY_COMMITTEE, 120, 0),
}


@dataclass(frozen=True, slots=True)
class Route:
    organization_id: int | None
    sla_hours: int
    points: int


async def route_for(community_id: int, category: ReportCategory) -> Route:
    """The community's route for the category, else the default (an organisation of the kind in the community)."""
    row = await ReportRoute.get_or_none(community_id=community_id, category=category)
    if row is not None:
        return Route(row.organization_id, row.sla_hours, row.points)  # type: ignore[attr-defined]
    default = DEFAULT_ROUTES[category]
    org_id = None
    if default.kind is not None:
        found = await Organization.filter(community_id=community_id, kind=default.kind).order_by("id").first()
        org_id = found.id if found is not None else None
    return Route(org_id, default.sla_hours, default.points)


async def set_route(
    *, principal: Principal, community_id: int, category: ReportCategory, organization_id: int | None,
    sla_hours: int, points: int,
) -> ReportRoute:
    """A community admin sets who handles a category, by when, and the points it earns."""
    if not principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN):
        raise Forbidden("Only the community's admin sets its report routing.")
    v = Validator()
    v.check(1 <= sla_hours <= 24 * 90, ErrorCode.OUT_OF_RANGE, "The due time is 1 hour to 90 days.", "slaHours")
    v.check(0 <= points <= 10_000, ErrorCode.OUT_OF_RANGE, "Points are 0 to 10000.", "points")
    v.raise_if_any()
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    if organization_id is not None and not await Organization.exists(id=organization_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such organisation.", "organizationId")
    route, _ = await ReportRoute.update_or_create(
        community_id=community_id, category=category,
        defaults={"organization_id": organization_id, "sla_hours": sla_hours, "points": points},
    )
    return route


async def _escalation_target(report: Report, level: int) -> int | None:
    """The body a report goes to at `level`: the community's street, then the city operations centre."""
    street = await Organization.filter(community_id=report.community_id, kind=OrganizationKind.STREET).order_by("id").first()  # type: ignore[attr-defined]
    if level == 1 and street is not None:
        return street.id
    if level >= 1:
        if street is not None and street.parent_id is not None:  # type: ignore[attr-defined]
            parent = await Organization.get_or_none(id=street.parent_id, kind=OrganizationKind.CITY_OPS_CENTER)  # type: ignore[attr-defined]
            if parent is not None:
                return parent.id
        centre = await Organization.filter(kind=OrganizationKind.CITY_OPS_CENTER).order_by("id").first()
        return centre.id if centre is not None else None
    return None


# ------------------------------------------------------------------------------------------- access


def is_staff(principal: Principal, community_id: int) -> bool:
    """A grid worker or admin of the community (or an administrator)."""
    return principal.acts_in_community(community_id, *STAFF)


def handles(principal: Principal, report: Report) -> bool:
    """An admin of the organisation the report is assigned to."""
    assignee = report.assignee_id  # type: ignore[attr-defined]
    return assignee is not None and assignee in principal.organization_ids(Role.ORG_ADMIN)


def _sees_besides_assignment(principal: Principal, report: Report) -> bool:
    return (
        principal.reads_everything
        or report.reporter_id == principal.account_id  # type: ignore[attr-defined]
        or is_staff(principal, report.community_id)  # type: ignore[attr-defined]
    )


def _sees_directly(principal: Principal, report: Report) -> bool:
    return _sees_besides_assignment(principal, report) or handles(principal, report)


async def _followed(principal: Principal, report_ids: Sequence[int]) -> set[int]:
    """Of these reports, those the principal follows because their own report was marked its duplicate."""
    if principal.account_id is None or not report_ids:
        return set()
    rows = await Report.filter(duplicate_of_id__in=list(report_ids), reporter_id=principal.account_id).values_list(
        "duplicate_of_id", flat=True
    )
    return {int(r) for r in rows}


async def can_see(principal: Principal, reports: Sequence[Report]) -> list[bool]:
    """Whether the principal may see each report: a resident their own (and what they follow),
    staff their community's, an organisation what is assigned to it, city operators everything."""
    undecided = [r.id for r in reports if not _sees_directly(principal, r)]
    followed = await _followed(principal, undecided)
    return [_sees_directly(principal, r) or r.id in followed for r in reports]


def sees_reporter(principal: Principal, report: Report) -> bool:
    """An anonymous reporter's identity is shown only to the reporter and the community's staff."""
    return (
        not report.anonymous
        or report.reporter_id == principal.account_id  # type: ignore[attr-defined]
        or is_staff(principal, report.community_id)  # type: ignore[attr-defined]
    )


def visible(principal: Principal) -> QuerySet[Report]:
    """The reports a principal may see, as a queryset to filter further."""
    if principal.reads_everything:
        return Report.all()
    if principal.account_id is None:
        return Report.filter(id__in=[])
    communities = principal.community_ids(*STAFF)
    if communities is None:
        return Report.all()
    me = principal.account_id
    followed = Subquery(Report.filter(reporter_id=me, duplicate_of_id__not_isnull=True).values("duplicate_of_id"))
    scope = Q(reporter_id=me) | Q(id__in=followed)
    if communities:
        scope |= Q(community_id__in=sorted(communities))
    organizations = principal.organization_ids(Role.ORG_ADMIN)
    if organizations:
        scope |= Q(assignee_id__in=sorted(organizations))
    return Report.filter(scope)


# ------------------------------------------------------------------------------------------- reading


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
        qs = qs.filter(status__in=list(OPEN_STATUSES)) if c.open else qs.exclude(status__in=list(OPEN_STATUSES))
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
    return report.status in OPEN_STATUSES and report.due_at is not None and report.due_at < (now or clock.now())


# ------------------------------------------------------------------------------------------- events


@dataclass(frozen=True)
class TicketChanged:
    """One timeline entry, as published: ids, the version, and short strings."""

    report_id: int
    community_id: int
    event_id: int
    version: int
    action: str
    from_status: str | None
    to_status: str
    at: datetime
    note: str | None
    actor_id: int | None
    #: unique per publication: subscribers of one process share one load per key (ids can recur
    #: when a database is reset or restored)
    key: str


TICKET = events.Topic("ticket", TicketChanged)


def report_channel(report_id: int) -> str:
    return f"report-{report_id}"


def community_channel(community_id: int) -> str:
    return f"community-{community_id}"


async def _publish(change: TicketChanged) -> None:
    await TICKET.publish(report_channel(change.report_id), change)
    await TICKET.publish(community_channel(change.community_id), change)


@dataclass(frozen=True)
class TicketUpdate:
    """What one subscriber receives: the change, the report as loaded after it, and whether the actor is shown."""

    change: TicketChanged
    report: Report
    shows_actor: bool


async def _load_for_event(change: TicketChanged) -> Report | None:
    """The report as it stands after a change; loaded once per process however many subscribers wait."""
    return await events.hub().load_once(("ticket", change.key), lambda: Report.get_or_none(id=change.report_id))


async def watch_tickets(
    *, principal: Principal, report_id: int | None = None, community_id: int | None = None
) -> AsyncIterator[TicketUpdate]:
    """The live changes of one report (its reporter, followers, staff, its handler, city operators),
    or of a community's reports (its staff and city operators). Authorised when it starts."""
    if principal.account_id is None:
        raise Unauthenticated()
    if (report_id is None) == (community_id is None):
        raise BadInput("pass `reportId` or `communityId`")
    if report_id is not None:
        report = await Report.get_or_none(id=report_id)
        if report is None or not (await can_see(principal, [report]))[0]:
            raise Forbidden("No such report, or you may not follow it.")
        # an organisation that sees it only through the assignment follows it only while assigned
        only_while_assigned = not _sees_besides_assignment(principal, report) and not await _followed(
            principal, [report.id]
        )
        channel = report_channel(report_id)
    else:
        assert community_id is not None
        if not principal.reads_community(community_id, *STAFF) or not await Community.exists(id=community_id):
            raise Forbidden("Only the community's staff follow its tickets.")
        only_while_assigned = False
        channel = community_channel(community_id)
    async for item in TICKET.listen(channel):
        if isinstance(item, events.Reconnected):
            continue
        row = await _load_for_event(item)
        if row is None or (only_while_assigned and not handles(principal, row)):
            continue
        shows_actor = item.actor_id is None or item.actor_id != row.reporter_id or sees_reporter(principal, row)  # type: ignore[attr-defined]
        yield TicketUpdate(change=item, report=row, shows_actor=shows_actor)


# ------------------------------------------------------------------------------------------- lifecycle


class Actor(StrEnum):
    """Who someone is to a report, for the transition table."""

    REPORTER = "REPORTER"
    GRID_WORKER = "GRID_WORKER"
    COMMUNITY_ADMIN = "COMMUNITY_ADMIN"
    #: an admin of the organisation it is assigned to
    HANDLER = "HANDLER"
    #: a city operator, once the report has left its community (escalated)
    CITY = "CITY"
    #: the timers
    SYSTEM = "SYSTEM"


@dataclass(frozen=True, slots=True)
class Rule:
    sources: frozenset[TicketStatus]
    #: None: the status stays (a flag, such as OVERDUE)
    target: TicketStatus | None
    actors: frozenset[Actor]


S = TicketStatus
A = Actor
_OPEN = frozenset(OPEN_STATUSES)
_WORKERS = frozenset({A.GRID_WORKER, A.COMMUNITY_ADMIN, A.HANDLER, A.CITY})

#: the state machine: what may happen from which status, and who may make it happen
TRANSITIONS: dict[TicketAction, Rule] = {
    TicketAction.ACCEPTED: Rule(frozenset({S.SUBMITTED}), S.ACCEPTED, _WORKERS),
    TicketAction.DISPATCHED: Rule(frozenset({S.SUBMITTED, S.ACCEPTED, S.DISPATCHED}), S.DISPATCHED,
                                  frozenset({A.COMMUNITY_ADMIN, A.CITY})),
    TicketAction.STARTED: Rule(frozenset({S.ACCEPTED, S.DISPATCHED}), S.IN_PROGRESS, _WORKERS),
    TicketAction.RESOLVED: Rule(frozenset({S.IN_PROGRESS}), S.RESOLVED, _WORKERS),
    TicketAction.REJECTED: Rule(frozenset({S.SUBMITTED, S.ACCEPTED}), S.REJECTED,
                                frozenset({A.GRID_WORKER, A.COMMUNITY_ADMIN, A.CITY})),
    TicketAction.ESCALATED: Rule(_OPEN, S.DISPATCHED, _WORKERS),
    TicketAction.REOPENED: Rule(frozenset({S.RESOLVED}), S.ACCEPTED, frozenset({A.REPORTER})),
    TicketAction.CLOSED: Rule(frozenset({S.RESOLVED}), S.CLOSED, frozenset({A.REPORTER, A.COMMUNITY_ADMIN, A.SYSTEM})),
    TicketAction.MARKED_DUPLICATE: Rule(_OPEN, S.CLOSED, frozenset({A.GRID_WORKER, A.COMMUNITY_ADMIN, A.CITY})),
    TicketAction.OVERDUE: Rule(_OPEN, None, frozenset({A.SYSTEM})),
}


def actors_of(principal: Principal | None, report: Report) -> set[Actor]:
    if principal is None:
        return {Actor.SYSTEM}
    found: set[Actor] = set()
    community_id: int = report.community_id  # type: ignore[attr-defined]
    if principal.account_id is not None and report.reporter_id == principal.account_id:  # type: ignore[attr-defined]
        found.add(Actor.REPORTER)
    if principal.acts_in_community(community_id, Role.GRID_WORKER):
        found.add(Actor.GRID_WORKER)
    if principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN):
        found.add(Actor.COMMUNITY_ADMIN)
    if handles(principal, report):
        found.add(Actor.HANDLER)
    if principal.has_role(Role.CITY_OPERATOR) and report.escalation_level > 0:
        found.add(Actor.CITY)
    return found


Prepare = Callable[[Report], Awaitable[dict[str, Any]]]
After = Callable[[Report, BaseDBAsyncClient], Awaitable[None]]


async def _transition(
    *,
    principal: Principal | None,
    report_id: int,
    action: TicketAction,
    note: str | None = None,
    prepare: Prepare | None = None,
    after: After | None = None,
    at: datetime | None = None,
) -> Report:
    """Check the table, write the change and its timeline entry in one transaction, publish after commit.

    `principal` None is the system (timers). `prepare` validates the action's own input once the
    table allows it, and returns further columns to change; `after` runs inside the transaction.
    """
    report = await Report.get_or_none(id=report_id)
    if report is None or (principal is not None and not (await can_see(principal, [report]))[0]):
        raise UserError(ErrorCode.NOT_FOUND, "No such report.", "id")
    rule = TRANSITIONS[action]
    if not actors_of(principal, report) & rule.actors:
        raise Forbidden(f"Your role may not take this step ({action.value}) on this report.")
    if report.status not in rule.sources:
        raise UserError(
            ErrorCode.INVALID_TRANSITION, f"{action.value} cannot follow {report.status.value}.", "id"
        )
    changes = await prepare(report) if prepare is not None else {}
    now = at or clock.now()
    before = TicketStatus(report.status)
    target = rule.target or before
    values: dict[str, Any] = {"status": target, "updated_at": now, **changes}
    async with transaction() as conn:
        updated = (
            await Report.filter(id=report.id, version=report.version)
            .using_db(conn)
            .update(version=F("version") + 1, **values)
        )
        if not updated:
            raise UserError(ErrorCode.CONFLICT, "The report changed meanwhile; load it again.", "id")
        version = report.version + 1
        entry = await ReportEvent.create(
            report_id=report.id, action=action, from_status=before, status=target, at=now,
            actor_id=principal.account_id if principal is not None else None, note=note, version=version,
            using_db=conn,
        )
        for name, value in values.items():
            setattr(report, name, value)
        report.version = version
        if after is not None:
            await after(report, conn)
    log.info("report %s: %s %s -> %s", report.id, action.value, before.value, target.value)
    await _publish(_change_of(report, entry))
    return report


def _change_of(report: Report, entry: ReportEvent) -> TicketChanged:
    return TicketChanged(
        report_id=report.id, community_id=report.community_id, event_id=entry.id, version=entry.version,  # type: ignore[attr-defined]
        action=entry.action.value, from_status=entry.from_status.value if entry.from_status else None,
        to_status=entry.status.value, at=entry.at, note=entry.note, actor_id=entry.actor_id,  # type: ignore[attr-defined]
        key=uuid.uuid4().hex,
    )


def _note(v: Validator, field: str, value: str | None, *, required: bool) -> str | None:
    return v.text(field, value, max_length=DESCRIPTION_MAX, required=required)


def _required_note(field: str, value: str | None) -> str:
    v = Validator()
    text = _note(v, field, value, required=True)
    v.raise_if_any()
    assert text is not None
    return text


def _optional_note(value: str | None) -> str | None:
    v = Validator()
    text = _note(v, "note", value, required=False)
    v.raise_if_any()
    return text


async def accept_report(*, principal: Principal, report_id: int, note: str | None = None) -> Report:
    return await _transition(principal=principal, report_id=report_id, action=TicketAction.ACCEPTED,
                             note=_optional_note(note))


async def dispatch_report(
    *, principal: Principal, report_id: int, assignee_id: int, due_at: datetime | None = None, note: str | None = None,
) -> Report:
    """Send a report to the organisation that will handle it, by `due_at` (default: the route's due time)."""
    text = _optional_note(note)

    async def prepare(report: Report) -> dict[str, Any]:
        assignee = await Organization.get_or_none(id=assignee_id)
        if assignee is None:
            raise UserError(ErrorCode.NOT_FOUND, "No such organisation.", "assigneeId")
        if due_at is not None and due_at <= clock.now():
            raise UserError(ErrorCode.OUT_OF_RANGE, "The due time is in the future.", "dueAt")
        due = due_at or report.due_at or clock.now() + timedelta(hours=(await route_for(report.community_id, report.category)).sla_hours)  # type: ignore[attr-defined]
        return {"assignee_id": assignee.id, "due_at": due, "overdue_at": None}

    return await _transition(principal=principal, report_id=report_id, action=TicketAction.DISPATCHED,
                             note=text or None, prepare=prepare)


async def start_report(*, principal: Principal, report_id: int, note: str | None = None) -> Report:
    return await _transition(principal=principal, report_id=report_id, action=TicketAction.STARTED,
                             note=_optional_note(note))


async def resolve_report(*, principal: Principal, report_id: int, note: str) -> Report:
    """Resolve; the reporter earns the category's points once, into the ledger (however often it is resolved)."""
    text = _required_note("note", note)

    async def prepare(report: Report) -> dict[str, Any]:
        route = await route_for(report.community_id, report.category)  # type: ignore[attr-defined]
        earn = route.points if report.points_awarded == 0 and report.reporter_id is not None else 0  # type: ignore[attr-defined]
        return {"resolved_at": clock.now(), "points_awarded": report.points_awarded + earn, "overdue_at": None}

    async def award(report: Report, conn: BaseDBAsyncClient) -> None:
        if report.points_awarded > 0 and report.reporter_id is not None:  # type: ignore[attr-defined]
            await points.apply(
                account_id=report.reporter_id, delta=report.points_awarded,  # type: ignore[attr-defined]
                reason=f"随手拍 {report.number} resolved", source=f"report:{report.id}",
                key=f"report-resolved:{report.id}", connection=conn,
            )

    return await _transition(principal=principal, report_id=report_id, action=TicketAction.RESOLVED, note=text,
                             prepare=prepare, after=award)


async def reject_report(*, principal: Principal, report_id: int, reason: str) -> Report:
    return await _transition(principal=principal, report_id=report_id, action=TicketAction.REJECTED,
                             note=_required_note("reason", reason))


async def escalate_report(*, principal: Principal, report_id: int, reason: str) -> Report:
    """Pass the report up, community → street → city operations centre, as a new dispatch."""
    text = _required_note("reason", reason)

    async def prepare(report: Report) -> dict[str, Any]:
        level = report.escalation_level + 1
        target = await _escalation_target(report, level) if level <= MAX_ESCALATION else None
        if target is None:
            raise UserError(ErrorCode.LIMIT_REACHED, "There is no body above to pass this report to.", "id")
        if target == report.assignee_id and level < MAX_ESCALATION:  # type: ignore[attr-defined]
            level += 1  # the street already had it: go straight to the city
            target = await _escalation_target(report, level)
        route = await route_for(report.community_id, report.category)  # type: ignore[attr-defined]
        return {"escalation_level": level, "assignee_id": target, "overdue_at": None,
                "due_at": clock.now() + timedelta(hours=route.sla_hours)}

    return await _transition(principal=principal, report_id=report_id, action=TicketAction.ESCALATED, note=text,
                             prepare=prepare)


async def reopen_report(*, principal: Principal, report_id: int, reason: str) -> Report:
    """The reporter reopens a resolved report within `REOPEN_WINDOW` of its resolution."""
    text = _required_note("reason", reason)

    async def prepare(report: Report) -> dict[str, Any]:
        if report.resolved_at is None or clock.now() > report.resolved_at + REOPEN_WINDOW:
            raise UserError(ErrorCode.EXPIRED, "A report can be reopened within 7 days of its resolution.", "id")
        route = await route_for(report.community_id, report.category)  # type: ignore[attr-defined]
        return {"resolved_at": None, "overdue_at": None, "due_at": clock.now() + timedelta(hours=route.sla_hours)}

    return await _transition(principal=principal, report_id=report_id, action=TicketAction.REOPENED, note=text,
                             prepare=prepare)


async def close_report(*, principal: Principal, report_id: int, note: str | None = None) -> Report:
    """The reporter (or the community's admin) confirms a resolved report is done."""
    return await _transition(principal=principal, report_id=report_id, action=TicketAction.CLOSED,
                             note=_optional_note(note))


async def mark_duplicate(*, principal: Principal, report_id: int, original_id: int) -> Report:
    """Close a report as a duplicate of another of its community; its reporter then follows the original."""
    numbers = await Report.filter(id=original_id).values_list("number", flat=True)

    async def prepare(report: Report) -> dict[str, Any]:
        original = await Report.get_or_none(id=original_id)
        if original is not None and original.duplicate_of_id is not None:  # type: ignore[attr-defined]
            original = await Report.get_or_none(id=original.duplicate_of_id)  # type: ignore[attr-defined]
        if original is None or original.community_id != report.community_id:  # type: ignore[attr-defined]
            raise UserError(ErrorCode.NOT_FOUND, "No such report in this community.", "originalId")
        if original.id == report.id or original.status is TicketStatus.REJECTED:
            raise UserError(ErrorCode.INVALID, "A report is a duplicate of another, accepted report.", "originalId")
        return {"duplicate_of_id": original.id}

    return await _transition(principal=principal, report_id=report_id, action=TicketAction.MARKED_DUPLICATE,
                             prepare=prepare, note=f"duplicate of {numbers[0]}" if numbers else None)


@dataclass(frozen=True, slots=True)
class TimerRun:
    closed: list[int]
    overdue: list[int]


async def run_timers(*, now: datetime | None = None) -> TimerRun:
    """Close resolved reports 7 days after resolution; flag open reports past their due time (once each).

    Called by the scheduler; `now` defaults to the clock, so tests move time instead of sleeping.
    """
    now = now or clock.now()
    closed: list[int] = []
    overdue: list[int] = []
    for row in await Report.filter(status=TicketStatus.RESOLVED, resolved_at__lte=now - AUTO_CLOSE_AFTER).order_by("id"):
        try:
            await _transition(principal=None, report_id=row.id, action=TicketAction.CLOSED, at=now,
                              note="closed 7 days after it was resolved")
            closed.append(row.id)
        except UserError:
            continue  # changed meanwhile (reopened): the next run sees it as it is

    async def flag(report: Report) -> dict[str, Any]:
        return {"overdue_at": now}

    late = Report.filter(status__in=list(OPEN_STATUSES), due_at__lt=now, overdue_at__isnull=True).order_by("id")
    for row in await late:
        try:
            await _transition(principal=None, report_id=row.id, action=TicketAction.OVERDUE, at=now, prepare=flag,
                              note="past its due time")
            overdue.append(row.id)
        except UserError:
            continue
    return TimerRun(closed=closed, overdue=overdue)


# ------------------------------------------------------------------------------------------- submitting


async def _community_for(principal: Principal, lat: float, lng: float, community_id: int | None) -> int:
    """The explicit community; else the reporter's own if the place is in it; else the nearest one; else their own."""
    if community_id is not None:
        if not await Community.exists(id=community_id):
            raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
        return community_id
    own = await RoleGrant.filter(account_id=principal.account_id, community_id__not_isnull=True).order_by("id").values_list(
        "community_id", flat=True
    )
    box = geo.around(lat, lng, COMMUNITY_RADIUS_M)
    candidates = await Community.filter(lat__gte=box.lat_min, lat__lte=box.lat_max, lng__not_isnull=True)
    near = sorted(
        (geo.distance_m(lat, lng, c.lat, c.lng), c.id) for c in candidates if c.lat is not None and c.lng is not None
    )
    near = [(d, cid) for d, cid in near if d <= COMMUNITY_RADIUS_M]
    for cid in own:
        if any(n == cid for _, n in near):
            return int(cid)
    if near:
        return near[0][1]
    if own:
        return int(own[0])
    raise UserError(ErrorCode.REQUIRED, "Say which community this is in: the place is in none we serve.", "communityId")


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
    v.check(geo.valid_point(lat, lng), ErrorCode.OUT_OF_RANGE,
            "A location has a latitude within ±90 and a longitude within ±180 degrees.", "location")
    pending = await media.read_photos(list(photos), settings, v)
    v.raise_if_any()
    cid = await _community_for(principal, lat, lng, community_id)
    community = await Community.get(id=cid)
    route = await route_for(cid, category)
    now = clock.now()
    async with media.saving(pending, settings, folder="reports") as stored, transaction() as conn:
        report = await Report.create(
            community_id=cid, reporter_id=principal.account_id, anonymous=anonymous, category=category,
            description=text, address=place, lat=lat, lng=lng, status=TicketStatus.SUBMITTED,
            assignee_id=route.organization_id, due_at=now + timedelta(hours=route.sla_hours),
            created_at=now, updated_at=now, using_db=conn,
        )
        local = now.astimezone(ZoneInfo(settings.default_timezone))
        report.number = f"{community.code}-{local:%Y%m%d}-{report.id:05d}"
        await Report.filter(id=report.id).using_db(conn).update(number=report.number)
        for position, photo in enumerate(stored):
            await ReportPhoto.create(report_id=report.id, path=photo.path, content_type=photo.content_type,
                                     size=photo.size, position=position, using_db=conn)
        entry = await ReportEvent.create(
            report_id=report.id, action=TicketAction.SUBMITTED, from_status=None, status=TicketStatus.SUBMITTED,
            at=now, actor_id=principal.account_id, note=None, version=report.version, using_db=conn,
        )
    log.info("report %s submitted in community %s (%s, %d photos)", report.id, cid, category.value, len(stored))
    await _publish(_change_of(report, entry))
    return report
