"""Report types, the filter, and the mixins other domains' types take in (`Community.reports`,
`Community.stats.openReports`, `me.reports`).

`schema.places` and `schema.accounts` import this module for those mixins, so it refers back to
their types lazily.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from api.errors import BadInput, UserError
from api.models.accounts import Account as AccountRow
from api.models.accounts import Role
from api.models.reports import Report as ReportRow
from api.models.reports import ReportCategory, TicketAction, TicketStatus
from api.models.reports import ReportEvent as ReportEventRow
from api.models.reports import ReportPhoto as ReportPhotoRow
from api.pagination import empty_page
from resolvers import reports
from schema.base import (
    Connection,
    GeoPoint,
    GeoPointInput,
    ModelNode,
    connection,
    decode_optional,
    list_connection,
)
from schema.context import Info

if TYPE_CHECKING:
    from schema.accounts import Account
    from schema.places import Community, Organization

ReportCategoryEnum = strawberry.enum(
    ReportCategory,
    name="ReportCategory",
    description="What a report is about; APPEAL_* are appeals (我的诉求) of gig workers.",
)
TicketStatusEnum = strawberry.enum(TicketStatus, name="TicketStatus", description="Where a ticket stands.")
TicketActionEnum = strawberry.enum(
    TicketAction, name="TicketAction", description="What a timeline entry records: a transition, or OVERDUE."
)

#: roles that work on reports somewhere (the use cases check where)
WORKERS = (Role.GRID_WORKER, Role.COMMUNITY_ADMIN, Role.ORG_ADMIN, Role.CITY_OPERATOR)


def query_id(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    """A global id given to a query or subscription: malformed ones are a BAD_USER_INPUT error."""
    try:
        return decode_optional(value, type_name, field=field)
    except UserError as exc:
        raise BadInput(exc.message) from exc


# ------------------------------------------------------------------------------------------- types


@strawberry.type(name="ReportPhoto", description="A photo of a report; `url` needs the same bearer token.")
class ReportPhoto:
    url: str
    content_type: str
    size: int

    @classmethod
    def from_model(cls, row: ReportPhotoRow) -> ReportPhoto:
        return cls(url=f"/media/{row.path}", content_type=row.content_type, size=row.size)


async def _actor(info: Info, actor_id: int | None, shown: bool) -> Account | None:
    from schema.accounts import Account

    if actor_id is None or not shown:
        return None
    row = await info.context.loaders.by_id(AccountRow).load(actor_id)
    return Account.from_model(row) if row is not None else None


@strawberry.type(name="TicketTimelineEntry", description="One change of a ticket.")
class TimelineEntry:
    action: TicketActionEnum  # type: ignore[valid-type]
    from_status: TicketStatusEnum | None  # type: ignore[valid-type]
    status: TicketStatusEnum = strawberry.field(description="The status after the change.")  # type: ignore[valid-type]
    at: datetime
    note: str | None
    actor_id: strawberry.Private[int | None]
    shows_actor: strawberry.Private[bool]

    @strawberry.field(
        description="Who made the change; null for the system, or to hide an anonymous reporter."
    )
    async def actor(self, info: Info) -> Annotated[Account, strawberry.lazy("schema.accounts")] | None:
        return await _actor(info, self.actor_id, self.shows_actor)


@strawberry.federation.type(
    keys=["id"],
    name="Report",
    description="随手拍、报事报修、我的诉求: a ticket someone filed, with photos, routing and a timeline.",
)
class Report(ModelNode):
    model = ReportRow
    id: relay.NodeID[int]
    number: str = strawberry.field(description="Human-readable: community code, date, sequence.")
    category: ReportCategoryEnum  # type: ignore[valid-type]
    status: TicketStatusEnum  # type: ignore[valid-type]
    location: GeoPoint
    escalation_level: int = strawberry.field(
        description="0 in the community, 1 at the street, 2 at the city centre."
    )
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[ReportRow]
    #: False: a summary of someone else's open report near by (no description, photos, people)
    full: strawberry.Private[bool]
    distance_m: float | None = strawberry.field(
        default=None, description="Metres from `near`, when the list was asked for near a point."
    )

    @classmethod
    def from_model(cls, obj: ReportRow, *, distance_m: float | None = None, full: bool = True) -> Self:
        return cls(
            id=obj.id,
            number=obj.number or "",
            category=obj.category,
            status=obj.status,
            location=GeoPoint(lat=obj.lat, lng=obj.lng),
            escalation_level=obj.escalation_level,
            due_at=obj.due_at,
            created_at=obj.created_at,
            updated_at=obj.updated_at,
            row=obj,
            full=full,
            distance_m=distance_m,
        )

    @classmethod
    async def visible(cls, info: Info, rows: list[ReportRow]) -> list[bool]:  # type: ignore[override]
        principal = info.context.principal
        loader: DataLoader[int, bool] = info.context.loaders.get(
            "ReportFollowedById", lambda ids: reports.following(principal, ids)
        )
        direct = [reports.sees_directly(principal, r) for r in rows]
        follows = await loader.load_many([r.id for r, ok in zip(rows, direct, strict=True) if not ok])
        undecided = iter(follows)
        return [ok or next(undecided) for ok in direct]

    @strawberry.field(description="What the reporter wrote; null in a summary.")
    def description(self) -> str | None:
        return self.row.description if self.full else None

    @strawberry.field(description="Where, in words; null in a summary.")
    def address(self) -> str | None:
        return self.row.address if self.full else None

    @strawberry.field(description="Past `dueAt` and still open.")
    def overdue(self) -> bool:
        return reports.is_overdue(self.row)

    @strawberry.field(description="Whether the reporter asked to stay anonymous.")
    def anonymous(self) -> bool:
        return self.row.anonymous

    @strawberry.field(description="Points the reporter earned when it was resolved (once).")
    def points_awarded(self) -> int:
        return self.row.points_awarded if self.full else 0

    @strawberry.field(description="Up to 6 photos; empty in a summary.")
    async def photos(self, info: Info) -> list[ReportPhoto]:
        if not self.full:
            return []
        rows = await info.context.loaders.many_by(ReportPhotoRow, "report_id", "position").load(self.id)
        return [ReportPhoto.from_model(r) for r in rows]

    @strawberry.field(description="Every change, oldest first; empty in a summary.")
    async def timeline(self, info: Info) -> list[TimelineEntry]:
        if not self.full:
            return []
        rows = await info.context.loaders.many_by(ReportEventRow, "report_id", "id").load(self.id)
        shows = reports.sees_reporter(info.context.principal, self.row)
        reporter_id = self.row.reporter_id
        return [
            TimelineEntry(
                action=r.action,
                from_status=r.from_status,
                status=r.status,
                at=r.at,
                note=r.note,
                actor_id=r.actor_id,
                shows_actor=shows or r.actor_id != reporter_id,
            )
            for r in rows
        ]

    @strawberry.field(description="The organisation handling it; null while the community handles it itself.")
    async def assignee(self, info: Info) -> Annotated[Organization, strawberry.lazy("schema.places")] | None:
        from schema.places import Organization

        return await Organization.load(info, self.row.assignee_id) if self.full else None

    @strawberry.field(
        description="Who filed it; null when anonymous, except for the reporter and community staff."
    )
    async def reporter(self, info: Info) -> Annotated[Account, strawberry.lazy("schema.accounts")] | None:
        shown = self.full and reports.sees_reporter(info.context.principal, self.row)
        return await _actor(info, self.row.reporter_id, shown)

    @strawberry.field
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy("schema.places")]:
        from schema.places import Community

        found = await Community.load(info, self.row.community_id)
        assert found is not None
        return found

    @strawberry.field(description="The report this one duplicates; its reporter follows that one.")
    async def duplicate_of(self, info: Info) -> Report | None:
        original_id = self.row.duplicate_of_id
        if not self.full or original_id is None:
            return None
        return (await Report.resolve_nodes(info=info, node_ids=[str(original_id)]))[0]


@strawberry.type(name="TicketStatusEvent", description="A change of a ticket, live.")
class TicketStatusEvent:
    report: Report
    from_: TicketStatusEnum | None = strawberry.field(name="from")  # type: ignore[valid-type]
    to: TicketStatusEnum  # type: ignore[valid-type]
    action: TicketActionEnum  # type: ignore[valid-type]
    at: datetime
    note: str | None
    version: int
    actor_id: strawberry.Private[int | None]
    shows_actor: strawberry.Private[bool]

    @strawberry.field(
        description="Who made the change; null for the system, or to hide an anonymous reporter."
    )
    async def actor(self, info: Info) -> Annotated[Account, strawberry.lazy("schema.accounts")] | None:
        return await _actor(info, self.actor_id, self.shows_actor)

    @classmethod
    def of(cls, update: reports.TicketUpdate) -> TicketStatusEvent:
        c = update.change
        return cls(
            report=Report.from_model(update.report),
            from_=TicketStatus(c.from_status) if c.from_status else None,
            to=TicketStatus(c.to_status),
            action=TicketAction(c.action),
            at=c.at,
            note=c.note,
            version=c.version,
            actor_id=c.actor_id,
            shows_actor=update.shows_actor,
        )


@strawberry.type(name="ReportRoute", description="How a community routes one category of report.")
class ReportRouteType:
    category: ReportCategoryEnum  # type: ignore[valid-type]
    sla_hours: int
    points: int
    organization_id: strawberry.Private[int | None]

    @strawberry.field(description="Who handles it; null: the community itself.")
    async def organization(
        self, info: Info
    ) -> Annotated[Organization, strawberry.lazy("schema.places")] | None:
        from schema.places import Organization

        return await Organization.load(info, self.organization_id)


# ------------------------------------------------------------------------------------------- reading


@strawberry.input(name="ReportFilter", description="Narrows a list of reports; all given conditions hold.")
class ReportFilterInput:
    category: ReportCategoryEnum | None = None  # type: ignore[valid-type]
    categories: list[ReportCategoryEnum] | None = None  # type: ignore[valid-type]
    status: list[TicketStatusEnum] | None = None  # type: ignore[valid-type]
    open: bool | None = strawberry.field(
        default=None, description="true: SUBMITTED to IN_PROGRESS; false: the rest."
    )
    overdue: bool | None = None
    community_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = None
    near: GeoPointInput | None = strawberry.field(
        default=None, description="Nearest first, with `distanceM`."
    )
    radius_m: float | None = strawberry.field(
        default=None,
        description="Metres around `near` (default 1000, at most 20000). Up to 200 with `open: true` lists "
        "everyone's open reports there, as summaries, so an app can suggest one instead of a duplicate.",
    )


def criteria_of(
    f: ReportFilterInput | None, *, community_id: int | None = None, reporter_id: int | None = None
) -> reports.ReportCriteria:
    f = f or ReportFilterInput()
    categories = [*(f.categories or []), *([f.category] if f.category else [])]
    return reports.ReportCriteria(
        categories=categories or None,
        statuses=f.status or None,
        open=f.open,
        overdue=f.overdue,
        community_id=community_id
        if community_id is not None
        else query_id(f.community_id, "Community", "communityId"),
        assignee_id=query_id(f.assignee_id, "Organization", "assigneeId"),
        reporter_id=reporter_id,
        near=(f.near.lat, f.near.lng) if f.near else None,
        radius_m=f.radius_m,
    )


async def report_connection(
    info: Info,
    criteria: reports.ReportCriteria,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[Report]:
    principal = info.context.principal
    if criteria.near is None:
        qs = reports.find_reports(principal=principal, criteria=criteria)
        return await connection(
            info, qs, Report.from_model, first=first, after=after, last=last, before=before
        )
    found = await reports.find_nearby(principal=principal, criteria=criteria)
    return list_connection(
        info,
        found,
        lambda n: Report.from_model(n.report, distance_m=n.distance_m, full=n.full),
        first=first,
        after=after,
        last=last,
        before=before,
    )


@strawberry.type
class ReportsStats:
    """`Community.stats.openReports`."""

    community_id: strawberry.Private[int]

    @strawberry.field(description="Reports still to act on: submitted, accepted, dispatched or in progress.")
    async def open_reports(self, info: Info) -> int:
        loader = info.context.loaders.get("OpenReportCountByCommunity", reports.open_counts)
        return int(await loader.load(self.community_id))


@strawberry.type
class CommunityReports:
    """`Community.reports` and `Community.reportRoutes`."""

    @strawberry.field(
        description="The community's reports you may see, newest first (or nearest, with `near`)."
    )
    async def reports(
        self,
        info: Info,
        filter: ReportFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Report]:
        criteria = criteria_of(filter, community_id=self.id)  # type: ignore[attr-defined]
        return await report_connection(info, criteria, first=first, after=after, last=last, before=before)

    @strawberry.field(description="How each category is routed here (defaults for categories not set).")
    async def report_routes(self, info: Info) -> list[ReportRouteType]:
        routes = await info.context.loaders.get("ReportRoutesByCommunity", reports.routes_of).load(self.id)  # type: ignore[attr-defined]
        return [
            ReportRouteType(
                category=c, sla_hours=r.sla_hours, points=r.points, organization_id=r.organization_id
            )
            for c, r in routes.items()
        ]


@strawberry.type
class AccountReports:
    """`me.reports`."""

    @strawberry.field(
        description="The account's own reports, newest first; shown to the account itself only."
    )
    async def reports(
        self,
        info: Info,
        filter: ReportFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Report]:
        account_id: int = self.id  # type: ignore[attr-defined]
        if info.context.principal.account_id != account_id:
            return Connection.of(empty_page(), Report.from_model)
        criteria = criteria_of(filter, reporter_id=account_id)
        return await report_connection(info, criteria, first=first, after=after, last=last, before=before)
