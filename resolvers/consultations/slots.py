"""Slots committee members publish: none overlapping another of the member's, no room used twice."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from api import clock
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.consultations import (
    CommitteeMember,
    ConsultationMode,
    ConsultationSlot,
    Room,
    SlotStatus,
)
from resolvers.consultations.members import manages_member, member_community_ids

log = logging.getLogger("zhili.consultations")

#: the longest window `slots(from:, to:)` answers for, the longest slot, and how many at a time
MAX_SLOT_RANGE = timedelta(days=92)
MAX_SLOT_LENGTH = timedelta(hours=8)
MAX_SLOTS_PER_CALL = 50


@dataclass(frozen=True, slots=True)
class SlotSpec:
    starts_at: datetime
    ends_at: datetime
    mode: ConsultationMode
    room_id: int | None = None


def utc(value: datetime) -> datetime:
    """Times are compared as stored (SQLite compares text), so every time is kept in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


async def _member(member_id: int, field: str = "committeeMemberId") -> tuple[CommitteeMember, list[int]]:
    member = await CommitteeMember.get_or_none(id=member_id)
    if member is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such committee member.", field)
    return member, (await member_community_ids([member.id]))[0]


async def create_slots(
    *, principal: Principal, member_id: int, slots: Sequence[SlotSpec]
) -> list[ConsultationSlot]:
    """Publish slots: none overlapping another of the member's, none using a room twice at once."""
    member, communities = await _member(member_id)
    if not manages_member(principal, member, communities):
        raise Forbidden("Only the committee member (or their community's admin) publishes their slots.")
    slots = [SlotSpec(utc(s.starts_at), utc(s.ends_at), s.mode, s.room_id) for s in slots]
    now = clock.now()
    v = Validator()
    v.check(
        0 < len(slots) <= MAX_SLOTS_PER_CALL,
        ErrorCode.OUT_OF_RANGE,
        f"Publish 1 to {MAX_SLOTS_PER_CALL} slots at a time.",
        "slots",
    )
    for i, s in enumerate(slots):
        f = f"slots.{i}"
        v.check(s.starts_at > now, ErrorCode.INVALID, "A slot starts in the future.", f"{f}.startsAt")
        v.check(
            timedelta(0) < s.ends_at - s.starts_at <= MAX_SLOT_LENGTH,
            ErrorCode.OUT_OF_RANGE,
            "A slot ends after it starts, within 8 hours.",
            f"{f}.endsAt",
        )
        if s.mode is ConsultationMode.IN_PERSON:
            v.check(
                s.room_id is not None, ErrorCode.REQUIRED, "A face-to-face slot needs a room.", f"{f}.roomId"
            )
        for j, earlier in enumerate(slots[:i]):
            if _overlaps(s.starts_at, s.ends_at, earlier.starts_at, earlier.ends_at):
                v.add(ErrorCode.CONFLICT, f"Overlaps slot {j} of this request.", f"{f}.startsAt")
    v.raise_if_any()
    room_ids = sorted({s.room_id for s in slots if s.room_id is not None})
    if room_ids:
        found = {r.id: r for r in await Room.filter(id__in=room_ids)}
        for i, s in enumerate(slots):
            if s.room_id is None:
                continue
            room = found.get(s.room_id)
            if room is None:
                v.add(ErrorCode.NOT_FOUND, "No such room.", f"slots.{i}.roomId")
            elif room.community_id not in communities:
                v.add(
                    ErrorCode.INVALID,
                    "The room is not in one of the member's communities.",
                    f"slots.{i}.roomId",
                )
        v.raise_if_any()
    first, last = min(s.starts_at for s in slots), max(s.ends_at for s in slots)
    created: list[ConsultationSlot] = []
    async with transaction() as conn:
        # serialise publishing per member and per room (PostgreSQL row locks; SQLite serialises transactions)
        await CommitteeMember.filter(id=member.id).select_for_update().using_db(conn)
        if room_ids:
            await Room.filter(id__in=room_ids).order_by("id").select_for_update().using_db(conn)
        taken = (
            await ConsultationSlot.filter(Q(member_id=member.id) | Q(room_id__in=room_ids or [0]))
            .filter(status__not=SlotStatus.WITHDRAWN, starts_at__lt=last, ends_at__gt=first)
            .using_db(conn)
        )
        for i, s in enumerate(slots):
            for t in taken:
                if not _overlaps(s.starts_at, s.ends_at, t.starts_at, t.ends_at):
                    continue
                if t.member_id == member.id:
                    v.add(
                        ErrorCode.CONFLICT, "Overlaps another of the member's slots.", f"slots.{i}.startsAt"
                    )
                elif s.room_id is not None and t.room_id == s.room_id:
                    v.add(ErrorCode.ALREADY_TAKEN, "The room is in use then.", f"slots.{i}.roomId")
        v.raise_if_any()
        for s in slots:
            created.append(
                await ConsultationSlot.create(
                    member_id=member.id,
                    starts_at=s.starts_at,
                    ends_at=s.ends_at,
                    mode=s.mode,
                    room_id=s.room_id if s.mode is ConsultationMode.IN_PERSON or s.room_id else None,
                    created_at=now,
                    using_db=conn,
                )
            )
    return created


async def withdraw_slot(*, principal: Principal, slot_id: int) -> ConsultationSlot:
    """Take back an open slot; a booked one is cancelled through its consultation instead."""
    slot = await ConsultationSlot.get_or_none(id=slot_id)
    if slot is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such slot.", "slotId")
    member, communities = await _member(slot.member_id, "slotId")
    if not manages_member(principal, member, communities):
        raise Forbidden("Only the committee member withdraws their slots.")
    changed = await ConsultationSlot.filter(id=slot.id, status=SlotStatus.OPEN).update(
        status=SlotStatus.WITHDRAWN
    )
    if not changed:
        raise UserError(ErrorCode.INVALID_TRANSITION, "Only an open slot can be withdrawn.", "slotId")
    await slot.refresh_from_db()
    return slot


def is_available(slot: ConsultationSlot, now: datetime | None = None) -> bool:
    return slot.status is SlotStatus.OPEN and slot.starts_at > (now or clock.now())


async def slots_by_member(
    member_ids: list[int], *, start: datetime, end: datetime, only_available: bool
) -> list[list[ConsultationSlot]]:
    """Each member's slots starting within [start, end), in key order (a DataLoader batch). Public."""
    qs = ConsultationSlot.filter(member_id__in=member_ids, starts_at__gte=utc(start), starts_at__lt=utc(end))
    if only_available:
        qs = qs.filter(status=SlotStatus.OPEN, starts_at__gt=clock.now())
    else:
        qs = qs.filter(status__not=SlotStatus.WITHDRAWN)
    grouped: dict[int, list[ConsultationSlot]] = defaultdict(list)
    for slot in await qs.order_by("starts_at", "id"):
        grouped[slot.member_id].append(slot)
    return [grouped.get(m, []) for m in member_ids]


def check_slot_range(start: datetime, end: datetime) -> None:
    if end <= start or end - start > MAX_SLOT_RANGE:
        raise UserError(ErrorCode.OUT_OF_RANGE, "`to` is after `from`, at most 92 days later.", "to")
