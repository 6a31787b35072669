"""Service orders (认事、创单), service records, ratings and points (服务纪实、一事一评).

An order moves REQUESTED → DISPATCHED → ACCEPTED → COMPLETED (a resident asks, the community
dispatches, one member accepts and completes), or PROPOSED → ACCEPTED → COMPLETED (a member
proposes, the community approves); any open order may be CANCELLED. Every transition is one
conditional UPDATE on the status, so of concurrent accepts exactly one wins.

Points (一事一评): the community rates each record once; the member is credited

    points = round(minutes × coefficient[rating])

with the coefficients in points per minute of the record's community (`PointsRule`), by default
EXCELLENT 1.5, GOOD 1.2, FAIR 1.0, POOR 0.5 (an hour rated EXCELLENT earns 90 points, POOR 30).
They are stored as points per 100 minutes, so the arithmetic is exact; halves round up.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from api import clock, points
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.accounts import Role
from api.models.members import (
    Member,
    PointsRule,
    ServiceOrder,
    ServiceOrderStatus,
    ServiceRating,
    ServiceRecord,
    Specialty,
)
from api.models.places import Community
from resolvers.members.access import (
    belongs_to,
    is_admin_of,
    require_admin,
    require_membership,
    service_scope,
)

log = logging.getLogger("zhili.members")

S = ServiceOrderStatus
#: points per 100 minutes of service, per rating, unless the community set its own
DEFAULT_PER_100_MINUTES: dict[ServiceRating, int] = {
    ServiceRating.EXCELLENT: 150,
    ServiceRating.GOOD: 120,
    ServiceRating.FAIR: 100,
    ServiceRating.POOR: 50,
}
MAX_MINUTES = 24 * 60
OPEN = (S.REQUESTED, S.PROPOSED, S.DISPATCHED, S.ACCEPTED)


# ------------------------------------------------------------------ points rule


def points_for(minutes: int, rating: ServiceRating, per_100_minutes: dict[ServiceRating, int]) -> int:
    """round(minutes × coefficient), halves up, in integers."""
    return (minutes * per_100_minutes[rating] + 50) // 100


def rule_of(row: PointsRule | None) -> dict[ServiceRating, int]:
    if row is None:
        return dict(DEFAULT_PER_100_MINUTES)
    return {
        ServiceRating.EXCELLENT: row.excellent,
        ServiceRating.GOOD: row.good,
        ServiceRating.FAIR: row.fair,
        ServiceRating.POOR: row.poor,
    }


async def points_rules(community_ids: list[int]) -> list[dict[ServiceRating, int]]:
    """Each community's coefficients (points per 100 minutes), in one statement."""
    rows = {r.community_id: r for r in await PointsRule.filter(community_id__in=community_ids)}
    return [rule_of(rows.get(c)) for c in community_ids]


async def set_points_rule(
    *, principal: Principal, community_id: int, coefficients: dict[ServiceRating, float]
) -> dict[ServiceRating, int]:
    """Set a community's points per minute for each rating: 0 to 10, better ratings never earning less."""
    require_admin(principal, community_id, "sets how service earns points")
    v = Validator()
    per_100 = {r: round(c * 100) for r, c in coefficients.items()}
    for rating, value in per_100.items():
        v.check(
            0 <= value <= 1000,
            ErrorCode.OUT_OF_RANGE,
            "A coefficient is 0 to 10 points per minute.",
            rating.value.lower(),
        )
    order = [ServiceRating.EXCELLENT, ServiceRating.GOOD, ServiceRating.FAIR, ServiceRating.POOR]
    v.check(
        all(per_100[a] >= per_100[b] for a, b in itertools.pairwise(order)),
        ErrorCode.INVALID,
        "A better rating earns at least as much as a worse one.",
        "coefficients",
    )
    v.raise_if_any()
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    values = {
        "excellent": per_100[ServiceRating.EXCELLENT],
        "good": per_100[ServiceRating.GOOD],
        "fair": per_100[ServiceRating.FAIR],
        "poor": per_100[ServiceRating.POOR],
        "updated_at": clock.now(),
    }
    await PointsRule.update_or_create(community_id=community_id, defaults=values)
    return per_100


# ------------------------------------------------------------------ orders


def _validate_order(title: str, description: str) -> tuple[str, str]:
    v = Validator()
    title_ = v.text("title", title, max_length=128)
    description_ = v.text("description", description, max_length=2000)
    v.raise_if_any()
    return title_ or "", description_ or ""


async def _community(community_id: int) -> None:
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")


