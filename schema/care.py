"""Care recipients (关爱对象): people the community watches over. Their personal data is masked or audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self, TypeVar

import strawberry
from strawberry import relay

from api.audit import record_reads
from api.models.accounts import Role
from api.models.care import CareCategory
from api.models.care import CareRecipient as CareRecipientRow
from api.privacy import mask_address, mask_phone
from resolvers import care
from schema.base import (
    Connection,
    GeoPoint,
    GeoPointInput,
    HasRole,
    IsAuthenticated,
    ModelNode,
    UserErrorType,
    connection,
    decode_id,
    decode_optional,
    encode_id,
    mutate,
)
from schema.context import Info
from schema.sharing import mark_unshareable

if TYPE_CHECKING:
    from schema.places import Community

T = TypeVar("T")

CareCategoryEnum = strawberry.enum(
    CareCategory, name="CareCategory", description="Why a person is cared for."
)


async def audit_read(info: Info, recipient_id: int, field: str) -> None:
    """Record a staff read of a personal field; the reads of one request go to the log in one statement."""

    async def write(keys: list[tuple[int, str]]) -> list[None]:
        by_subject: dict[int, set[str]] = {}
        for rid, f in keys:
            by_subject.setdefault(rid, set()).add(f)
        reason = f"{info.operation.operation.value} {info.operation.name or 'anonymous'}"
        for rid, fields in by_subject.items():
            await record_reads(
                info.context.principal,
                action="careRecipient.read",
                subject_ids=[encode_id("CareRecipient", rid)],
                reason=reason,
                fields=fields,
            )
        return [None] * len(keys)

    mark_unshareable(info.context)  # this read is recorded per reader: its result is never shared
    await info.context.loaders.get("AuditCareRecipientReads", write).load((recipient_id, field))


@strawberry.type(
    description="A person the community cares for: an elderly person living alone, a left-behind child…"
)
class CareRecipient(ModelNode):
    model = CareRecipientRow
    id: relay.NodeID[int]
    name: str
    category: CareCategoryEnum  # type: ignore[valid-type]
    created_at: datetime
    community_id: strawberry.Private[int]
    row: strawberry.Private[CareRecipientRow]

    @classmethod
    def from_model(cls, obj: CareRecipientRow) -> Self:
        return cls(
            id=obj.id,
            name=obj.name,
            category=obj.category,
            created_at=obj.created_at,
            community_id=obj.community_id,
            row=obj,
        )

    @classmethod
    async def visible(cls, info: Info, rows: list[CareRecipientRow]) -> list[bool]:  # type: ignore[override]
        return [care.may_read(info.context.principal, r) for r in rows]

    async def _personal(
        self, info: Info, field: str, value: T | None, mask: Callable[[T], T | None] | None
    ) -> T | None:
        if value is None:
            return None
        if info.context.principal.serves(self.community_id):
            await audit_read(info, self.id, field)
            return value
        return mask(value) if mask else None

    @strawberry.field(description="Personal: in full for the community's staff (audited), masked for others.")
    async def phone(self, info: Info) -> str | None:
        return await self._personal(info, "phone", self.row.phone, mask_phone)

    @strawberry.field(description="Personal: in full for the community's staff (audited), masked for others.")
    async def address(self, info: Info) -> str | None:
        return await self._personal(info, "address", self.row.address, mask_address)

    @strawberry.field(description="Personal: in full for the community's staff (audited), masked for others.")
    async def guardian_phone(self, info: Info) -> str | None:
        return await self._personal(info, "guardianPhone", self.row.guardian_phone, mask_phone)

    @strawberry.field(description="Personal: home location, for the community's staff only (audited).")
    async def location(self, info: Info) -> GeoPoint | None:
        point = GeoPoint.maybe(self.row.lat, self.row.lng)
        return await self._personal(info, "location", point, None)

    @strawberry.field
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy("schema.places")]:
        from schema.places import Community

        found = await Community.load(info, self.community_id)
        assert found is not None
        return found


@strawberry.input
class CareRecipientCreateInput:
    community_id: strawberry.ID
    name: str
    category: CareCategoryEnum  # type: ignore[valid-type]
    phone: str | None = None
    address: str | None = None
    guardian_phone: str | None = None
    location: GeoPointInput | None = None


@strawberry.type
class CareRecipientCreatePayload:
    care_recipient: CareRecipient | None = None
    errors: list[UserErrorType]


STAFF = (Role.GRID_WORKER, Role.COMMUNITY_ADMIN, Role.CITY_OPERATOR)


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[HasRole(*STAFF)], description="People cared for, in the communities you serve."
    )
    async def care_recipients(
        self,
        info: Info,
        community_id: strawberry.ID | None = None,
        category: CareCategoryEnum | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CareRecipient]:
        cid = decode_optional(community_id, "Community", field="communityId") if community_id else None
        qs = care.care_recipients(principal=info.context.principal, community_id=cid, category=category)
        return await connection(
            info, qs, CareRecipient.from_model, first=first, after=after, last=last, before=before
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Register a person the community cares for (grid workers, community admins).",
    )
    async def care_recipient_create(
        self, info: Info, input: CareRecipientCreateInput
    ) -> CareRecipientCreatePayload:
        return await mutate(
            CareRecipientCreatePayload,
            lambda: care.create_care_recipient(
                principal=info.context.principal,
                community_id=decode_id(input.community_id, "Community", field="communityId"),
                name=input.name,
                category=input.category,
                phone=input.phone,
                address=input.address,
                guardian_phone=input.guardian_phone,
                lat=input.location.lat if input.location else None,
                lng=input.location.lng if input.location else None,
            ),
            lambda r: {"care_recipient": CareRecipient.from_model(r)},
        )
