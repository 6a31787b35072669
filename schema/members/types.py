"""Members' types: Member, Post, Team, ServiceOrder, ServiceRecord, PointsLedgerEntry, Pairing, Visit,
CommunityModeChange. Every nested list is batched through the request's loaders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self, TypeVar

import strawberry
from strawberry import relay
from tortoise.models import Model

from api.models.accounts import Account as AccountRow
from api.models.care import CareRecipient as CareRecipientRow
from api.models.members import CommunityModeChange as ModeChangeRow
from api.models.members import Member as MemberRow
from api.models.members import MemberKind, ServiceOrderStatus, ServiceRating, Specialty, TeamKind
from api.models.members import Pairing as PairingRow
from api.models.members import Post as PostRow
from api.models.members import PostClaim as PostClaimRow
from api.models.members import ServiceOrder as ServiceOrderRow
from api.models.members import ServiceRecord as ServiceRecordRow
from api.models.members import Team as TeamRow
from api.models.members import TeamMembership as TeamMembershipRow
from api.models.members import Visit as VisitRow
from api.models.places import CommunityMode
from api.models.points import PointsLedgerEntry as LedgerRow
from resolvers.members import access, checkin, orders, pairings
from schema.base import Connection, Edge, ModelNode, empty_connection, nested_connection
from schema.care import CareRecipient
from schema.context import Info

if TYPE_CHECKING:
    from schema.accounts import Account
    from schema.places import Community, CommunityModeEnum, Organization

MemberKindEnum = strawberry.enum(
    MemberKind, name="MemberKind", description="Party member, volunteer or gig worker."
)
SpecialtyEnum = strawberry.enum(Specialty, name="Specialty", description="What a post or a team is about.")
TeamKindEnum = strawberry.enum(
    TeamKind, name="TeamKind", description="服务队 (service) or 应急队 (emergency)."
)
ServiceOrderStatusEnum = strawberry.enum(ServiceOrderStatus, name="ServiceOrderStatus")
ServiceRatingEnum = strawberry.enum(
    ServiceRating, name="ServiceRating", description="一事一评: how well a service was done."
)

CommunityRef = Annotated["Community", strawberry.lazy("schema.places")]
OrganizationRef = Annotated["Organization", strawberry.lazy("schema.places")]
AccountRef = Annotated["Account", strawberry.lazy("schema.accounts")]

T = TypeVar("T")
M = TypeVar("M", bound=Model)


# ------------------------------------------------------------------ shared helpers


async def load_community(info: Info, community_id: int) -> Community:
    from schema.places import Community

    found = await Community.load(info, community_id)
    assert found is not None
    return found


async def my_memberships(info: Info) -> list[MemberRow]:
    """The principal's memberships, loaded once per request."""

    async def batch(keys: list[int | None]) -> list[list[MemberRow]]:
        return [await orders.memberships_of(k) for k in keys]

    return await info.context.loaders.get("MyMemberships", batch).load(info.context.principal.account_id)


# ------------------------------------------------------------------ members