async def request_service(
    *,
    principal: Principal,
    community_id: int,
    title: str,
    description: str,
    specialty: Specialty | None = None,
) -> ServiceOrder:
    """群众点单: a resident (or member, or staff on someone's behalf) asks the community for help."""
    if not belongs_to(principal, community_id):
        raise Forbidden("Only the community's residents ask it for services.")
    title_, description_ = _validate_order(title, description)
    await _community(community_id)
    now = clock.now()
    return await ServiceOrder.create(
        community_id=community_id,
        title=title_,
        description=description_,
        specialty=specialty,
        status=S.REQUESTED,
        requester_id=principal.account_id,
        created_at=now,
        updated_at=now,
    )


async def propose_service(
    *,
    principal: Principal,
    community_id: int,
    title: str,
    description: str,
    specialty: Specialty | None = None,
) -> ServiceOrder:
    """创单: a member proposes a service of their own, which the community approves."""
    title_, description_ = _validate_order(title, description)
    await _community(community_id)
    member = await require_membership(principal, community_id)
    now = clock.now()
    return await ServiceOrder.create(
        community_id=community_id,
        title=title_,
        description=description_,
        specialty=specialty,
        status=S.PROPOSED,
        requester_id=principal.account_id,
        assignee_id=member.id,
        created_at=now,
        updated_at=now,
    )


async def _order(order_id: int) -> ServiceOrder:
    order = await ServiceOrder.get_or_none(id=order_id)
    if order is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such service order.", "id")
    return order


def _refused(order: ServiceOrder, to: str) -> UserError:
    return UserError(ErrorCode.INVALID_TRANSITION, f"A {order.status.value} order cannot be {to}.", "id")


async def _move(order: ServiceOrder, from_: tuple[S, ...], to: S, **changes: object) -> bool:
    """One conditional UPDATE: the transition happens only if the order is still in `from_`."""
    now = clock.now()
    updated = await ServiceOrder.filter(id=order.id, status__in=list(from_)).update(
        status=to, updated_at=now, **changes
    )
    return bool(updated)


async def dispatch_order(*, principal: Principal, order_id: int) -> ServiceOrder:
    """社区派单: the community puts a resident's request up for its members to accept."""
    order = await _order(order_id)
    require_admin(principal, order.community_id, "dispatches service orders")
    if not await _move(order, (S.REQUESTED,), S.DISPATCHED, dispatched_at=clock.now()):
        raise _refused(await _order(order_id), "dispatched")
    return await _order(order_id)


async def approve_order(*, principal: Principal, order_id: int) -> ServiceOrder:
    """The community approves a member's proposal; the proposer then does it."""
    order = await _order(order_id)
    require_admin(principal, order.community_id, "approves proposed services")
    if not await _move(order, (S.PROPOSED,), S.ACCEPTED, accepted_at=clock.now()):
        raise _refused(await _order(order_id), "approved")
    return await _order(order_id)


async def accept_order(*, principal: Principal, order_id: int) -> ServiceOrder:
    """党员接单: of concurrent accepts exactly one wins, the others get ALREADY_TAKEN."""
    order = await _order(order_id)
    member = await require_membership(principal, order.community_id)
    if order.requester_id == principal.account_id:
        raise UserError(ErrorCode.NOT_ALLOWED, "You cannot accept your own request.", "id")
    if not await _move(order, (S.DISPATCHED,), S.ACCEPTED, assignee_id=member.id, accepted_at=clock.now()):
        current = await _order(order_id)
        if current.status in (S.ACCEPTED, S.COMPLETED):
            raise UserError(ErrorCode.ALREADY_TAKEN, "Another member took this order.", "id")
        raise _refused(current, "accepted")
    return await _order(order_id)


@dataclass(frozen=True)
class Completed:
    order: ServiceOrder
    record: ServiceRecord


async def complete_order(*, principal: Principal, order_id: int, minutes: int, summary: str) -> Completed:
    """The member who does the order completes it; this writes the service record (服务纪实)."""
    v = Validator()
    v.check(
        1 <= minutes <= MAX_MINUTES, ErrorCode.OUT_OF_RANGE, f"Minutes are 1 to {MAX_MINUTES}.", "minutes"
    )
    summary_ = v.text("summary", summary, max_length=2000)
    v.raise_if_any()
    order = await _order(order_id)
    member = await require_membership(principal, order.community_id)
    if order.assignee_id != member.id:
        raise Forbidden("Only the member doing this order completes it.")
    now = clock.now()
    async with transaction() as conn:
        done = (
            await ServiceOrder.filter(id=order.id, status=S.ACCEPTED, assignee_id=member.id)
            .using_db(conn)
            .update(status=S.COMPLETED, completed_at=now, updated_at=now)
        )
        if not done:
            raise _refused(order, "completed")
        record = await ServiceRecord.create(
            member_id=member.id,
            community_id=order.community_id,
            order_id=order.id,
            minutes=minutes,
            summary=summary_,
            at=now,
            using_db=conn,
        )
    return Completed(order=await _order(order_id), record=record)


