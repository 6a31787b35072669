"""Consultations with committee members (政协e家): profiles, rooms, slots, bookings, messages, reminders.

Profiles and open slots are public. A slot is booked with a conditional UPDATE (`OPEN` →
`BOOKED`), so of concurrent bookings exactly one wins and the others get ALREADY_TAKEN;
cancelling frees it again. Only the resident and the committee member of a consultation
read and write its messages. Changes are published on the consultation's channel after commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from api import clock, events
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, Unauthenticated, UserError, Validator
from api.events import Topic
from api.models.accounts import Account, Role, RoleGrant
from api.models.consultations import (
    CommitteeMember,
    CommitteeMemberCommunity,
    Consultation,
    ConsultationMessage,
    ConsultationMode,
    ConsultationSlot,
    ConsultationStatus,
    Room,
    SlotStatus,
)
from api.models.places import Community

log = logging.getLogger("zhili.consultations")

#: how many upcoming consultations (requested or confirmed) one resident may hold at once
MAX_FUTURE_BOOKINGS = 3
#: how long before a consultation starts its parties are reminded
REMINDER_LEAD = timedelta(minutes=30)
#: the longest window `slots(from:, to:)` answers for, and the longest slot
MAX_SLOT_RANGE = timedelta(days=92)
MAX_SLOT_LENGTH = timedelta(hours=8)
MAX_SLOTS_PER_CALL = 50
ACTIVE = (ConsultationStatus.REQUESTED, ConsultationStatus.CONFIRMED)


class UpdateKind:
    BOOKED = "BOOKED"
    STATUS_CHANGED = "STATUS_CHANGED"
    MESSAGE = "MESSAGE"
    REMINDER = "REMINDER"


@dataclass(frozen=True)
class ConsultationChanged:
    consultation_id: int
    version: int
    kind: str
    status: str
    at: datetime
    message_id: int | None = None


CONSULTATION_UPDATES: Topic[ConsultationChanged] = Topic("consultation", ConsultationChanged)


async def _publish(consultation: Consultation, kind: str, message_id: int | None = None) -> None:
    await CONSULTATION_UPDATES.publish(
        consultation.id,
        ConsultationChanged(
            consultation_id=consultation.id,
            version=consultation.version,
            kind=kind,
            status=consultation.status.value,
            at=clock.now(),
            message_id=message_id,
        ),
    )


def _account(principal: Principal) -> int:
    if principal.account_id is None:
        raise Unauthenticated()
    return principal.account_id


# ------------------------------------------------------------------ committee members and rooms


async def member_community_ids(member_ids: list[int]) -> list[list[int]]:
    """The communities of each member, in key order (a DataLoader batch)."""
    grouped: dict[int, list[int]] = defaultdict(list)
    for link in await CommitteeMemberCommunity.filter(member_id__in=member_ids).order_by("id"):
        grouped[link.member_id].append(link.community_id)  # type: ignore[attr-defined]
    return [grouped.get(m, []) for m in member_ids]


def manages_member(principal: Principal, member: CommitteeMember, community_ids: Sequence[int]) -> bool:
    """The member themself, an administrator, or the COMMUNITY_ADMIN of one of the member's communities."""
    return (
        principal.account_id == member.account_id  # type: ignore[attr-defined]
        or principal.is_admin
        or any(principal.acts_in_community(c, Role.COMMUNITY_ADMIN) for c in community_ids)
    )


