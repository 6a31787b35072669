"""Bookings of slots, their statuses, their messages, reminders, and the events they publish."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, Unauthenticated, UserError, Validator
from api.events import Topic
from api.models.accounts import Account
from api.models.consultations import (
    Consultation,
    ConsultationMessage,
    ConsultationSlot,
    ConsultationStatus,
    SlotStatus,
)

log = logging.getLogger("zhili.consultations")


#: how many upcoming consultations (requested or confirmed) one resident may hold at once
MAX_FUTURE_BOOKINGS = 3
#: how long before a consultation starts its parties are reminded
REMINDER_LEAD = timedelta(minutes=30)
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


# ------------------------------------------------------------------ bookings


async def _by_key(resident_id: int, key: str | None, slot_id: int) -> Consultation | None:
    if key is None:
        return None
    existing = await Consultation.get_or_none(resident_id=resident_id, idempotency_key=key)
    if existing is not None and existing.slot_id != slot_id:
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
    if slot.member.account_id == resident_id:
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
    is_member = consultation.member.account_id == principal.account_id
    if not is_member and consultation.resident_id != principal.account_id:
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
            ConsultationSlot.filter(id=consultation.slot_id, status=SlotStatus.BOOKED)
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
