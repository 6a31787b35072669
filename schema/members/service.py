"""Members' queries, mutations and subscription: check-in, posts, teams, orders, records, pairings, mode."""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from api import events
from api.errors import BadInput, Forbidden, UserError
from api.models.accounts import Role
from api.models.members import ServiceRating
from api.models.places import Community as CommunityRow
from api.models.places import CommunityMode
from resolvers.members import checkin, mode, orders, pairings
from schema.base import (
    Connection,
    HasRole,
    IsAuthenticated,
    UserErrorType,
    connection,
    decode_id,
    decode_optional,
    mutate,
    require_account,
)
from schema.context import Info
from schema.members.types import (
    CommunityModeChange,
    CommunityModeRef,
    CommunityRef,
    Member,
    MemberKindEnum,
    Pairing,
    Post,
    ServiceOrder,
    ServiceOrderStatusEnum,
    ServicePointsRule,
    ServiceRatingEnum,
    ServiceRecord,
    SpecialtyEnum,
    Team,
    TeamKindEnum,
    Visit,
    my_memberships,
)

ADMINS = HasRole(Role.COMMUNITY_ADMIN)
MEMBERS = HasRole(Role.MEMBER)


def _community_id(global_id: strawberry.ID, field: str = "communityId") -> int:
    return decode_id(global_id, "Community", field=field)


# ------------------------------------------------------------------ inputs and payloads


@strawberry.input(description="双报到: check in to the community where you live, by the code on its poster.")
class MemberCheckInInput:
    community_code: str
    kind: MemberKindEnum  # type: ignore[valid-type]
    work_unit_id: strawberry.ID | None = strawberry.field(default=None, description="Your work unit (单位).")
    skills: list[str] | None = strawberry.field(default=None, description="What you can offer (up to 20).")


@strawberry.type
class MemberPayload:
    member: Member | None = None
    errors: list[UserErrorType]


@strawberry.input
class PostCreateInput:
    community_id: strawberry.ID
    title: str
    specialty: SpecialtyEnum  # type: ignore[valid-type]
    capacity: int = strawberry.field(description="How many members the post takes (1–100000).")
    description: str | None = None


@strawberry.input
class PostClaimInput:
    post_id: strawberry.ID


@strawberry.type
class PostPayload:
    post: Post | None = None
    errors: list[UserErrorType]


@strawberry.input
class TeamCreateInput:
    community_id: strawberry.ID
    name: str
    kind: TeamKindEnum  # type: ignore[valid-type]
    specialty: SpecialtyEnum | None = None  # type: ignore[valid-type]
    leader_id: strawberry.ID | None = strawberry.field(
        default=None, description="A member of the community; joins the team."
    )


@strawberry.input
class TeamJoinInput:
    team_id: strawberry.ID


@strawberry.type
class TeamPayload:
    team: Team | None = None
    errors: list[UserErrorType]


@strawberry.input(description="群众点单: ask the community for help.")
class ServiceOrderRequestInput:
    community_id: strawberry.ID
    title: str
    description: str
    specialty: SpecialtyEnum | None = None  # type: ignore[valid-type]


@strawberry.input(description="创单: propose a service of your own, for the community to approve.")
class ServiceOrderProposeInput:
    community_id: strawberry.ID
    title: str
    description: str
    specialty: SpecialtyEnum | None = None  # type: ignore[valid-type]


@strawberry.input
class ServiceOrderActionInput:
    id: strawberry.ID


@strawberry.input
class ServiceOrderCompleteInput:
    id: strawberry.ID
    minutes: int = strawberry.field(description="How long the service took, 1 to 1440 minutes.")
    summary: str


@strawberry.type
class ServiceOrderPayload:
    service_order: ServiceOrder | None = None
    errors: list[UserErrorType]


@strawberry.type
class ServiceOrderCompletePayload:
    service_order: ServiceOrder | None = None
    service_record: ServiceRecord | None = None
    errors: list[UserErrorType]


@strawberry.input(description="Which orders: any of these statuses, in this community.")
class ServiceOrderFilter:
    community_id: strawberry.ID | None = None
    status: list[ServiceOrderStatusEnum] | None = None  # type: ignore[valid-type]
    mine: bool = strawberry.field(default=False, description="Only orders you asked for or do.")