async def create_committee_member(
    *,
    principal: Principal,
    account_id: int,
    name: str,
    sector: str,
    title: str,
    expertise: Sequence[str],
    community_ids: Sequence[int],
    bio: str | None = None,
) -> CommitteeMember:
    """A public profile for an account, which gets the COMMITTEE_MEMBER role in the member's communities."""
    community_ids = list(dict.fromkeys(community_ids))
    if not community_ids and not principal.is_admin:
        raise Forbidden("Only an administrator adds a committee member without a community.")
    if not all(principal.acts_in_community(c, Role.COMMUNITY_ADMIN) for c in community_ids):
        raise Forbidden(
            "Only an administrator, or the admin of each of the member's communities, adds a member."
        )
    v = Validator()
    name_ = v.text("name", name, max_length=64)
    sector_ = v.text("sector", sector, max_length=64)
    title_ = v.text("title", title, max_length=128)
    bio_ = v.text("bio", bio, max_length=4000, required=False)
    areas = [a.strip() for a in expertise if a and a.strip()]
    v.check(bool(areas), ErrorCode.REQUIRED, "Name at least one area of expertise.", "expertise")
    v.check(
        all(len(a) <= 64 and "\n" not in a for a in areas),
        ErrorCode.TOO_LONG,
        "An area of expertise is one line of at most 64 characters.",
        "expertise",
    )
    v.check(bool(community_ids), ErrorCode.REQUIRED, "Name at least one community.", "communityIds")
    v.raise_if_any()
    if not await Account.exists(id=account_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such account.", "accountId")
    if await Community.filter(id__in=community_ids).count() != len(community_ids):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityIds")
    now = clock.now()
    try:
        async with transaction() as conn:
            member = await CommitteeMember.create(
                account_id=account_id,
                name=name_,
                sector=sector_,
                title=title_,
                expertise="\n".join(areas),
                bio=bio_,
                created_at=now,
                using_db=conn,
            )
            await CommitteeMemberCommunity.bulk_create(
                [CommitteeMemberCommunity(member_id=member.id, community_id=c) for c in community_ids],
                using_db=conn,
            )
            existing = await RoleGrant.filter(
                account_id=account_id, role=Role.COMMITTEE_MEMBER, community_id__in=community_ids
            ).using_db(conn)
            granted = {g.community_id for g in existing}  # type: ignore[attr-defined]
            await RoleGrant.bulk_create(
                [
                    RoleGrant(
                        account_id=account_id, role=Role.COMMITTEE_MEMBER, community_id=c, created_at=now
                    )
                    for c in community_ids
                    if c not in granted
                ],
                using_db=conn,
            )
    except IntegrityError as exc:
        raise UserError(
            ErrorCode.DUPLICATE, "This account already has a committee member's profile.", "accountId"
        ) from exc
    log.info("committee member %s created", member.id)
    return member


def committee_members(
    *, community_id: int | None = None, expertise: str | None = None, search: str | None = None
) -> QuerySet[CommitteeMember]:
    """Active members' public profiles, by community and expertise (substring). Public."""
    qs = CommitteeMember.filter(active=True)
    if community_id is not None:
        qs = qs.filter(community_links__community_id=community_id)
    if expertise and expertise.strip():
        qs = qs.filter(expertise__icontains=expertise.strip())
    if search and search.strip():
        qs = qs.filter(Q(name__icontains=search.strip()) | Q(sector__icontains=search.strip()))
    return qs.distinct().order_by("id")


async def create_room(*, principal: Principal, community_id: int, name: str, address: str) -> Room:
    if not principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN):
        raise Forbidden("Only an administrator or the community's admin adds its rooms.")
    v = Validator()
    name_ = v.text("name", name, max_length=128)
    address_ = v.text("address", address, max_length=255)
    v.raise_if_any()
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    try:
        return await Room.create(
            community_id=community_id, name=name_, address=address_, created_at=clock.now()
        )
    except IntegrityError as exc:
        raise UserError(ErrorCode.DUPLICATE, "The community has a room of this name.", "name") from exc


def rooms(*, community_id: int) -> QuerySet[Room]:
    return Room.filter(community_id=community_id).order_by("id")


# ------------------------------------------------------------------ slots


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
            elif room.community_id not in communities:  # type: ignore[attr-defined]
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
                if t.member_id == member.id:  # type: ignore[attr-defined]
                    v.add(
                        ErrorCode.CONFLICT, "Overlaps another of the member's slots.", f"slots.{i}.startsAt"
                    )
                elif s.room_id is not None and t.room_id == s.room_id:  # type: ignore[attr-defined]
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
    member, communities = await _member(slot.member_id, "slotId")  # type: ignore[attr-defined]
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
        grouped[slot.member_id].append(slot)  # type: ignore[attr-defined]
    return [grouped.get(m, []) for m in member_ids]


