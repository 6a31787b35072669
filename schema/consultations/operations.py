"""Inputs, payloads, queries, mutations and the subscription of consultations."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry

from api.errors import BadInput, UserError
from api.models.consultations import ConsultationMode, ConsultationStatus
from resolvers import consultations
from schema.base import (
    Connection,
    IsAuthenticated,
    UserErrorType,
    connection,
    decode_id,
    decode_optional,
    mutate,
    require_account,
)
from schema.context import Info

if TYPE_CHECKING:
    pass
from schema.consultations.types import (
    CommitteeMember,
    Consultation,
    ConsultationMessage,
    ConsultationModeEnum,
    ConsultationSlot,
    ConsultationUpdate,
    Room,
    UpdateKind,
)


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
        return await connection(
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