@strawberry.type(description="A member checked in to the community where they live (双报到).")
class Member(ModelNode):
    model = MemberRow
    id: relay.NodeID[int]
    kind: MemberKindEnum  # type: ignore[valid-type]
    skills: list[str]
    checked_in_at: datetime
    row: strawberry.Private[MemberRow]

    @classmethod
    def from_model(cls, obj: MemberRow) -> Self:
        return cls(
            id=obj.id, kind=obj.kind, skills=list(obj.skills or []), checked_in_at=obj.checked_in_at, row=obj
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[MemberRow]) -> list[bool]:
        return [access.sees_member_service(info.context.principal, r) for r in rows]

    def _sees_service(self, info: Info) -> bool:
        return access.sees_member_service(info.context.principal, self.row)

    def _is_self(self, info: Info) -> bool:
        principal = info.context.principal
        return principal.account_id == self.row.account_id or principal.is_admin

    @strawberry.field(description="The member's name as shown to others.")
    async def display_name(self, info: Info) -> str:
        account = await info.context.loaders.by_id(AccountRow).load(self.row.account_id)
        return account.display_name if account else ""

    @strawberry.field(description="The community the member checked in to.")
    async def community(self, info: Info) -> CommunityRef:
        return await load_community(info, self.row.community_id)

    @strawberry.field(description="The member's work unit (单位), whose ORG_ADMIN sees their service.")
    async def work_unit(self, info: Info) -> OrganizationRef | None:
        from schema.places import Organization

        return await Organization.load(info, self.row.work_unit_id)

    @strawberry.field(
        description="The account's points balance; for the member, their community's staff and work unit."
    )
    async def points(self, info: Info) -> int | None:
        if not self._sees_service(info):
            return None
        account = await info.context.loaders.by_id(AccountRow).load(self.row.account_id)
        return account.points_balance if account else 0

    @strawberry.field(
        description="服务纪实, newest first (三方可见: the member, the community's staff, the work unit)."
    )
    async def service_records(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ServiceRecord]:
        if not self._sees_service(info):
            return empty_connection()
        return await nested_connection(
            info,
            "ServiceRecordsByMember",
            ServiceRecordRow.all(),
            parent_column="member_id",
            parent_id=self.id,
            order=("-at", "-id"),
            to_node=ServiceRecord.from_model,
            first=first,
            after=after,
        )

    @strawberry.field(description="The account's points ledger, newest first; for the member only.")
    async def points_ledger(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[PointsLedgerEntry]:
        if not self._is_self(info):
            return empty_connection()
        return await nested_connection(
            info,
            "LedgerByAccount",
            LedgerRow.all(),
            parent_column="account_id",
            parent_id=self.row.account_id,
            order=("-id",),
            to_node=PointsLedgerEntry.from_model,
            first=first,
            after=after,
        )

    @strawberry.field(description="认亲: the member's pairings, ended ones included, newest first.")
    async def pairings(self, info: Info) -> list[Pairing]:
        if not (self._is_self(info) or info.context.principal.oversees(self.row.community_id)):
            return []
        rows = await info.context.loaders.many_by(PairingRow, "member_id", "-started_at", "-id").load(self.id)
        return [Pairing.from_model(r) for r in rows]

    @strawberry.field(
        description="The teams the member serves in now (suspended ones left out during an emergency)."
    )
    async def teams(self, info: Info) -> list[Team]:
        links = await info.context.loaders.many_by(TeamMembershipRow, "member_id", "id").load(self.id)
        ids = [link.team_id for link in links if not link.suspended]
        rows = await info.context.loaders.by_id(TeamRow).load_many(ids)
        return [Team.from_model(r) for r in rows if r is not None]

    @strawberry.field(description="认岗: the posts the member holds.")
    async def posts(self, info: Info) -> list[Post]:
        claims = await info.context.loaders.many_by(PostClaimRow, "member_id", "id").load(self.id)
        rows = await info.context.loaders.by_id(PostRow).load_many([c.post_id for c in claims])
        return [Post.from_model(r) for r in rows if r is not None]


@strawberry.type(description="认岗: a standing post members claim, up to its capacity.")
class Post(ModelNode):
    model = PostRow
    id: relay.NodeID[int]
    title: str
    description: str
    specialty: SpecialtyEnum  # type: ignore[valid-type]
    capacity: int
    claimed_count: int = strawberry.field(description="Places taken; never more than `capacity`.")
    community_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, obj: PostRow) -> Self:
        return cls(
            id=obj.id,
            title=obj.title,
            description=obj.description,
            specialty=obj.specialty,
            capacity=obj.capacity,
            claimed_count=obj.claimed_count,
            community_id=obj.community_id,
        )

    @strawberry.field
    async def community(self, info: Info) -> CommunityRef:
        return await load_community(info, self.community_id)

    @strawberry.field(description="Whether the logged-in member holds this post.")
    async def claimed_by_me(self, info: Info) -> bool:
        mine = await my_memberships(info)
        member = next((m for m in mine if m.community_id == self.community_id), None)
        if member is None:
            return False
        claims = await info.context.loaders.many_by(PostClaimRow, "member_id", "id").load(member.id)
        return any(c.post_id == self.id for c in claims)


@strawberry.type(description="A service team (服务队) or emergency team (应急队).")
class Team(ModelNode):
    model = TeamRow
    id: relay.NodeID[int]
    name: str
    kind: TeamKindEnum  # type: ignore[valid-type]
    specialty: SpecialtyEnum | None  # type: ignore[valid-type]
    community_id: strawberry.Private[int]
    leader_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, obj: TeamRow) -> Self:
        return cls(
            id=obj.id,
            name=obj.name,
            kind=obj.kind,
            specialty=obj.specialty,
            community_id=obj.community_id,
            leader_id=obj.leader_id,
        )

    @strawberry.field
    async def community(self, info: Info) -> CommunityRef:
        return await load_community(info, self.community_id)

    @strawberry.field(description="Members serving in the team now.")
    async def member_count(self, info: Info) -> int:
        return await info.context.loaders.get("TeamMemberCountByTeam", checkin.team_member_counts).load(
            self.id
        )

    @strawberry.field(description="The team's leader; for those who may see that member.")
    async def leader(self, info: Info) -> Member | None:
        return await Member.load_visible(info, self.leader_id)

    @strawberry.field(
        description="Members serving in the team now, first joined first; for the community's people."
    )
    async def members(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Member]:
        if not access.belongs_to(info.context.principal, self.community_id):
            return empty_connection()
        links = await nested_connection(
            info,
            "MembershipsByTeam",
            checkin.team_memberships(),
            parent_column="team_id",
            parent_id=self.id,
            order=("id",),
            to_node=lambda link: link,
            first=first,
            after=after,
        )
        rows = await info.context.loaders.by_id(MemberRow).load_many([e.node.member_id for e in links.edges])
        edges: list[Edge[Member]] = []
        for edge, row in zip(links.edges, rows, strict=True):
            assert row is not None  # a membership's member is not null, and cascades
            edges.append(Edge(cursor=edge.cursor, node=Member.from_model(row)))
        return Connection(edges=edges, page_info=links.page_info, _count=links._count)