def check_slot_range(start: datetime, end: datetime) -> None:
    if end <= start or end - start > MAX_SLOT_RANGE:
        raise UserError(ErrorCode.OUT_OF_RANGE, "`to` is after `from`, at most 92 days later.", "to")


# ------------------------------------------------------------------ bookings


async def _by_key(resident_id: int, key: str | None, slot_id: int) -> Consultation | None:
    if key is None:
        return None
    existing = await Consultation.get_or_none(resident_id=resident_id, idempotency_key=key)
    if existing is not None and existing.slot_id != slot_id:  # type: ignore[attr-defined]
        raise UserError(
            ErrorCode.CONFLICT, "This idempotency key was used for another slot.", "idempotencyKey"
        )
    return existing


async def book(
    *,
    principal: Principal,
    slot_id: int,
    topic: str,
    details: str | None = None,
    idempotency_key: str | None = None,
) -> Consultation:
    """Book an open slot: at most one booking per slot, at most MAX_FUTURE_BOOKINGS upcoming per resident."""
    resident_id = _account(principal)
    v = Validator()
    topic_ = v.text("topic", topic, max_length=200)
    details_ = v.text("details", details, max_length=4000, required=False)
    key = (idempotency_key or "").strip() or None
    v.check(
        key is None or len(key) <= 64,
        ErrorCode.TOO_LONG,
        "idempotencyKey is at most 64 characters.",
        "idempotencyKey",
    )
    v.raise_if_any()
    existing = await _by_key(resident_id, key, slot_id)
    if existing is not None:
        return existing
    slot = await ConsultationSlot.get_or_none(id=slot_id).select_related("member")
    if slot is None or slot.status is SlotStatus.WITHDRAWN:
        raise UserError(ErrorCode.NOT_FOUND, "No such slot.", "slotId")
    if slot.member.account_id == resident_id:  # type: ignore[attr-defined]
        raise UserError(ErrorCode.NOT_ALLOWED, "You cannot book your own slot.", "slotId")
    now = clock.now()
    if slot.starts_at <= now:
        raise UserError(ErrorCode.EXPIRED, "This slot has already started.", "slotId")
    try:
        async with transaction() as conn:
            # one booking at a time per resident, so the limit holds under concurrency too
            await Account.filter(id=resident_id).select_for_update().using_db(conn)
            upcoming = (
                await Consultation.filter(resident_id=resident_id, status__in=ACTIVE, starts_at__gt=now)
                .using_db(conn)
                .count()
            )
            if upcoming >= MAX_FUTURE_BOOKINGS:
                raise UserError(
                    ErrorCode.LIMIT_REACHED,
                    f"You already have {MAX_FUTURE_BOOKINGS} upcoming consultations.",
                    "slotId",
                )
            won = (
                await ConsultationSlot.filter(id=slot.id, status=SlotStatus.OPEN, starts_at__gt=now)
                .using_db(conn)
                .update(status=SlotStatus.BOOKED)
            )
            if not won:
                raise UserError(ErrorCode.ALREADY_TAKEN, "Someone else booked this slot.", "slotId")
            consultation = await Consultation.create(
                slot_id=slot.id,
                member_id=slot.member.id,
                resident_id=resident_id,
                mode=slot.mode,
                starts_at=slot.starts_at,
                topic=topic_,
                details=details_,
                idempotency_key=key,
                created_at=now,
                updated_at=now,
                using_db=conn,
            )
    except (IntegrityError, UserError):
        # a concurrent retry with the same key lost to its twin: answer with the booking that won
        again = await _by_key(resident_id, key, slot_id)
        if again is None:
            raise
        return again
    log.info("consultation %s booked", consultation.id)
    await _publish(consultation, UpdateKind.BOOKED)
    return consultation


async def _party(principal: Principal, consultation_id: int, field: str = "id") -> tuple[Consultation, bool]:
    """The consultation, and whether the principal is its committee member.

    Forbidden for anyone but the two parties.
    """
    consultation = await Consultation.get_or_none(id=consultation_id).select_related("member")
    if consultation is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such consultation.", field)
    is_member = consultation.member.account_id == principal.account_id  # type: ignore[attr-defined]
    if not is_member and consultation.resident_id != principal.account_id:  # type: ignore[attr-defined]
        raise Forbidden("Only the resident and the committee member of a consultation do this.")
    return consultation, is_member