async def cancel_order(*, principal: Principal, order_id: int) -> ServiceOrder:
    """The requester cancels until a member has accepted; the community's admin while it is open."""
    order = await _order(order_id)
    if is_admin_of(principal, order.community_id):
        allowed: tuple[S, ...] = OPEN
    elif order.requester_id == principal.account_id:
        allowed = (S.REQUESTED, S.PROPOSED, S.DISPATCHED)
    else:
        raise Forbidden("Only who asked for it, or the community's admin, cancels an order.")
    if not await _move(order, allowed, S.CANCELLED, cancelled_at=clock.now()):
        raise _refused(await _order(order_id), "cancelled")
    return await _order(order_id)


def service_orders(
    *,
    principal: Principal,
    community_id: int | None = None,
    statuses: list[ServiceOrderStatus] | None = None,
    mine: bool = False,
    member_community_ids: set[int] | None = None,
) -> QuerySet[ServiceOrder]:
    """The orders the principal may see, newest first: their own requests and assignments, the
    dispatched orders of communities where they are members, and everything of communities they staff.

    `member_community_ids` are the communities where the principal has checked in; `mine` keeps
    only the principal's own requests and assignments.
    """
    qs = ServiceOrder.all()
    own = Q(requester_id=principal.account_id or -1) | Q(assignee__account_id=principal.account_id or -1)
    if mine:
        qs = qs.filter(own)
    elif not principal.reads_everything:
        staff = principal.community_ids(Role.GRID_WORKER, Role.COMMUNITY_ADMIN)
        if staff is not None:
            scope = own
            if member_community_ids:
                scope |= Q(community_id__in=sorted(member_community_ids), status=S.DISPATCHED)
            if staff:
                scope |= Q(community_id__in=sorted(staff))
            qs = qs.filter(scope)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    return qs.order_by("-created_at", "-id")


def may_see_order(principal: Principal, order: ServiceOrder, mine: list[Member]) -> bool:
    """As `service_orders`, for one order; `mine` are the principal's memberships."""
    return (
        order.requester_id == principal.account_id
        or order.assignee_id in {m.id for m in mine}
        or principal.oversees(order.community_id)
        or (order.status == S.DISPATCHED and order.community_id in {m.community_id for m in mine})
    )


async def memberships_of(account_id: int | None) -> list[Member]:
    """An account's memberships, first checked in first."""
    if account_id is None:
        return []
    return list(await Member.filter(account_id=account_id).order_by("id"))


# ------------------------------------------------------------------ records and rating


def service_records(
    *,
    principal: Principal,
    community_id: int | None = None,
    member_id: int | None = None,
    rated: bool | None = None,
) -> QuerySet[ServiceRecord]:
    """Records the principal sees (三方可见), newest first."""
    qs = ServiceRecord.all()
    scope = service_scope(principal)
    if scope is not None:
        qs = qs.filter(scope)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    if rated is not None:
        qs = qs.filter(rating__isnull=not rated)
    return qs.order_by("-at", "-id")


async def rate_record(*, principal: Principal, record_id: int, rating: ServiceRating) -> ServiceRecord:
    """一事一评: rate once, credit the points once (a conditional UPDATE, then the ledger with a key)."""
    record = await ServiceRecord.get_or_none(id=record_id).select_related("member")
    if record is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such service record.", "id")
    require_admin(principal, record.community_id, "rates service records")
    rule = (await points_rules([record.community_id]))[0]
    earned = points_for(record.minutes, rating, rule)
    now = clock.now()
    async with transaction() as conn:
        rated = (
            await ServiceRecord.filter(id=record.id, rating__isnull=True)
            .using_db(conn)
            .update(rating=rating, points=earned, rated_at=now, rated_by_id=principal.account_id)
        )
        if not rated:
            raise UserError(ErrorCode.ALREADY_DONE, "This record has already been rated.", "id")
        if earned > 0:
            await points.apply(
                account_id=record.member.account_id,
                delta=earned,
                reason=f"服务纪实评价 {rating.value}: {record.minutes} 分钟",
                source=f"serviceRecord:{record.id}",
                key=f"service-record:{record.id}",
                connection=conn,
            )
    log.info("service record %s rated %s: %s points", record.id, rating.value, earned)
    return await ServiceRecord.get(id=record.id)
