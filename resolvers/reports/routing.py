"""Routing: which body handles a category of report in a community, by when, and the points it earns;
and where an escalated report goes next (community → street → city operations centre)."""

from __future__ import annotations

from dataclasses import dataclass

from api.auth import Principal
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.accounts import Role
from api.models.places import Community, Organization, OrganizationKind
from api.models.reports import Report, ReportCategory, ReportRoute

#: community -> street -> city operations centre
MAX_ESCALATION = 2


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


async def routes_of(community_ids: list[int]) -> list[dict[ReportCategory, Route]]:
    """Every category's route per community, in two statements (a DataLoader batch function).

    A community's own `ReportRoute` wins; otherwise the default: the first organisation of the
    default's kind in the community, or the community itself.
    """
    own: dict[tuple[int, ReportCategory], Route] = {
        (r.community_id, ReportCategory(r.category)): Route(r.organization_id, r.sla_hours, r.points)
        for r in await ReportRoute.filter(community_id__in=community_ids)
    }
    kinds = {d.kind for d in DEFAULT_ROUTES.values() if d.kind is not None}
    first_of_kind: dict[tuple[int | None, OrganizationKind], int] = {}
    for org in await Organization.filter(community_id__in=community_ids, kind__in=list(kinds)).order_by("id"):
        first_of_kind.setdefault((org.community_id, OrganizationKind(org.kind)), org.id)

    def route(cid: int, category: ReportCategory) -> Route:
        if (cid, category) in own:
            return own[cid, category]
        d = DEFAULT_ROUTES[category]
        return Route(first_of_kind.get((cid, d.kind)) if d.kind else None, d.sla_hours, d.points)

    return [{c: route(cid, c) for c in ReportCategory} for cid in community_ids]


async def route_for(community_id: int, category: ReportCategory) -> Route:
    """The community's route for one category."""
    return (await routes_of([community_id]))[0][category]


async def set_route(
    *,
    principal: Principal,
    community_id: int,
    category: ReportCategory,
    organization_id: int | None,
    sla_hours: int,
    points: int,
) -> ReportRoute:
    """A community admin sets who handles a category, by when, and the points it earns."""
    if not principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN):
        raise Forbidden("Only the community's admin sets its report routing.")
    v = Validator()
    v.check(
        1 <= sla_hours <= 24 * 90, ErrorCode.OUT_OF_RANGE, "The due time is 1 hour to 90 days.", "slaHours"
    )
    v.check(0 <= points <= 10_000, ErrorCode.OUT_OF_RANGE, "Points are 0 to 10000.", "points")
    v.raise_if_any()
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    if organization_id is not None and not await Organization.exists(id=organization_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such organisation.", "organizationId")
    route, _ = await ReportRoute.update_or_create(
        community_id=community_id,
        category=category,
        defaults={"organization_id": organization_id, "sla_hours": sla_hours, "points": points},
    )
    return route


async def escalation_target(report: Report, level: int) -> int | None:
    """The body a report goes to at `level`: the community's street, then the city operations centre."""
    street = (
        await Organization.filter(community_id=report.community_id, kind=OrganizationKind.STREET)
        .order_by("id")
        .first()
    )
    if level == 1 and street is not None:
        return street.id
    if level >= 1:
        parent_id: int | None = street.parent_id if street is not None else None
        if parent_id is not None:
            parent = await Organization.get_or_none(id=parent_id, kind=OrganizationKind.CITY_OPS_CENTER)
            if parent is not None:
                return parent.id
        centre = await Organization.filter(kind=OrganizationKind.CITY_OPS_CENTER).order_by("id").first()
        return centre.id if centre is not None else None
    return None