async def cancel(*, principal: Principal, consultation_id: int, reason: str | None = None) -> Consultation:
    """Either party cancels a requested or confirmed consultation; its slot opens again."""
    _account(principal)
    consultation, _ = await _party(principal, consultation_id)
    v = Validator()
    reason_ = v.text("reason", reason, max_length=500, required=False)
    v.raise_if_any()
    now = clock.now()
    async with transaction() as conn:
        changed = (
            await Consultation.filter(id=consultation.id, status__in=ACTIVE)
            .using_db(conn)
            .update(
                status=ConsultationStatus.CANCELLED,
                cancel_reason=reason_,
                cancelled_by_id=principal.account_id,
                version=F("version") + 1,
                updated_at=now,
            )
        )
        if not changed:
            raise UserError(
                ErrorCode.INVALID_TRANSITION, "Only a requested or confirmed consultation is cancelled.", "id"
            )
        await (
            ConsultationSlot.filter(id=consultation.slot_id, status=SlotStatus.BOOKED)  # type: ignore[attr-defined]
            .using_db(conn)
            .update(status=SlotStatus.OPEN)
        )
    await consultation.refresh_from_db()
    await _publish(consultation, UpdateKind.STATUS_CHANGED)
    return consultation


#: what the committee member may do: target status <- (allowed current statuses, only once it has started)
MEMBER_TRANSITIONS: dict[ConsultationStatus, tuple[tuple[ConsultationStatus, ...], bool]] = {
    ConsultationStatus.CONFIRMED: ((ConsultationStatus.REQUESTED,), False),
    ConsultationStatus.COMPLETED: (ACTIVE, True),
    ConsultationStatus.NO_SHOW: (ACTIVE, True),
}


async def set_status(
    *, principal: Principal, consultation_id: int, status: ConsultationStatus
) -> Consultation:
    """The committee member confirms, completes, or marks a no-show."""
    _account(principal)
    consultation, is_member = await _party(principal, consultation_id)
    if not is_member:
        raise Forbidden("Only the committee member confirms, completes or marks a no-show.")
    allowed, after_start = MEMBER_TRANSITIONS[status]
    now = clock.now()
    if after_start and now < consultation.starts_at:
        raise UserError(ErrorCode.NOT_ALLOWED, "This can be done once the consultation has started.", "id")
    changed = await Consultation.filter(id=consultation.id, status__in=allowed).update(
        status=status, version=F("version") + 1, updated_at=now
    )
    if not changed:
        raise UserError(
            ErrorCode.INVALID_TRANSITION,
            f"A {consultation.status.value} consultation cannot become {status.value}.",
            "id",
        )
    await consultation.refresh_from_db()
    await _publish(consultation, UpdateKind.STATUS_CHANGED)
    return consultation


def consultations_of(
    account_id: int, *, statuses: Sequence[ConsultationStatus] | None = None
) -> QuerySet[Consultation]:
    """The consultations an account takes part in, as resident or as committee member; latest first."""
    qs = Consultation.filter(Q(resident_id=account_id) | Q(member__account_id=account_id))
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    return qs.order_by("-starts_at", "-id")


def is_party(principal: Principal, consultation: Consultation, member_account_id: int) -> bool:
    return principal.account_id is not None and principal.account_id in (
        consultation.resident_id,  # type: ignore[attr-defined]
        member_account_id,
    )


async def member_account_ids(member_ids: list[int]) -> list[int | None]:
    rows = dict(await CommitteeMember.filter(id__in=member_ids).values_list("id", "account_id"))
    return [rows.get(m) for m in member_ids]


async def authorize_updates(principal: Principal, consultation_id: int) -> Consultation:
    """Who may follow a consultation live: its two parties."""
    _account(principal)
    consultation, _ = await _party(principal, consultation_id, field="consultationId")
    return consultation


# ------------------------------------------------------------------ messages