@strawberry.input(description="Which service records (of those you may see).")
class ServiceRecordFilter:
    community_id: strawberry.ID | None = None
    member_id: strawberry.ID | None = None
    rated: bool | None = None


@strawberry.input
class ServiceRecordRateInput:
    id: strawberry.ID
    rating: ServiceRatingEnum  # type: ignore[valid-type]


@strawberry.type
class ServiceRecordPayload:
    service_record: ServiceRecord | None = None
    errors: list[UserErrorType]


@strawberry.input(
    description="Points per minute of service for each rating, 0 to 10; better never earns less."
)
class ServicePointsRuleSetInput:
    community_id: strawberry.ID
    excellent: float
    good: float
    fair: float
    poor: float


@strawberry.type
class ServicePointsRulePayload:
    rule: ServicePointsRule | None = None
    errors: list[UserErrorType]


@strawberry.input
class PairingCreateInput:
    recipient_id: strawberry.ID
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="Pair this member (community staff); yourself when absent."
    )


@strawberry.input
class PairingApproveInput:
    pairing_id: strawberry.ID


@strawberry.input
class PairingEndInput:
    pairing_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class PairingPayload:
    pairing: Pairing | None = None
    errors: list[UserErrorType]


@strawberry.input
class PairingVisitLogInput:
    pairing_id: strawberry.ID
    minutes: int = strawberry.field(description="How long the visit took, 1 to 1440 minutes.")
    note: str


@strawberry.type
class VisitPayload:
    visit: Visit | None = None
    errors: list[UserErrorType]


@strawberry.input
class CommunityModeSetInput:
    community_id: strawberry.ID
    mode: CommunityModeRef
    reason: str


@strawberry.type
class CommunityModeSetPayload:
    community: CommunityRef | None = None
    reassigned_members: int = strawberry.field(
        default=0, description="Members moved into or out of emergency teams."
    )
    change: CommunityModeChange | None = None
    errors: list[UserErrorType]


# ------------------------------------------------------------------ queries


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Members whose service you see: yours, your community's (staff), your work unit's.",
    )
    async def members(
        self,
        info: Info,
        community_id: strawberry.ID | None = None,
        work_unit_id: strawberry.ID | None = None,
        kind: MemberKindEnum | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Member]:
        qs = checkin.members(
            principal=info.context.principal,
            community_id=decode_optional(community_id, "Community", field="communityId"),
            work_unit_id=decode_optional(work_unit_id, "Organization", field="workUnitId"),
            kind=kind,
        )
        return await connection(
            info, qs, Member.from_model, first=first, after=after, last=last, before=before
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description=(
            "Service orders you may see, newest first: yours, open ones where you serve, all where you are staff."
        ),
    )
    async def service_orders(
        self,
        info: Info,
        filter: ServiceOrderFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ServiceOrder]:
        f = filter or ServiceOrderFilter()
        mine = await my_memberships(info)
        try:
            cid = decode_optional(f.community_id, "Community", field="communityId")
        except UserError as exc:
            raise BadInput(exc.message) from exc
        qs = orders.service_orders(
            principal=info.context.principal,
            community_id=cid,
            statuses=f.status,
            mine=f.mine,
            member_community_ids={m.community_id for m in mine},
        )
        return await connection(
            info, qs, ServiceOrder.from_model, first=first, after=after, last=last, before=before
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated], description="服务纪实 you may see (三方可见), newest first."
    )
    async def service_records(
        self,
        info: Info,
        filter: ServiceRecordFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ServiceRecord]:
        f = filter or ServiceRecordFilter()
        try:
            cid = decode_optional(f.community_id, "Community", field="communityId")
            mid = decode_optional(f.member_id, "Member", field="memberId")
        except UserError as exc:
            raise BadInput(exc.message) from exc
        qs = orders.service_records(
            principal=info.context.principal, community_id=cid, member_id=mid, rated=f.rated
        )
        return await connection(
            info, qs, ServiceRecord.from_model, first=first, after=after, last=last, before=before
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Pairings you see: yours, and your community's (staff); newest first.",
    )
    async def pairings(
        self,
        info: Info,
        community_id: strawberry.ID | None = None,
        active: bool | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Pairing]:
        try:
            cid = decode_optional(community_id, "Community", field="communityId")
        except UserError as exc:
            raise BadInput(exc.message) from exc
        qs = pairings.pairings(principal=info.context.principal, community_id=cid, active=active)
        return await connection(
            info, qs, Pairing.from_model, first=first, after=after, last=last, before=before
        )


