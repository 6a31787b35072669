"""Committee members (政协e家), rooms, slots, consultations and their messages.

Profiles, rooms and open slots are public; a consultation and its messages are seen only by
its resident and its committee member (and administrators).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
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
from api.pagination import pages_by_parent
from resolvers import consultations
from schema.base import (
    Connection,
    IsAuthenticated,
    ModelNode,
    UserErrorType,
    decode_id,
    decode_optional,
    mutate,
    require_account,
    window,
)
from schema.context import Info
from schema.stations import list_connection, paged

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
    return None if row is None else row.account_id  # type: ignore[attr-defined]


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

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        nodes = await cls.resolve_nodes(info=info, node_ids=[str(relay.GlobalID.from_id(id).node_id)])
        return nodes[0]

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
        return cls(id=obj.id, name=obj.name, address=obj.address, community_id=obj.community_id)  # type: ignore[attr-defined]

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
            member_id=obj.member_id,  # type: ignore[attr-defined]
            room_id=obj.room_id,  # type: ignore[attr-defined]
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
            author_id=obj.author_id,  # type: ignore[attr-defined]
            consultation_id=obj.consultation_id,  # type: ignore[attr-defined]
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
    members = await info.context.loaders.by_id(CommitteeMemberRow).load_many([r.member_id for r in found])  # type: ignore[attr-defined]
    member_accounts = {m.id: m.account_id for m in members if m is not None}  # type: ignore[attr-defined]
    return [
        r is not None
        and (principal.is_admin or principal.account_id in (r.resident_id, member_accounts.get(r.member_id)))  # type: ignore[attr-defined]
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
            slot_id=obj.slot_id,  # type: ignore[attr-defined]
            member_id=obj.member_id,  # type: ignore[attr-defined]
            resident_id=obj.resident_id,  # type: ignore[attr-defined]
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
        w = window(info, first, after)

        async def batch(ids: list[int]) -> list[Any]:
            pages = await pages_by_parent(
                consultations.messages_queryset(),
                parent_column="consultation_id",
                parent_ids=ids,
                order=("sent_at", "id"),
                window=w,
            )
            return [pages[i] for i in ids]

        result = await info.context.loaders.get(f"MessagesByConsultation:{w.first}:{w.after}", batch).load(
            self.id
        )
        return Connection.of(result, ConsultationMessage.from_model)


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
        return await paged(
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
        return await paged(
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
            rows = {r.account_id: r for r in await CommitteeMemberRow.filter(account_id__in=ids)}  # type: ignore[attr-defined]
            return [rows.get(i) for i in ids]

        row = await info.context.loaders.get("CommitteeMemberByAccount", batch).load(account_id)
        return None if row is None else CommitteeMember.from_model(row)


# ------------------------------------------------------------------ inputs and payloads


@strawberry.input
class CommitteeMemberFilter:
    community_id: strawberry.ID | None = None
    expertise: str | None = strawberry.field(
        default=None, description="Part of an area of expertise, e.g. 法律."
    )
    search: str | None = strawberry.field(default=None, description="Part of the name or sector.")


@strawberry.input
class CommitteeMemberCreateInput:
    account_id: strawberry.ID = strawberry.field(
        description="The member's account; it gets the COMMITTEE_MEMBER role."
    )
    name: str
    sector: str
    title: str
    expertise: list[str]
    community_ids: list[strawberry.ID]
    bio: str | None = None


@strawberry.type
class CommitteeMemberPayload:
    committee_member: CommitteeMember | None = None
    errors: list[UserErrorType]


@strawberry.input
class RoomCreateInput:
    community_id: strawberry.ID
    name: str
    address: str


@strawberry.type
class RoomPayload:
    room: Room | None = None
    errors: list[UserErrorType]


@strawberry.input
class ConsultationSlotInput:
    starts_at: datetime
    ends_at: datetime
    mode: ConsultationModeEnum  # type: ignore[valid-type]
    room_id: strawberry.ID | None = strawberry.field(default=None, description="Required for IN_PERSON.")


@strawberry.input
class ConsultationSlotsCreateInput:
    committee_member_id: strawberry.ID
    slots: list[ConsultationSlotInput]


@strawberry.type
class ConsultationSlotsPayload:
    slots: list[ConsultationSlot] | None = None
    errors: list[UserErrorType]


@strawberry.input
class ConsultationSlotWithdrawInput:
    slot_id: strawberry.ID


@strawberry.type
class ConsultationSlotPayload:
    slot: ConsultationSlot | None = None
    errors: list[UserErrorType]


@strawberry.input
class ConsultationBookInput:
    slot_id: strawberry.ID
    topic: str
    details: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key books once."
    )


@strawberry.input
class ConsultationCancelInput:
    id: strawberry.ID
    reason: str | None = None


@strawberry.input
class ConsultationStatusInput:
    id: strawberry.ID


@strawberry.type
class ConsultationPayload:
    consultation: Consultation | None = None
    errors: list[UserErrorType]


@strawberry.input
class ConsultationMessageSendInput:
    consultation_id: strawberry.ID
    body: str


@strawberry.type
class ConsultationMessagePayload:
    message: ConsultationMessage | None = None
    errors: list[UserErrorType]


@strawberry.type
class Query:
    @strawberry.field(description="Committee members' public profiles, by community and expertise; public.")
    async def committee_members(
        self,
        info: Info,
        filter: CommitteeMemberFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CommitteeMember]:
        f = filter or CommitteeMemberFilter()
        try:
            community_id = decode_optional(f.community_id, "Community", field="communityId")
        except UserError as exc:
            raise BadInput(exc.message) from exc
        qs = consultations.committee_members(
            community_id=community_id, expertise=f.expertise, search=f.search
        )
        return await paged(
            info, qs, CommitteeMember.from_model, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="One committee member's public profile; public.")
    async def committee_member(self, info: Info, id: strawberry.ID) -> CommitteeMember | None:
        try:
            pk = decode_id(id, CommitteeMember)
        except UserError:
            return None
        nodes = await CommitteeMember.resolve_nodes(info=info, node_ids=[str(pk)])
        return nodes[0]

    @strawberry.field(description="A community's rooms for meeting committee members; public.")
    async def rooms(self, info: Info, community_id: strawberry.ID) -> list[Room]:
        try:
            pk = decode_id(community_id, "Community", field="communityId")
        except UserError as exc:
            raise BadInput(exc.message) from exc
        return [Room.from_model(r) for r in await consultations.rooms(community_id=pk)]


def _status_mutation(status: ConsultationStatus, description: str) -> Any:
    async def resolver(self: Any, info: Info, input: ConsultationStatusInput) -> ConsultationPayload:
        return await mutate(
            ConsultationPayload,
            lambda: consultations.set_status(
                principal=require_account(info),
                consultation_id=decode_id(input.id, Consultation),
                status=status,
            ),
            lambda c: {"consultation": Consultation.from_model(c)},
        )

    return strawberry.mutation(
        resolver=resolver, permission_classes=[IsAuthenticated], description=description
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Add a committee member's profile (ADMIN, or the admin of each of its communities).",
    )
    async def committee_member_create(
        self, info: Info, input: CommitteeMemberCreateInput
    ) -> CommitteeMemberPayload:
        return await mutate(
            CommitteeMemberPayload,
            lambda: consultations.create_committee_member(
                principal=info.context.principal,
                account_id=decode_id(input.account_id, "Account", field="accountId"),
                name=input.name,
                sector=input.sector,
                title=input.title,
                expertise=input.expertise,
                bio=input.bio,
                community_ids=[decode_id(c, "Community", field="communityIds") for c in input.community_ids],
            ),
            lambda m: {"committee_member": CommitteeMember.from_model(m)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Add a room (the community's admin)."
    )
    async def room_create(self, info: Info, input: RoomCreateInput) -> RoomPayload:
        return await mutate(
            RoomPayload,
            lambda: consultations.create_room(
                principal=info.context.principal,
                community_id=decode_id(input.community_id, "Community", field="communityId"),
                name=input.name,
                address=input.address,
            ),
            lambda r: {"room": Room.from_model(r)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Publish slots (the member, or their community's admin): no overlaps, no room twice.",
    )
    async def consultation_slots_create(
        self, info: Info, input: ConsultationSlotsCreateInput
    ) -> ConsultationSlotsPayload:
        def specs() -> list[consultations.SlotSpec]:
            return [
                consultations.SlotSpec(
                    starts_at=s.starts_at,
                    ends_at=s.ends_at,
                    mode=ConsultationMode(s.mode),
                    room_id=decode_optional(s.room_id, Room, field=f"slots.{i}.roomId"),
                )
                for i, s in enumerate(input.slots)
            ]

        return await mutate(
            ConsultationSlotsPayload,
            lambda: consultations.create_slots(
                principal=info.context.principal,
                member_id=decode_id(input.committee_member_id, CommitteeMember, field="committeeMemberId"),
                slots=specs(),
            ),
            lambda rows: {"slots": [ConsultationSlot.from_model(s) for s in rows]},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Withdraw an open slot (the member)."
    )
    async def consultation_slot_withdraw(
        self, info: Info, input: ConsultationSlotWithdrawInput
    ) -> ConsultationSlotPayload:
        return await mutate(
            ConsultationSlotPayload,
            lambda: consultations.withdraw_slot(
                principal=info.context.principal,
                slot_id=decode_id(input.slot_id, ConsultationSlot, field="slotId"),
            ),
            lambda s: {"slot": ConsultationSlot.from_model(s)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Book a slot: ALREADY_TAKEN when someone else got it first, LIMIT_REACHED "
        "with too many upcoming bookings; once per idempotency key.",
    )
    async def consultation_book(self, info: Info, input: ConsultationBookInput) -> ConsultationPayload:
        return await mutate(
            ConsultationPayload,
            lambda: consultations.book(
                principal=require_account(info),
                slot_id=decode_id(input.slot_id, ConsultationSlot, field="slotId"),
                topic=input.topic,
                details=input.details,
                idempotency_key=input.idempotency_key,
            ),
            lambda c: {"consultation": Consultation.from_model(c)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Cancel (the resident or the committee member); the slot opens again.",
    )
    async def consultation_cancel(self, info: Info, input: ConsultationCancelInput) -> ConsultationPayload:
        return await mutate(
            ConsultationPayload,
            lambda: consultations.cancel(
                principal=require_account(info),
                consultation_id=decode_id(input.id, Consultation),
                reason=input.reason,
            ),
            lambda c: {"consultation": Consultation.from_model(c)},
        )

    consultation_confirm: ConsultationPayload = _status_mutation(
        ConsultationStatus.CONFIRMED, "Confirm a requested consultation (the committee member)."
    )
    consultation_complete: ConsultationPayload = _status_mutation(
        ConsultationStatus.COMPLETED, "Mark a consultation held (the committee member, once it has started)."
    )
    consultation_mark_no_show: ConsultationPayload = _status_mutation(
        ConsultationStatus.NO_SHOW,
        "Mark that the resident did not come (the committee member, once it has started).",
    )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Send a message to the other party of a consultation (its two parties only).",
    )
    async def consultation_message_send(
        self, info: Info, input: ConsultationMessageSendInput
    ) -> ConsultationMessagePayload:
        return await mutate(
            ConsultationMessagePayload,
            lambda: consultations.send_message(
                principal=require_account(info),
                consultation_id=decode_id(input.consultation_id, Consultation, field="consultationId"),
                body=input.body,
            ),
            lambda m: {"message": ConsultationMessage.from_model(m)},
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="A consultation's state now, then its status changes, messages and "
        "reminders (its two parties).",
    )
    async def consultation_updates(
        self, info: Info, consultation_id: strawberry.ID
    ) -> AsyncGenerator[ConsultationUpdate, None]:
        try:
            pk = decode_id(consultation_id, Consultation, field="consultationId")
        except UserError as exc:
            raise BadInput(exc.message) from exc
        updates = consultations.follow(principal=info.context.principal, consultation_id=pk)
        try:
            first = await anext(updates)
        except UserError as exc:
            raise BadInput(exc.message) from exc
        yield _update(first)
        async for item in updates:
            yield _update(item)


def _update(item: consultations.Followed) -> ConsultationUpdate:
    return ConsultationUpdate(
        kind=UpdateKind(item.kind),
        at=item.at,
        consultation=Consultation.from_model(item.consultation),
        message=ConsultationMessage.from_model(item.message) if item.message is not None else None,
    )