# ------------------------------------------------------------------ orders and records


@strawberry.type(
    description="认事: a service asked by a resident or proposed by a member, done by one member."
)
class ServiceOrder(ModelNode):
    model = ServiceOrderRow
    id: relay.NodeID[int]
    title: str
    description: str
    specialty: SpecialtyEnum | None  # type: ignore[valid-type]
    status: ServiceOrderStatusEnum  # type: ignore[valid-type]
    created_at: datetime
    updated_at: datetime
    dispatched_at: datetime | None
    accepted_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    row: strawberry.Private[ServiceOrderRow]

    @classmethod
    def from_model(cls, obj: ServiceOrderRow) -> Self:
        return cls(
            id=obj.id,
            title=obj.title,
            description=obj.description,
            specialty=obj.specialty,
            status=obj.status,
            created_at=obj.created_at,
            updated_at=obj.updated_at,
            dispatched_at=obj.dispatched_at,
            accepted_at=obj.accepted_at,
            completed_at=obj.completed_at,
            cancelled_at=obj.cancelled_at,
            row=obj,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[ServiceOrderRow]) -> list[bool]:
        mine = await my_memberships(info)
        return [orders.may_see_order(info.context.principal, r, mine) for r in rows]

    @strawberry.field
    async def community(self, info: Info) -> CommunityRef:
        return await load_community(info, self.row.community_id)

    @strawberry.field(description="Who asked for it (or proposed it).")
    async def requester(self, info: Info) -> AccountRef:
        from schema.accounts import Account

        found = await Account.load(info, self.row.requester_id)
        assert found is not None
        return found

    @strawberry.field(description="The member doing it: who accepted it, or who proposed it.")
    async def assignee(self, info: Info) -> Member | None:
        return await Member.load(info, self.row.assignee_id)

    @strawberry.field(description="The service record, once completed.")
    async def service_record(self, info: Info) -> ServiceRecord | None:
        rows = await info.context.loaders.many_by(ServiceRecordRow, "order_id", "id").load(self.id)
        return ServiceRecord.from_model(rows[0]) if rows else None


@strawberry.type(description="服务纪实: a member's service, rated once by the community (一事一评).")
class ServiceRecord(ModelNode):
    model = ServiceRecordRow
    id: relay.NodeID[int]
    minutes: int
    summary: str
    at: datetime
    rating: ServiceRatingEnum | None  # type: ignore[valid-type]
    points: int | None = strawberry.field(
        description="Points credited for the rating: minutes × the rating's coefficient."
    )
    rated_at: datetime | None
    row: strawberry.Private[ServiceRecordRow]

    @classmethod
    def from_model(cls, obj: ServiceRecordRow) -> Self:
        return cls(
            id=obj.id,
            minutes=obj.minutes,
            summary=obj.summary,
            at=obj.at,
            rating=obj.rating,
            points=obj.points,
            rated_at=obj.rated_at,
            row=obj,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[ServiceRecordRow]) -> list[bool]:
        members = await info.context.loaders.by_id(MemberRow).load_many([r.member_id for r in rows])
        return [m is not None and access.sees_member_service(info.context.principal, m) for m in members]

    @strawberry.field
    async def member(self, info: Info) -> Member:
        row = await info.context.loaders.by_id(MemberRow).load(self.row.member_id)
        assert row is not None
        return Member.from_model(row)

    @strawberry.field
    async def community(self, info: Info) -> CommunityRef:
        return await load_community(info, self.row.community_id)

    @strawberry.field(
        description="The order the record completes, if any; null for those who may not see the order itself."
    )
    async def service_order(self, info: Info) -> ServiceOrder | None:
        # a work unit's admin sees its member's records, not the resident's request behind them
        return await ServiceOrder.load_visible(info, self.row.order_id)


