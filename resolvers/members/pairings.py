"""Pairings (认亲、结对) between a member and a care recipient, and the member's visits.

A pair has at most one live pairing (a unique `active_key`, cleared when it ends); ended
pairings are kept with their visits.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from api import clock
from api.auth import COMMUNITY_STAFF, Principal
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.care import CareRecipient
from api.models.members import Member, Pairing, Visit
from resolvers.members.access import membership

MAX_MINUTES = 24 * 60


def _key(member_id: int, recipient_id: int) -> str:
    return f"{member_id}:{recipient_id}"


async def create_pairing(*, principal: Principal, recipient_id: int, member_id: int | None = None) -> Pairing:
    """认亲. The community's staff pair one of its members with a person it cares for, at once; a
    member asking to pair themselves waits for the staff's approval (`approve_pairing`), and sees
    nothing of the person before it. Unknown people and other communities' look the same (NOT_FOUND).
    """
    recipient = await CareRecipient.get_or_none(id=recipient_id)
    community_id = recipient.community_id if recipient is not None else -1
    staff = recipient is not None and principal.acts_in_community(community_id, *COMMUNITY_STAFF)
    own = await membership(principal, community_id) if recipient is not None else None
    if recipient is None or (not staff and own is None):
        raise UserError(ErrorCode.NOT_FOUND, "No such person in a community you serve.", "recipientId")
    if member_id is None or (own is not None and own.id == member_id):
        if own is None:
            raise UserError(ErrorCode.REQUIRED, "Name the member to pair.", "memberId")
        member = own
    else:
        if not staff:
            raise Forbidden("Only the community's staff pair other members.")
        found = await Member.get_or_none(id=member_id)
        if found is None:
            raise UserError(ErrorCode.NOT_FOUND, "No such member.", "memberId")
        if found.community_id != community_id:
            raise UserError(
                ErrorCode.NOT_ALLOWED, "The member has not checked in to this community.", "memberId"
            )
        member = found
    now = clock.now()
    try:
        return await Pairing.create(
            member_id=member.id,
            recipient_id=recipient.id,
            community_id=community_id,
            started_at=now,
            active_key=_key(member.id, recipient.id),
            approved_at=now if staff else None,
            approved_by_id=principal.account_id if staff else None,
        )
    except IntegrityError as exc:
        raise UserError(
            ErrorCode.DUPLICATE, "This member is already paired with this person.", "recipientId"
        ) from exc


async def _pairing(principal: Principal, pairing_id: int) -> tuple[Pairing, bool]:
    """The pairing and whether the principal is its member; FORBIDDEN for anyone but them and the staff."""
    pairing = await Pairing.get_or_none(id=pairing_id).select_related("member")
    if pairing is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such pairing.", "pairingId")
    is_member = pairing.member.account_id == principal.account_id
    if not is_member and not principal.acts_in_community(pairing.community_id, *COMMUNITY_STAFF):
        raise Forbidden("Only the paired member and the community's staff do this.")
    return pairing, is_member


async def end_pairing(*, principal: Principal, pairing_id: int, reason: str | None = None) -> Pairing:
    v = Validator()
    reason_ = v.text("reason", reason, max_length=255, required=False)
    v.raise_if_any()
    pairing, _ = await _pairing(principal, pairing_id)
    ended = await Pairing.filter(id=pairing.id, ended_at__isnull=True).update(
        ended_at=clock.now(), end_reason=reason_, active_key=None
    )
    if not ended:
        raise UserError(ErrorCode.INVALID_TRANSITION, "This pairing has already ended.", "pairingId")
    return await Pairing.get(id=pairing.id)


async def log_visit(*, principal: Principal, pairing_id: int, minutes: int, note: str) -> Visit:
    """The paired member records a visit: how long, and what they did or noticed."""
    v = Validator()
    v.check(
        1 <= minutes <= MAX_MINUTES, ErrorCode.OUT_OF_RANGE, f"Minutes are 1 to {MAX_MINUTES}.", "minutes"
    )
    note_ = v.text("note", note, max_length=2000)
    v.raise_if_any()
    pairing, is_member = await _pairing(principal, pairing_id)
    if not is_member:
        raise Forbidden("Only the paired member logs their visits.")
    if pairing.ended_at is not None:
        raise UserError(ErrorCode.INVALID_TRANSITION, "This pairing has ended.", "pairingId")
    if pairing.approved_at is None:
        raise UserError(
            ErrorCode.INVALID_TRANSITION, "The community has not approved this pairing yet.", "pairingId"
        )
    return await Visit.create(
        pairing_id=pairing.id, at=clock.now(), minutes=minutes, note=note_, logged_by_id=principal.account_id
    )


async def approve_pairing(*, principal: Principal, pairing_id: int) -> Pairing:
    """The community's staff approve a member's request to pair; only then does the member see the person."""
    pairing = await Pairing.get_or_none(id=pairing_id)
    if pairing is None or not principal.acts_in_community(pairing.community_id, *COMMUNITY_STAFF):
        raise UserError(ErrorCode.NOT_FOUND, "No such pairing in a community you serve.", "pairingId")
    if pairing.ended_at is not None:
        raise UserError(ErrorCode.INVALID_TRANSITION, "This pairing has ended.", "pairingId")
    updated = await Pairing.filter(id=pairing.id, approved_at__isnull=True).update(
        approved_at=clock.now(), approved_by_id=principal.account_id
    )
    if not updated:
        raise UserError(ErrorCode.ALREADY_DONE, "This pairing is approved already.", "pairingId")
    await pairing.refresh_from_db()
    return pairing


def may_see_pairing(principal: Principal, pairing: Pairing, member: Member | None) -> bool:
    """The paired member and the community's staff."""
    return (member is not None and member.account_id == principal.account_id) or principal.oversees(
        pairing.community_id,
    )


def pairings(
    *, principal: Principal, community_id: int | None = None, active: bool | None = None
) -> QuerySet[Pairing]:
    """The pairings the principal sees: their own, and their communities' (staff)."""
    qs = Pairing.all()
    if not principal.reads_everything:
        staff = principal.community_ids(*COMMUNITY_STAFF)
        if staff is not None:
            scope = Q(member__account_id=principal.account_id or -1)
            if staff:
                scope |= Q(community_id__in=sorted(staff))
            qs = qs.filter(scope)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if active is not None:
        qs = qs.filter(ended_at__isnull=active)
    return qs.order_by("-started_at", "-id")
