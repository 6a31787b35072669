"""Communities, grids and organisations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay

from api.models.places import Community as CommunityRow
from api.models.places import CommunityMode, GridWorker, OrganizationKind
from api.models.places import Grid as GridRow
from api.models.places import Organization as OrganizationRow
from resolvers import places
from schema.base import (
    Connection,
    GeoPoint,
    GeoPointInput,
    HasRole,
    IsAuthenticated,
    IsAuthenticatedOr,
    ModelNode,
    UserErrorType,
    connection,
    decode_id,
    decode_optional,
    mutate,
)
from schema.context import Info

if TYPE_CHECKING:
    from schema.accounts import Account

from api.models.accounts import Role

CommunityModeEnum = strawberry.enum(
    CommunityMode, name="CommunityMode", description="常急转换: normal, emergency, extreme."
)
OrganizationKindEnum = strawberry.enum(OrganizationKind, name="OrganizationKind")


@strawberry.type
class PlacesStats:
    community_id: strawberry.Private[int]

    @strawberry.field(description="Accounts living in the community (residents).")
    async def residents(self, info: Info) -> int:
        return await info.context.loaders.get("ResidentCountByCommunity", places.resident_counts).load(
            self.community_id
        )


# Each domain adds its counts (`<Domain>Stats`) and its lists on a community (`Community<Domain>`)
# as a mixin, listed here; the mixins use lazy references back to this module.
from schema import consultations, devices, members, reports, stations  # noqa: E402  (they refer back lazily)

STATS_MIXINS: tuple[type, ...] = (
    PlacesStats,
    reports.ReportsStats,
    members.MembersStats,
    devices.DevicesStats,
)
COMMUNITY_MIXINS: tuple[type, ...] = (
    reports.CommunityReports,
    members.CommunityMembers,
    consultations.CommunityConsultations,
    stations.CommunityStations,
    devices.CommunityDevices,
)


@strawberry.type(description="Counts shown on a community's dashboard.")
class CommunityStats(*STATS_MIXINS):  # type: ignore[misc]
    community_id: strawberry.Private[int]


@strawberry.federation.type(keys=["id"], name="Community", description="社区: a residential community.")
class Community(*COMMUNITY_MIXINS, ModelNode):  # type: ignore[misc]
    model = CommunityRow
    id: relay.NodeID[int]
    name: str
    code: str = strawberry.field(description="The code on the community's check-in poster (QR code).")
    city: str
    district: str
    street: str
    location: GeoPoint | None
    mode: CommunityModeEnum  # type: ignore[valid-type]

    @classmethod
    def from_model(cls, obj: CommunityRow) -> Self:
        return cls(
            id=obj.id,
            name=obj.name,
            code=obj.code,
            city=obj.city,
            district=obj.district,
            street=obj.street,
            location=GeoPoint.maybe(obj.lat, obj.lng),
            mode=obj.mode,
        )

    @strawberry.field(description="The community's grids (网格).")
    async def grids(self, info: Info) -> list[Grid]:
        rows = await info.context.loaders.many_by(GridRow, "community_id", "id").load(self.id)
        return [Grid.from_model(r) for r in rows]

    @strawberry.field(description="Organisations based in the community.")
    async def organizations(self, info: Info) -> list[Organization]:
        rows = await info.context.loaders.many_by(OrganizationRow, "community_id", "id").load(self.id)
        return [Organization.from_model(r) for r in rows]

    @strawberry.field(description="Counts for dashboards.")
    def stats(self) -> CommunityStats:
        return CommunityStats(community_id=self.id)


@strawberry.type(description="网格: a block of households looked after by grid workers.")
class Grid(ModelNode):
    model = GridRow
    id: relay.NodeID[int]
    name: str
    community_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, obj: GridRow) -> Self:
        return cls(id=obj.id, name=obj.name, community_id=obj.community_id)

    @strawberry.field
    async def community(self, info: Info) -> Community:
        found = await Community.load(info, self.community_id)
        assert found is not None
        return found

    @strawberry.field(description="The grid workers (网格员) assigned to this grid.")
    async def grid_workers(self, info: Info) -> list[Annotated[Account, strawberry.lazy("schema.accounts")]]:
        from api.models.accounts import Account as AccountRow
        from schema.accounts import Account

        links = await info.context.loaders.many_by(GridWorker, "grid_id", "id").load(self.id)
        rows = await info.context.loaders.by_id(AccountRow).load_many([link.account_id for link in links])
        return [Account.from_model(r) for r in rows if r is not None]


@strawberry.federation.type(
    keys=["id"], name="Organization", description="An organisation: work unit, property company, street…"
)
class Organization(ModelNode):
    model = OrganizationRow
    id: relay.NodeID[int]
    name: str
    kind: OrganizationKindEnum  # type: ignore[valid-type]
    community_id: strawberry.Private[int | None]
    parent_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, obj: OrganizationRow) -> Self:
        return cls(
            id=obj.id,
            name=obj.name,
            kind=obj.kind,
            community_id=obj.community_id,
            parent_id=obj.parent_id,
        )

    @strawberry.field
    async def community(self, info: Info) -> Community | None:
        return await Community.load(info, self.community_id)

    @strawberry.field(description="The organisation this one belongs to (e.g. a street's city office).")
    async def parent(self, info: Info) -> Organization | None:
        return await Organization.load(info, self.parent_id)


# ------------------------------------------------------------------ inputs and payloads


@strawberry.input
class CommunityCreateInput:
    name: str
    code: str = strawberry.field(description="Letters, digits, '-' and '_'; stored upper-case; unique.")
    city: str
    district: str
    street: str
    location: GeoPointInput | None = None


@strawberry.type
class CommunityCreatePayload:
    community: Community | None = None
    errors: list[UserErrorType]


@strawberry.input
class GridCreateInput:
    community_id: strawberry.ID
    name: str


@strawberry.type
class GridPayload:
    grid: Grid | None = None
    errors: list[UserErrorType]


@strawberry.input
class GridWorkerAssignInput:
    grid_id: strawberry.ID
    account_id: strawberry.ID


@strawberry.input
class OrganizationCreateInput:
    name: str
    kind: OrganizationKindEnum  # type: ignore[valid-type]
    community_id: strawberry.ID | None = None
    parent_id: strawberry.ID | None = None


@strawberry.type
class OrganizationCreatePayload:
    organization: Organization | None = None
    errors: list[UserErrorType]


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[IsAuthenticatedOr("read:communities")],
        description="One community (also for portals whose key reads communities).",
    )
    async def community(self, info: Info, id: strawberry.ID) -> Community | None:
        try:
            pk = decode_id(id, Community)
        except Exception:
            return None
        return await Community.load(info, pk)

    @strawberry.field(
        permission_classes=[IsAuthenticatedOr("read:communities")],
        description="Communities, by name or city (also for portals whose key reads communities).",
    )
    async def communities(
        self,
        info: Info,
        search: str | None = None,
        city: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Community]:
        return await connection(
            info,
            places.communities(search=search, city=city),
            Community.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated], description="Organisations, by kind or community."
    )
    async def organizations(
        self,
        info: Info,
        kind: OrganizationKindEnum | None = None,  # type: ignore[valid-type]
        community_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Organization]:
        cid = decode_optional(community_id, Community, field="communityId") if community_id else None
        return await connection(
            info,
            places.organizations(kind=kind, community_id=cid),
            Organization.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[HasRole(Role.ADMIN)], description="Create a community (ADMIN).")
    async def community_create(self, info: Info, input: CommunityCreateInput) -> CommunityCreatePayload:
        return await mutate(
            CommunityCreatePayload,
            lambda: places.create_community(
                principal=info.context.principal,
                name=input.name,
                code=input.code,
                city=input.city,
                district=input.district,
                street=input.street,
                lat=input.location.lat if input.location else None,
                lng=input.location.lng if input.location else None,
            ),
            lambda c: {"community": Community.from_model(c)},
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN)], description="Create a grid (COMMUNITY_ADMIN)."
    )
    async def grid_create(self, info: Info, input: GridCreateInput) -> GridPayload:
        return await mutate(
            GridPayload,
            lambda: places.create_grid(
                principal=info.context.principal,
                community_id=decode_id(input.community_id, Community, field="communityId"),
                name=input.name,
            ),
            lambda g: {"grid": Grid.from_model(g)},
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN)],
        description="Put an account on a grid as its grid worker (COMMUNITY_ADMIN).",
    )
    async def grid_worker_assign(self, info: Info, input: GridWorkerAssignInput) -> GridPayload:
        from schema.accounts import Account

        return await mutate(
            GridPayload,
            lambda: places.assign_grid_worker(
                principal=info.context.principal,
                grid_id=decode_id(input.grid_id, Grid, field="gridId"),
                account_id=decode_id(input.account_id, Account, field="accountId"),
            ),
            lambda g: {"grid": Grid.from_model(g)},
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN)],
        description="Create an organisation (ADMIN, or COMMUNITY_ADMIN within their community).",
    )
    async def organization_create(
        self, info: Info, input: OrganizationCreateInput
    ) -> OrganizationCreatePayload:
        return await mutate(
            OrganizationCreatePayload,
            lambda: places.create_organization(
                principal=info.context.principal,
                name=input.name,
                kind=input.kind,
                community_id=decode_optional(input.community_id, Community, field="communityId"),
                parent_id=decode_optional(input.parent_id, Organization, field="parentId"),
            ),
            lambda o: {"organization": Organization.from_model(o)},
        )