async def send_message(*, principal: Principal, consultation_id: int, body: str) -> ConsultationMessage:
    """A message from one party to the other; strangers are refused."""
    author_id = _account(principal)
    consultation, _ = await _party(principal, consultation_id, field="consultationId")
    v = Validator()
    body_ = v.text("body", body, max_length=2000)
    v.raise_if_any()
    if consultation.status in (ConsultationStatus.CANCELLED, ConsultationStatus.NO_SHOW):
        raise UserError(ErrorCode.NOT_ALLOWED, "This consultation is closed for messages.", "consultationId")
    now = clock.now()
    async with transaction() as conn:
        message = await ConsultationMessage.create(
            consultation_id=consultation.id, author_id=author_id, body=body_, sent_at=now, using_db=conn
        )
        await (
            Consultation.filter(id=consultation.id)
            .using_db(conn)
            .update(version=F("version") + 1, updated_at=now)
        )
    await consultation.refresh_from_db()
    await _publish(consultation, UpdateKind.MESSAGE, message_id=message.id)
    return message


def messages_queryset() -> QuerySet[ConsultationMessage]:
    return ConsultationMessage.all()


# ------------------------------------------------------------------ timers


async def run_timers(*, now: datetime) -> int:
    """Mark consultations starting within REMINDER_LEAD as reminded and push a REMINDER to both parties.

    Idempotent: a consultation is reminded once (`reminded_at`). Returns how many were reminded.
    """
    due = await Consultation.filter(
        status__in=ACTIVE, reminded_at__isnull=True, starts_at__gt=now, starts_at__lte=now + REMINDER_LEAD
    ).values_list("id", flat=True)
    if not due:
        return 0
    changed = await Consultation.filter(id__in=list(due), reminded_at__isnull=True).update(
        reminded_at=now, version=F("version") + 1
    )
    for consultation in await Consultation.filter(id__in=list(due), reminded_at=now).order_by("id"):
        await _publish(consultation, UpdateKind.REMINDER)
    return int(changed)


# ------------------------------------------------------------------ live updates


@dataclass(frozen=True, slots=True)
class Followed:
    """One thing a follower of a consultation is told: its state now, a change, or a new message."""

    kind: str
    at: datetime
    consultation: Consultation
    message: ConsultationMessage | None = None


CURRENT = "CURRENT"


async def follow(*, principal: Principal, consultation_id: int) -> AsyncIterator[Followed]:
    """The consultation's state now, then its changes and messages as they happen.

    The channel is subscribed before the current state is read and sent, so a client that has
    received the first item misses nothing after it. Each event's rows are loaded once per
    process, however many followers it has. After a broadcast outage, the messages sent
    meanwhile are read from the database, then the current state is sent again.
    """
    consultation = await authorize_updates(principal, consultation_id)
    hub = events.hub()
    async with hub.subscribe(CONSULTATION_UPDATES.channel(consultation.id)) as queue:
        await consultation.refresh_from_db()
        last = clock.now()
        yield Followed(kind=CURRENT, at=last, consultation=consultation)
        while True:
            item = await queue.get()
            if item is None:
                return
            if isinstance(item, events.Reconnected):
                missed = await ConsultationMessage.filter(
                    consultation_id=consultation.id, sent_at__gt=last
                ).order_by("sent_at", "id")
                current = await Consultation.get(id=consultation.id)
                for message in missed:
                    yield Followed(
                        kind=UpdateKind.MESSAGE, at=message.sent_at, consultation=current, message=message
                    )
                last = clock.now()
                yield Followed(kind=CURRENT, at=last, consultation=current)
                continue
            event = CONSULTATION_UPDATES.decode(item)
            row = await hub.load_once(
                ("consultation", event.consultation_id, event.version),
                partial(Consultation.get, id=event.consultation_id),
            )
            new: ConsultationMessage | None = None
            if event.message_id is not None:
                new = await hub.load_once(
                    ("consultation-message", event.message_id),
                    partial(ConsultationMessage.get, id=event.message_id),
                )
            last = max(last, event.at)
            yield Followed(kind=event.kind, at=event.at, consultation=row, message=new)
