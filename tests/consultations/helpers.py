"""Shared helpers of the consultations tests."""

from __future__ import annotations

from datetime import timedelta

from api import clock
from api.models.accounts import Account, Role, RoleGrant
from api.models.consultations import (
    CommitteeMember,
    CommitteeMemberCommunity,
    ConsultationMode,
    ConsultationSlot,
    Room,
)
from api.models.places import Community
from schema.base import encode_id

BOOK = """
mutation BookConsultation($slotId: ID!, $topic: String!, $details: String, $idempotencyKey: String) {
  consultationBook(input: { slotId: $slotId, topic: $topic, details: $details, idempotencyKey: $idempotencyKey }) {
    consultation { id status mode topic slot { id startsAt endsAt } committeeMember { id name } }
    errors { field code message }
  }
}"""
CANCEL = """
mutation CancelConsultation($id: ID!, $reason: String) {
  consultationCancel(input: { id: $id, reason: $reason }) {
    consultation { id status }
    errors { field code message }
  }
}"""
OPEN_SLOTS = """
query OpenSlots($committeeMemberId: ID!, $from: DateTime!, $to: DateTime!) {
  committeeMember(id: $committeeMemberId) {
    id name
    slots(from: $from, to: $to, onlyAvailable: true) { id startsAt endsAt mode available room { id name address } }
  }
}"""
SEND = """
mutation SendConsultationMessage($consultationId: ID!, $body: String!) {
  consultationMessageSend(input: { consultationId: $consultationId, body: $body }) {
    message { id body sentAt }
    errors { field code message }
  }
}"""
UPDATES = """
subscription ConsultationUpdates($consultationId: ID!) {
  consultationUpdates(consultationId: $consultationId) {
    kind
    consultation { id status }
    message { id body sentAt author { displayName } }
  }
}"""
MY_CONSULTATIONS = """
query MyConsultations {
  me {
    consultations(first: 20) {
      edges { node { id status mode topic slot { startsAt endsAt } committeeMember { id name }
        messages(first: 50) { edges { node { id body sentAt author { displayName } } } } } }
    }
  }
}"""


async def committee_member(
    factory,
    community: Community,
    *,
    name: str = "何显刚",
    expertise: str = "法律\n遗嘱",
    sector: str = "法律界",
) -> tuple[CommitteeMember, Account]:
    account = await factory.account(Role.COMMITTEE_MEMBER, community, display_name=f"{name}委员")
    member = await CommitteeMember.create(
        account=account, name=name, sector=sector, title="律师", expertise=expertise, created_at=clock.now()
    )
    await CommitteeMemberCommunity.create(member=member, community=community)
    return member, account


async def room(community: Community, name: str = "委员在身边活动室") -> Room:
    return await Room.create(
        community=community, name=name, address="滨湖社区党群服务中心二楼", created_at=clock.now()
    )


async def slot(
    member: CommitteeMember, *, hours_from_now: float = 24, minutes: int = 60, in_room: Room | None = None
) -> ConsultationSlot:
    starts = clock.now() + timedelta(hours=hours_from_now)
    return await ConsultationSlot.create(
        member=member,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        mode=ConsultationMode.IN_PERSON if in_room else ConsultationMode.ONLINE,
        room=in_room,
        created_at=clock.now(),
    )


def gid(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)


async def grants_of(account: Account) -> set[tuple[str, int | None]]:
    return {(g.role, g.community_id) for g in await RoleGrant.filter(account_id=account.id)}  # type: ignore[attr-defined]