@strawberry.type(description="One change of an account's points balance.")
class PointsLedgerEntry:
    delta: int
    balance: int = strawberry.field(description="The balance right after this entry.")
    reason: str
    source: str = strawberry.field(description="What caused it, as `<kind>:<id>`.")
    at: datetime

    @classmethod
    def from_model(cls, obj: LedgerRow) -> PointsLedgerEntry:
        return cls(delta=obj.delta, balance=obj.balance, reason=obj.reason, source=obj.source, at=obj.at)


@strawberry.type(description="A community's points per minute of service for each rating.")
class ServicePointsRule:
    excellent: float
    good: float
    fair: float
    poor: float

    @classmethod
    def of(cls, per_100: dict[ServiceRating, int]) -> ServicePointsRule:
        return cls(
            excellent=per_100[ServiceRating.EXCELLENT] / 100,
            good=per_100[ServiceRating.GOOD] / 100,
            fair=per_100[ServiceRating.FAIR] / 100,
            poor=per_100[ServiceRating.POOR] / 100,
        )


# ------------------------------------------------------------------ pairings


@strawberry.type(
    description="认亲: a member paired with a person the community cares for. Ended pairings are kept."
)
class Pairing(ModelNode):
    model = PairingRow
    id: relay.NodeID[int]
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    row: strawberry.Private[PairingRow]

    @classmethod
    def from_model(cls, obj: PairingRow) -> Self:
        return cls(
            id=obj.id, started_at=obj.started_at, ended_at=obj.ended_at, end_reason=obj.end_reason, row=obj
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[PairingRow]) -> list[bool]:
        members = await info.context.loaders.by_id(MemberRow).load_many([r.member_id for r in rows])
        return [
            pairings.may_see_pairing(info.context.principal, r, m) for r, m in zip(rows, members, strict=True)
        ]

    @strawberry.field(description="Whether the pairing lasts (approved and not ended).")
    def active(self) -> bool:
        return self.ended_at is None and self.row.approved_at is not None

    @strawberry.field(
        description="When the community's staff approved it; null while a member's request waits."
    )
    def approved_at(self) -> datetime | None:
        return self.row.approved_at

    @strawberry.field
    async def member(self, info: Info) -> Member:
        row = await info.context.loaders.by_id(MemberRow).load(self.row.member_id)
        assert row is not None
        return Member.from_model(row)

    @strawberry.field(
        description=(
            "The person cared for: name and category, personal data masked for members; "
            "null for the member until the community approves the pairing."
        )
    )
    async def recipient(self, info: Info) -> CareRecipient | None:
        # the pairing's own visibility (the member, the staff) is what lets a member see this person,
        # once the community's staff have approved it
        if self.row.approved_at is None and not info.context.principal.oversees(self.row.community_id):
            return None
        row = await info.context.loaders.by_id(CareRecipientRow).load(self.row.recipient_id)
        assert row is not None
        return CareRecipient.from_model(row)

    @strawberry.field(description="The member's visits, newest first.")
    async def visits(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Visit]:
        return await nested_connection(
            info,
            "VisitsByPairing",
            VisitRow.all(),
            parent_column="pairing_id",
            parent_id=self.id,
            order=("-at", "-id"),
            to_node=Visit.from_model,
            first=first,
            after=after,
        )


@strawberry.type(description="A paired member's visit.")
class Visit(ModelNode):
    model = VisitRow
    id: relay.NodeID[int]
    at: datetime
    minutes: int
    note: str

    @classmethod
    def from_model(cls, obj: VisitRow) -> Self:
        return cls(id=obj.id, at=obj.at, minutes=obj.minutes, note=obj.note)

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[VisitRow]) -> list[bool]:
        found = await info.context.loaders.by_id(PairingRow).load_many([r.pairing_id for r in rows])
        members = await info.context.loaders.by_id(MemberRow).load_many(
            [p.member_id if p else -1 for p in found]
        )
        return [
            p is not None and pairings.may_see_pairing(info.context.principal, p, m)
            for p, m in zip(found, members, strict=True)
        ]


# ------------------------------------------------------------------ mode


CommunityModeRef = Annotated["CommunityModeEnum", strawberry.lazy("schema.places")]  # type: ignore[valid-type]


@strawberry.type(description="常急转换: one switch of a community's mode.")
class CommunityModeChange:
    from_: CommunityModeRef = strawberry.field(name="from")
    to: CommunityModeRef
    at: datetime
    reason: str
    reassigned_members: int = strawberry.field(description="Members moved into or out of emergency teams.")
    community_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, obj: ModeChangeRow) -> CommunityModeChange:
        return cls(
            from_=CommunityMode(obj.from_mode),
            to=CommunityMode(obj.to_mode),
            at=obj.at,
            reason=obj.reason,
            reassigned_members=obj.reassigned,
            community_id=obj.community_id,
        )

    @strawberry.field
    async def community(self, info: Info) -> CommunityRef:
        return await load_community(info, self.community_id)
