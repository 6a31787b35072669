"""CommitteeMember, Room, ConsultationSlot, Consultation and message types, and the mixins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from api.errors import BadInput, UserError
from api.models.consultations import CommitteeMember as CommitteeMemberRow
from api.models.consultations import Consultation as ConsultationRow
from api.models.consultations import ConsultationMessage as ConsultationMessageRow
from api.models.consultations import ConsultationMode, ConsultationStatus
from api.models.consultations import ConsultationSlot as ConsultationSlotRow
from api.models.consultations import Room as RoomRow
from resolvers import consultations
from schema.base import (
    Connection,
    ModelNode,
    connection,
    list_connection,
    nested_connection,
)
from schema.context import Info

if TYPE_CHECKING:
    from schema.accounts import Account
    from schema.places import Community

ConsultationModeEnum = strawberry.enum(
    ConsultationMode,
    name="ConsultationMode",
    description="Online, or face to face in a room (委员在身边活动室).",
)
ConsultationStatusEnum = strawberry.enum(ConsultationStatus, name="ConsultationStatus")


class UpdateKind(StrEnum):
    CURRENT = "CURRENT"
    BOOKED = "BOOKED"
    STATUS_CHANGED = "STATUS_CHANGED"
    MESSAGE = "MESSAGE"
    REMINDER = "REMINDER"


ConsultationUpdateKindEnum = strawberry.enum(
    UpdateKind,
    name="ConsultationUpdateKind",
    description="CURRENT: the state when subscribing (or after a reconnect); then what changed.",
)


async def _member_account_id(info: Info, member_id: int) -> int | None:
    row = await info.context.loaders.by_id(CommitteeMemberRow).load(member_id)
    return None if row is None else row.account_id


@strawberry.federation.type(
    keys=["id"], name="CommitteeMember", description="政协委员: a committee member's public profile."
)
class CommitteeMember(ModelNode):
    model = CommitteeMemberRow
    id: relay.NodeID[int]
    name: str
    sector: str = strawberry.field(description="The sector (界别) the member represents.")
    title: str
    expertise: list[str]
    bio: str | None

    @classmethod
    def from_model(cls, obj: CommitteeMemberRow) -> Self:
        return cls(
            id=obj.id,
            name=obj.name,
            sector=obj.sector,
            title=obj.title,
            expertise=[e for e in obj.expertise.split("\n") if e],
            bio=obj.bio,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> list[bool]:
        return [r.active or info.context.principal.is_admin for r in rows]  # public profiles

    @strawberry.field(description="The communities the member serves.")
    async def communities(self, info: Info) -> list[Annotated[Community, strawberry.lazy("schema.places")]]:
        from api.models.places import Community as CommunityRow
        from schema.places import Community

        ids = await info.context.loaders.get(
            "CommunityIdsByCommitteeMember", consultations.member_community_ids
        ).load(self.id)
        rows = await info.context.loaders.by_id(CommunityRow).load_many(ids)
        return [Community.from_model(r) for r in rows if r is not None]

    @strawberry.field(
        description="Slots starting within [from, to) (at most 92 days), earliest first; public."
    )
    async def slots(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        only_available: bool = True,
    ) -> list[ConsultationSlot]:
        try:
            consultations.check_slot_range(from_, to)
        except UserError as exc:
            raise BadInput(exc.message) from exc

        async def batch(ids: list[int]) -> list[list[ConsultationSlotRow]]:
            return await consultations.slots_by_member(
                ids, start=from_, end=to, only_available=only_available
            )

        name = f"SlotsByCommitteeMember:{from_.isoformat()}:{to.isoformat()}:{only_available}"
        return [
            ConsultationSlot.from_model(s) for s in await info.context.loaders.get(name, batch).load(self.id)
        ]


@strawberry.type(description="委员在身边活动室: a room where residents meet committee members.")
class Room(ModelNode):
    model = RoomRow
    id: relay.NodeID[int]
    name: str
    address: str
    community_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, obj: RoomRow) -> Self:
        return cls(id=obj.id, name=obj.name, address=obj.address, community_id=obj.community_id)

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> list[bool]:
        return [True] * len(rows)

    @strawberry.field
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy("schema.places")]:
        from schema.places import Community

        found = await Community.load(info, self.community_id)
        assert found is not None
        return found


@strawberry.type(description="A time a committee member offers for a consultation.")
class ConsultationSlot(ModelNode):
    model = ConsultationSlotRow
    id: relay.NodeID[int]
    starts_at: datetime
    ends_at: datetime
    mode: ConsultationModeEnum  # type: ignore[valid-type]
    member_id: strawberry.Private[int]
    room_id: strawberry.Private[int | None]
    row: strawberry.Private[ConsultationSlotRow]

    @classmethod
    def from_model(cls, obj: ConsultationSlotRow) -> Self:
        return cls(
            id=obj.id,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            mode=obj.mode,
            member_id=obj.member_id,
            room_id=obj.room_id,
            row=obj,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> list[bool]:
        return [True] * len(rows)

    @strawberry.field(description="Open for booking: not booked, not withdrawn, not started.")
    def available(self) -> bool:
        return consultations.is_available(self.row)

    @strawberry.field(description="Where a face-to-face consultation takes place.")
    async def room(self, info: Info) -> Room | None:
        return await Room.load(info, self.room_id)

    @strawberry.field
    async def committee_member(self, info: Info) -> CommitteeMember:
        found = await CommitteeMember.load(info, self.member_id)
        assert found is not None
        return found


@strawberry.type(description="A message between the resident and the committee member.")
class ConsultationMessage(ModelNode):
    model = ConsultationMessageRow
    id: relay.NodeID[int]
    body: str
    sent_at: datetime
    author_id: strawberry.Private[int]
    consultation_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, obj: ConsultationMessageRow) -> Self:
        return cls(
            id=obj.id,
            body=obj.body,
            sent_at=obj.sent_at,
            author_id=obj.author_id,
            consultation_id=obj.consultation_id,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> list[bool]:
        parents = await info.context.loaders.by_id(ConsultationRow).load_many(
            [r.consultation_id for r in rows]
        )
        return await _parties(info, [p for p in parents if p is not None], parents)

    @strawberry.field
    async def author(self, info: Info) -> Annotated[Account, strawberry.lazy("schema.accounts")]:
        from schema.accounts import Account

        found = await Account.load(info, self.author_id)
        assert found is not None
        return found


async def _parties(
    info: Info, found: Sequence[ConsultationRow], rows: Sequence[ConsultationRow | None]
) -> list[bool]:
    principal = info.context.principal
    members = await info.context.loaders.by_id(CommitteeMemberRow).load_many([r.member_id for r in found])
    member_accounts = {m.id: m.account_id for m in members if m is not None}
    return [
        r is not None
        and (principal.is_admin or principal.account_id in (r.resident_id, member_accounts.get(r.member_id)))
        for r in rows
    ]


@strawberry.type(description="A resident's booking of a committee member's slot, and its conversation.")
class Consultation(ModelNode):
    model = ConsultationRow
    id: relay.NodeID[int]
    status: ConsultationStatusEnum  # type: ignore[valid-type]
    mode: ConsultationModeEnum  # type: ignore[valid-type]
    topic: str
    details: str | None
    starts_at: datetime
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    slot_id: strawberry.Private[int]
    member_id: strawberry.Private[int]
    resident_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, obj: ConsultationRow) -> Self:
        return cls(
            id=obj.id,
            status=obj.status,
            mode=obj.mode,
            topic=obj.topic,
            details=obj.details,
            starts_at=obj.starts_at,
            cancel_reason=obj.cancel_reason,
            created_at=obj.created_at,
            updated_at=obj.updated_at,
            slot_id=obj.slot_id,
            member_id=obj.member_id,
            resident_id=obj.resident_id,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> list[bool]:
        return await _parties(info, rows, rows)

    @strawberry.field
    async def slot(self, info: Info) -> ConsultationSlot:
        found = await ConsultationSlot.load(info, self.slot_id)
        assert found is not None
        return found

    @strawberry.field
    async def committee_member(self, info: Info) -> CommitteeMember:
        found = await CommitteeMember.load(info, self.member_id)
        assert found is not None
        return found

    @strawberry.field(description="The resident who booked.")
    async def resident(self, info: Info) -> Annotated[Account, strawberry.lazy("schema.accounts")]:
        from schema.accounts import Account

        found = await Account.load(info, self.resident_id)
        assert found is not None
        return found

    @strawberry.field(description="The conversation, oldest first; pages forward with `first`/`after`.")
    async def messages(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ConsultationMessage]:
        return await nested_connection(
            info,
            "MessagesByConsultation",
            consultations.messages_queryset(),
            parent_column="consultation_id",
            parent_id=self.id,
            order=("sent_at", "id"),
            to_node=ConsultationMessage.from_model,
            first=first,
            after=after,
        )


@strawberry.type(description="Something that happened to a consultation.")
class ConsultationUpdate:
    kind: ConsultationUpdateKindEnum  # type: ignore[valid-type]
    at: datetime
    consultation: Consultation
    message: ConsultationMessage | None = strawberry.field(description="The new message, for kind MESSAGE.")


# ------------------------------------------------------------------ community and account mixins


@strawberry.type
class CommunityConsultations:
    @strawberry.field(description="The committee members serving the community; public.")
    async def committee_members(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CommitteeMember]:
        community_id: int = self.id  # type: ignore[attr-defined]
        qs = consultations.committee_members(community_id=community_id)
        return await connection(
            info, qs, CommitteeMember.from_model, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="The community's rooms for meeting committee members (委员在身边活动室).")
    async def rooms(self, info: Info) -> list[Room]:
        community_id: int = self.id  # type: ignore[attr-defined]
        rows = await info.context.loaders.many_by(RoomRow, "community_id", "id").load(community_id)
        return [Room.from_model(r) for r in rows]


@strawberry.type
class AccountConsultations:
    @strawberry.field(
        description="Consultations the account takes part in (as resident or committee member), "
        "latest first; only on one's own account."
    )
    async def consultations(
        self,
        info: Info,
        status: list[ConsultationStatusEnum] | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Consultation]:
        account_id: int = self.id  # type: ignore[attr-defined]
        if info.context.principal.account_id != account_id:
            return list_connection(info, [], Consultation.from_model)
        return await connection(
            info,
            consultations.consultations_of(account_id, statuses=status),
            Consultation.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(description="The account's committee member profile, if it has one.")
    async def committee_member(self, info: Info) -> CommitteeMember | None:
        account_id: int = self.id  # type: ignore[attr-defined]

        async def batch(ids: list[int]) -> list[CommitteeMemberRow | None]:
            rows = {r.account_id: r for r in await CommitteeMemberRow.filter(account_id__in=ids)}
            return [rows.get(i) for i in ids]

        row = await info.context.loaders.get("CommitteeMemberByAccount", batch).load(account_id)
        return None if row is None else CommitteeMember.from_model(row)
