"""Report queries, mutations and the live ticket status."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.file_uploads import Upload

from api.models.accounts import Role
from api.models.reports import Report as ReportRow
from api.models.reports import ReportRoute as ReportRouteRow
from resolvers import reports
from schema.base import (
    Connection,
    GeoPointInput,
    HasRole,
    IsAuthenticated,
    UserErrorType,
    decode_id,
    decode_optional,
    mutate,
)
from schema.context import Info

if TYPE_CHECKING:
    pass

from schema.reports.types import (
    WORKERS,
    Report,
    ReportCategoryEnum,
    ReportFilterInput,
    ReportRouteType,
    TicketStatusEvent,
    criteria_of,
    query_id,
    report_connection,
)


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Reports you may see: your own; staff their community's; an organisation what is "
        "assigned to it; city operators all.",
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
        return await report_connection(
            info, criteria_of(filter), first=first, after=after, last=last, before=before
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated], description="One report; null if absent or not yours to see."
    )
    async def report(self, info: Info, id: strawberry.ID) -> Report | None:
        pk = query_id(id, "Report", "id")
        return None if pk is None else (await Report.resolve_nodes(info=info, node_ids=[str(pk)]))[0]


# ------------------------------------------------------------------------------------------- mutations


@strawberry.input
class ReportSubmitInput:
    category: ReportCategoryEnum  # type: ignore[valid-type]
    description: str
    location: GeoPointInput
    address: str | None = None
    photos: list[Upload] | None = strawberry.field(
        default=None, description="Up to 6 JPEG, PNG or WebP photos (GraphQL multipart request)."
    )
    anonymous: bool = strawberry.field(
        default=False, description="Hide who filed it from all but community staff."
    )
    community_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: found from the location and the reporter's communities."
    )


@strawberry.input
class ReportAcceptInput:
    id: strawberry.ID
    note: str | None = None


@strawberry.input
class ReportDispatchInput:
    id: strawberry.ID
    assignee_id: strawberry.ID
    due_at: datetime | None = strawberry.field(default=None, description="Default: the route's due time.")
    note: str | None = None


@strawberry.input
class ReportStartInput:
    id: strawberry.ID
    note: str | None = None


@strawberry.input
class ReportResolveInput:
    id: strawberry.ID
    note: str


@strawberry.input
class ReportRejectInput:
    id: strawberry.ID
    reason: str


@strawberry.input
class ReportEscalateInput:
    id: strawberry.ID
    reason: str


@strawberry.input
class ReportReopenInput:
    id: strawberry.ID
    reason: str


@strawberry.input
class ReportCloseInput:
    id: strawberry.ID
    note: str | None = None


@strawberry.input
class ReportMarkDuplicateInput:
    id: strawberry.ID
    original_id: strawberry.ID


@strawberry.input
class ReportRouteSetInput:
    community_id: strawberry.ID
    category: ReportCategoryEnum  # type: ignore[valid-type]
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="null: the community itself."
    )
    sla_hours: int
    points: int


@strawberry.type
class ReportPayload:
    report: Report | None = None
    errors: list[UserErrorType]


@strawberry.type
class ReportRouteSetPayload:
    route: ReportRouteType | None = None
    errors: list[UserErrorType]


def _report(row: ReportRow) -> dict[str, Any]:
    return {"report": Report.from_model(row)}


def _id(value: strawberry.ID) -> int:
    return decode_id(value, Report)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="随手拍: file a report with photos."
    )
    async def report_submit(self, info: Info, input: ReportSubmitInput) -> ReportPayload:
        from schema.places import Community

        return await mutate(
            ReportPayload,
            lambda: reports.submit_report(
                principal=info.context.principal,
                settings=info.context.settings,
                category=input.category,
                description=input.description,
                lat=input.location.lat,
                lng=input.location.lng,
                address=input.address,
                photos=input.photos or [],
                anonymous=input.anonymous,
                community_id=decode_optional(input.community_id, Community, field="communityId"),
            ),
            _report,
        )

    @strawberry.mutation(permission_classes=[HasRole(*WORKERS)], description="Take a submitted report on.")
    async def report_accept(self, info: Info, input: ReportAcceptInput) -> ReportPayload:
        return await mutate(
            ReportPayload,
            lambda: reports.accept_report(
                principal=info.context.principal, report_id=_id(input.id), note=input.note
            ),
            _report,
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN, Role.CITY_OPERATOR)],
        description="派单: send a report to the organisation that handles it, with a due time.",
    )
    async def report_dispatch(self, info: Info, input: ReportDispatchInput) -> ReportPayload:
        from schema.places import Organization

        return await mutate(
            ReportPayload,
            lambda: reports.dispatch_report(
                principal=info.context.principal,
                report_id=_id(input.id),
                assignee_id=decode_id(input.assignee_id, Organization, field="assigneeId"),
                due_at=input.due_at,
                note=input.note,
            ),
            _report,
        )

    @strawberry.mutation(permission_classes=[HasRole(*WORKERS)], description="Start work on a report.")
    async def report_start(self, info: Info, input: ReportStartInput) -> ReportPayload:
        return await mutate(
            ReportPayload,
            lambda: reports.start_report(
                principal=info.context.principal, report_id=_id(input.id), note=input.note
            ),
            _report,
        )

    @strawberry.mutation(
        permission_classes=[HasRole(*WORKERS)],
        description="Resolve a report; its reporter earns the category's points once.",
    )
    async def report_resolve(self, info: Info, input: ReportResolveInput) -> ReportPayload:
        return await mutate(
            ReportPayload,
            lambda: reports.resolve_report(
                principal=info.context.principal, report_id=_id(input.id), note=input.note
            ),
            _report,
        )

    @strawberry.mutation(
        permission_classes=[HasRole(*WORKERS)], description="Reject a report, with the reason."
    )
    async def report_reject(self, info: Info, input: ReportRejectInput) -> ReportPayload:
        return await mutate(
            ReportPayload,
            lambda: reports.reject_report(
                principal=info.context.principal, report_id=_id(input.id), reason=input.reason
            ),
            _report,
        )

    @strawberry.mutation(
        permission_classes=[HasRole(*WORKERS)],
        description="上报: pass a report up, community → street → city operations centre.",
    )
    async def report_escalate(self, info: Info, input: ReportEscalateInput) -> ReportPayload:
        return await mutate(
            ReportPayload,
            lambda: reports.escalate_report(
                principal=info.context.principal, report_id=_id(input.id), reason=input.reason
            ),
            _report,
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="The reporter reopens a resolved report, within 7 days.",
    )
    async def report_reopen(self, info: Info, input: ReportReopenInput) -> ReportPayload:
        return await mutate(
            ReportPayload,
            lambda: reports.reopen_report(
                principal=info.context.principal, report_id=_id(input.id), reason=input.reason
            ),
            _report,
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="The reporter (or the community's admin) closes a resolved report.",
    )
    async def report_close(self, info: Info, input: ReportCloseInput) -> ReportPayload:
        return await mutate(
            ReportPayload,
            lambda: reports.close_report(
                principal=info.context.principal, report_id=_id(input.id), note=input.note
            ),
            _report,
        )

    @strawberry.mutation(
        permission_classes=[HasRole(*WORKERS)],
        description="Close a report as a duplicate of another; its reporter follows that one.",
    )
    async def report_mark_duplicate(self, info: Info, input: ReportMarkDuplicateInput) -> ReportPayload:
        return await mutate(
            ReportPayload,
            lambda: reports.mark_duplicate(
                principal=info.context.principal,
                report_id=_id(input.id),
                original_id=decode_id(input.original_id, Report, field="originalId"),
            ),
            _report,
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN)],
        description="Set who handles a category of report in a community, its due time and points.",
    )
    async def report_route_set(self, info: Info, input: ReportRouteSetInput) -> ReportRouteSetPayload:
        from schema.places import Community, Organization

        def build(row: ReportRouteRow) -> dict[str, Any]:
            return {
                "route": ReportRouteType(
                    category=row.category,
                    sla_hours=row.sla_hours,
                    points=row.points,
                    organization_id=row.organization_id,
                )
            }

        return await mutate(
            ReportRouteSetPayload,
            lambda: reports.set_route(
                principal=info.context.principal,
                community_id=decode_id(input.community_id, Community, field="communityId"),
                category=input.category,
                organization_id=decode_optional(input.organization_id, Organization, field="organizationId"),
                sla_hours=input.sla_hours,
                points=input.points,
            ),
            build,
        )


# ------------------------------------------------------------------------------------------- live


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="A ticket's changes as they happen (`reportId`: its reporter, followers and handlers), "
        "or a community's (`communityId`: its staff and city operators). `since` replays the changes "
        "from then before going live, with no gap and no duplicate.",
    )
    async def ticket_status(
        self,
        info: Info,
        report_id: strawberry.ID | None = None,
        community_id: strawberry.ID | None = None,
        since: datetime | None = None,
    ) -> AsyncGenerator[TicketStatusEvent, None]:
        updates = reports.watch_tickets(
            principal=info.context.principal,
            report_id=query_id(report_id, "Report", "reportId"),
            community_id=query_id(community_id, "Community", "communityId"),
            since=since,
        )
        async for update in updates:
            # a websocket's loaders live as long as it does: load each event afresh
            info.context.loaders.clear_all()
            yield TicketStatusEvent.of(update)