# ------------------------------------------------------------------ mutations


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="双报到: check in to a community as a member."
    )
    async def member_check_in(self, info: Info, input: MemberCheckInInput) -> MemberPayload:
        return await mutate(
            MemberPayload,
            lambda: checkin.check_in(
                principal=require_account(info),
                community_code=input.community_code,
                kind=input.kind,
                work_unit_id=decode_optional(input.work_unit_id, "Organization", field="workUnitId"),
                skills=input.skills,
            ),
            lambda m: {"member": Member.from_model(m)},
        )

    @strawberry.mutation(permission_classes=[ADMINS], description="Create a post (COMMUNITY_ADMIN).")
    async def post_create(self, info: Info, input: PostCreateInput) -> PostPayload:
        return await mutate(
            PostPayload,
            lambda: checkin.create_post(
                principal=info.context.principal,
                community_id=_community_id(input.community_id),
                title=input.title,
                specialty=input.specialty,
                capacity=input.capacity,
                description=input.description,
            ),
            lambda p: {"post": Post.from_model(p)},
        )

    @strawberry.mutation(
        permission_classes=[MEMBERS],
        description="认岗: take a place of a post; CAPACITY_REACHED when every place is taken.",
    )
    async def post_claim(self, info: Info, input: PostClaimInput) -> PostPayload:
        return await mutate(
            PostPayload,
            lambda: checkin.claim_post(
                principal=info.context.principal, post_id=decode_id(input.post_id, "Post", field="postId")
            ),
            lambda p: {"post": Post.from_model(p)},
        )

    @strawberry.mutation(permission_classes=[MEMBERS], description="Give back your place of a post.")
    async def post_release(self, info: Info, input: PostClaimInput) -> PostPayload:
        return await mutate(
            PostPayload,
            lambda: checkin.release_post(
                principal=info.context.principal, post_id=decode_id(input.post_id, "Post", field="postId")
            ),
            lambda p: {"post": Post.from_model(p)},
        )

    @strawberry.mutation(
        permission_classes=[ADMINS], description="Create a service or emergency team (COMMUNITY_ADMIN)."
    )
    async def team_create(self, info: Info, input: TeamCreateInput) -> TeamPayload:
        return await mutate(
            TeamPayload,
            lambda: checkin.create_team(
                principal=info.context.principal,
                community_id=_community_id(input.community_id),
                name=input.name,
                kind=input.kind,
                specialty=input.specialty,
                leader_id=decode_optional(input.leader_id, "Member", field="leaderId"),
            ),
            lambda t: {"team": Team.from_model(t)},
        )

    @strawberry.mutation(permission_classes=[MEMBERS], description="Join a team of your community.")
    async def team_join(self, info: Info, input: TeamJoinInput) -> TeamPayload:
        return await mutate(
            TeamPayload,
            lambda: checkin.join_team(
                principal=info.context.principal, team_id=decode_id(input.team_id, "Team", field="teamId")
            ),
            lambda t: {"team": Team.from_model(t)},
        )

    @strawberry.mutation(permission_classes=[MEMBERS], description="Leave a team.")
    async def team_leave(self, info: Info, input: TeamJoinInput) -> TeamPayload:
        return await mutate(
            TeamPayload,
            lambda: checkin.leave_team(
                principal=info.context.principal, team_id=decode_id(input.team_id, "Team", field="teamId")
            ),
            lambda t: {"team": Team.from_model(t)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="群众点单: ask your community for help."
    )
    async def service_order_request(self, info: Info, input: ServiceOrderRequestInput) -> ServiceOrderPayload:
        return await mutate(
            ServiceOrderPayload,
            lambda: orders.request_service(
                principal=info.context.principal,
                community_id=_community_id(input.community_id),
                title=input.title,
                description=input.description,
                specialty=input.specialty,
            ),
            lambda o: {"service_order": ServiceOrder.from_model(o)},
        )

    @strawberry.mutation(permission_classes=[MEMBERS], description="创单: propose a service of your own.")
    async def service_order_propose(self, info: Info, input: ServiceOrderProposeInput) -> ServiceOrderPayload:
        return await mutate(
            ServiceOrderPayload,
            lambda: orders.propose_service(
                principal=info.context.principal,
                community_id=_community_id(input.community_id),
                title=input.title,
                description=input.description,
                specialty=input.specialty,
            ),
            lambda o: {"service_order": ServiceOrder.from_model(o)},
        )

    @strawberry.mutation(
        permission_classes=[ADMINS], description="社区派单: put a request up for members (COMMUNITY_ADMIN)."
    )
    async def service_order_dispatch(self, info: Info, input: ServiceOrderActionInput) -> ServiceOrderPayload:
        return await _order_action(info, orders.dispatch_order, input.id)

    @strawberry.mutation(
        permission_classes=[ADMINS], description="Approve a member's proposal (COMMUNITY_ADMIN)."
    )
    async def service_order_approve(self, info: Info, input: ServiceOrderActionInput) -> ServiceOrderPayload:
        return await _order_action(info, orders.approve_order, input.id)

    @strawberry.mutation(
        permission_classes=[MEMBERS],
        description="党员接单: accept a dispatched order; ALREADY_TAKEN when another member was first.",
    )
    async def service_order_accept(self, info: Info, input: ServiceOrderActionInput) -> ServiceOrderPayload:
        return await _order_action(info, orders.accept_order, input.id)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Cancel: who asked, until a member accepted; the community's admin, while open.",
    )
    async def service_order_cancel(self, info: Info, input: ServiceOrderActionInput) -> ServiceOrderPayload:
        return await _order_action(info, orders.cancel_order, input.id)

    @strawberry.mutation(
        permission_classes=[MEMBERS],
        description="Complete the order you do, with minutes and a summary: this writes its service record.",
    )
    async def service_order_complete(
        self, info: Info, input: ServiceOrderCompleteInput
    ) -> ServiceOrderCompletePayload:
        return await mutate(
            ServiceOrderCompletePayload,
            lambda: orders.complete_order(
                principal=info.context.principal,
                order_id=decode_id(input.id, "ServiceOrder"),
                minutes=input.minutes,
                summary=input.summary,
            ),
            lambda c: {
                "service_order": ServiceOrder.from_model(c.order),
                "service_record": ServiceRecord.from_model(c.record),
            },
        )

    @strawberry.mutation(
        permission_classes=[ADMINS],
        description="一事一评: rate a service record once; the member earns minutes × the rating's coefficient.",
    )
    async def service_record_rate(self, info: Info, input: ServiceRecordRateInput) -> ServiceRecordPayload:
        return await mutate(
            ServiceRecordPayload,
            lambda: orders.rate_record(
                principal=info.context.principal,
                record_id=decode_id(input.id, "ServiceRecord"),
                rating=input.rating,
            ),
            lambda r: {"service_record": ServiceRecord.from_model(r)},
        )

    @strawberry.mutation(
        permission_classes=[ADMINS],
        description="Set how many points a minute of service earns per rating (COMMUNITY_ADMIN).",
    )
    async def service_points_rule_set(
        self, info: Info, input: ServicePointsRuleSetInput
    ) -> ServicePointsRulePayload:
        return await mutate(
            ServicePointsRulePayload,
            lambda: orders.set_points_rule(
                principal=info.context.principal,
                community_id=_community_id(input.community_id),
                coefficients={
                    ServiceRating.EXCELLENT: input.excellent,
                    ServiceRating.GOOD: input.good,
                    ServiceRating.FAIR: input.fair,
                    ServiceRating.POOR: input.poor,
                },
            ),
            lambda rule: {"rule": ServicePointsRule.of(rule)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description=(
            "认亲: pair a member with a person the community cares for (staff, at once), or ask to pair "
            "yourself (a member: pending until the staff approve)."
        ),
    )
    async def pairing_create(self, info: Info, input: PairingCreateInput) -> PairingPayload:
        return await mutate(
            PairingPayload,
            lambda: pairings.create_pairing(
                principal=info.context.principal,
                recipient_id=decode_id(input.recipient_id, "CareRecipient", field="recipientId"),
                member_id=decode_optional(input.member_id, "Member", field="memberId"),
            ),
            lambda p: {"pairing": Pairing.from_model(p)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Approve a member's request to pair (the community's staff); the member then sees the person.",
    )
    async def pairing_approve(self, info: Info, input: PairingApproveInput) -> PairingPayload:
        return await mutate(
            PairingPayload,
            lambda: pairings.approve_pairing(
                principal=info.context.principal,
                pairing_id=decode_id(input.pairing_id, "Pairing", field="pairingId"),
            ),
            lambda p: {"pairing": Pairing.from_model(p)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="End a pairing; it is kept, with its visits."
    )
    async def pairing_end(self, info: Info, input: PairingEndInput) -> PairingPayload:
        return await mutate(
            PairingPayload,
            lambda: pairings.end_pairing(
                principal=info.context.principal,
                pairing_id=decode_id(input.pairing_id, "Pairing", field="pairingId"),
                reason=input.reason,
            ),
            lambda p: {"pairing": Pairing.from_model(p)},
        )

    @strawberry.mutation(
        permission_classes=[MEMBERS], description="Log a visit to the person you are paired with."
    )
    async def pairing_visit_log(self, info: Info, input: PairingVisitLogInput) -> VisitPayload:
        return await mutate(
            VisitPayload,
            lambda: pairings.log_visit(
                principal=info.context.principal,
                pairing_id=decode_id(input.pairing_id, "Pairing", field="pairingId"),
                minutes=input.minutes,
                note=input.note,
            ),
            lambda v: {"visit": Visit.from_model(v)},
        )

    @strawberry.mutation(
        permission_classes=[ADMINS],
        description="常急转换: switch the community's mode; EMERGENCY moves members with a work unit into the "
        "emergency teams, EXTREME moves everyone, NORMAL restores the teams they were in.",
    )
    async def community_mode_set(self, info: Info, input: CommunityModeSetInput) -> CommunityModeSetPayload:
        from schema.places import Community

        return await mutate(
            CommunityModeSetPayload,
            lambda: mode.set_mode(
                principal=info.context.principal,
                community_id=_community_id(input.community_id),
                mode=CommunityMode(input.mode),
                reason=input.reason,
            ),
            lambda s: {
                "community": Community.from_model(s.community),
                "reassigned_members": s.reassigned,
                "change": CommunityModeChange.from_model(s.change),
            },
        )


async def _order_action(info: Info, action: object, global_id: strawberry.ID) -> ServiceOrderPayload:
    return await mutate(
        ServiceOrderPayload,
        lambda: action(principal=info.context.principal, order_id=decode_id(global_id, "ServiceOrder")),  # type: ignore[operator]
        lambda o: {"service_order": ServiceOrder.from_model(o)},
    )


# ------------------------------------------------------------------ subscription


async def mode_events(
    info: Info, community_id: int, since: datetime | None
) -> AsyncGenerator[CommunityModeChange, None]:
    """The community's mode changes as they happen (after replaying those since `since`)."""
    # subscribe before replaying, so nothing committed in between is missed
    async with events.hub().subscribe(mode.MODE_TOPIC.channel(community_id)) as queue:

        async def live() -> AsyncGenerator[mode.ModeChanged | events.Reconnected, None]:
            while (item := await queue.get()) is not None:
                yield item if isinstance(item, events.Reconnected) else mode.MODE_TOPIC.decode(item)

        replayed = events.replay_then_live(
            live(),
            lambda start: mode.changes_since(community_id, start),
            since=since,
            key=lambda e: e.change_id,
            at=lambda e: e.at,
        )
        async for event in replayed:
            key = ("community-mode-change", event.change_id, event.at.isoformat())
            row = await events.hub().load_once(key, functools.partial(mode.load_change, event.change_id))
            if row is not None:
                info.context.loaders.clear_all()  # the community's mode changed: load it afresh
                yield CommunityModeChange.from_model(row)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="常急转换, live: each switch of the community's mode (staff and members).",
    )
    async def community_mode(
        self, info: Info, community_id: strawberry.ID, since: datetime | None = None
    ) -> AsyncGenerator[CommunityModeChange, None]:
        try:
            cid = decode_id(community_id, "Community", field="communityId")
        except UserError as exc:
            raise BadInput(exc.message) from exc
        if not mode.may_follow_mode(info.context.principal, cid) or not await CommunityRow.exists(id=cid):
            raise Forbidden("Only the community's staff and members follow its mode.")
        async for change in mode_events(info, cid, since):
            yield change
