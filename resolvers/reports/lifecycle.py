"""The ticket's lifecycle: one transition table, one code path for every change, and the timers.

Every change goes through `_transition`, which checks the table, writes the report and exactly
one timeline entry in one transaction (optimistic concurrency on `version`), and publishes one
`TicketChanged` after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from api import clock, points
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.accounts import Role
from api.models.places import Organization
from api.models.reports import OPEN_STATUSES, Report, ReportEvent, TicketAction, TicketStatus
from resolvers.reports.access import can_see, handles
from resolvers.reports.live import change_of, publish
from resolvers.reports.routing import MAX_ESCALATION, escalation_target, route_for

log = logging.getLogger("zhili.reports")

#: the reporter may reopen a resolved report this long after it was resolved
REOPEN_WINDOW = timedelta(days=7)
#: a resolved report nobody reopened is closed this long after it was resolved
AUTO_CLOSE_AFTER = timedelta(days=7)
NOTE_MAX = 2000


class Actor(StrEnum):
    """Who someone is to a report, for the transition table."""

    REPORTER = "REPORTER"
    GRID_WORKER = "GRID_WORKER"
    COMMUNITY_ADMIN = "COMMUNITY_ADMIN"
    #: an admin of the organisation it is assigned to
    HANDLER = "HANDLER"
    #: a city operator, once the report has left its community (escalated)
    CITY = "CITY"
    #: the timers
    SYSTEM = "SYSTEM"


@dataclass(frozen=True, slots=True)
class Rule:
    sources: frozenset[TicketStatus]
    #: None: the status stays (a flag, such as OVERDUE)
    target: TicketStatus | None
    actors: frozenset[Actor]


S = TicketStatus
A = Actor
_OPEN = frozenset(OPEN_STATUSES)
_WORKERS = frozenset({A.GRID_WORKER, A.COMMUNITY_ADMIN, A.HANDLER, A.CITY})

#: the state machine: what may happen from which status, and who may make it happen
TRANSITIONS: dict[TicketAction, Rule] = {
    TicketAction.ACCEPTED: Rule(frozenset({S.SUBMITTED}), S.ACCEPTED, _WORKERS),
    TicketAction.DISPATCHED: Rule(
        frozenset({S.SUBMITTED, S.ACCEPTED, S.DISPATCHED}),
        S.DISPATCHED,
        frozenset({A.COMMUNITY_ADMIN, A.CITY}),
    ),
    TicketAction.STARTED: Rule(frozenset({S.ACCEPTED, S.DISPATCHED}), S.IN_PROGRESS, _WORKERS),
    TicketAction.RESOLVED: Rule(frozenset({S.IN_PROGRESS}), S.RESOLVED, _WORKERS),
    TicketAction.REJECTED: Rule(
        frozenset({S.SUBMITTED, S.ACCEPTED}),
        S.REJECTED,
        frozenset({A.GRID_WORKER, A.COMMUNITY_ADMIN, A.CITY}),
    ),
    TicketAction.ESCALATED: Rule(_OPEN, S.DISPATCHED, _WORKERS),
    TicketAction.REOPENED: Rule(frozenset({S.RESOLVED}), S.ACCEPTED, frozenset({A.REPORTER})),
    TicketAction.CLOSED: Rule(
        frozenset({S.RESOLVED}), S.CLOSED, frozenset({A.REPORTER, A.COMMUNITY_ADMIN, A.SYSTEM})
    ),
    TicketAction.MARKED_DUPLICATE: Rule(
        _OPEN, S.CLOSED, frozenset({A.GRID_WORKER, A.COMMUNITY_ADMIN, A.CITY})
    ),
    TicketAction.OVERDUE: Rule(_OPEN, None, frozenset({A.SYSTEM})),
}


def actors_of(principal: Principal | None, report: Report) -> set[Actor]:
    if principal is None:
        return {Actor.SYSTEM}
    found: set[Actor] = set()
    community_id: int = report.community_id
    if principal.account_id is not None and report.reporter_id == principal.account_id:
        found.add(Actor.REPORTER)
    if principal.acts_in_community(community_id, Role.GRID_WORKER):
        found.add(Actor.GRID_WORKER)
    if principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN):
        found.add(Actor.COMMUNITY_ADMIN)
    if handles(principal, report):
        found.add(Actor.HANDLER)
    if principal.has_role(Role.CITY_OPERATOR) and report.escalation_level > 0:
        found.add(Actor.CITY)
    return found


Prepare = Callable[[Report], Awaitable[dict[str, Any]]]
After = Callable[[Report, BaseDBAsyncClient], Awaitable[None]]


async def _transition(
    *,
    principal: Principal | None,
    report_id: int,
    action: TicketAction,
    note: str | None = None,
    prepare: Prepare | None = None,
    after: After | None = None,
    at: datetime | None = None,
) -> Report:
    """Check the table, write the change and its timeline entry in one transaction, publish after commit.

    `principal` None is the system (timers). `prepare` validates the action's own input once the
    table allows it, and returns further columns to change; `after` runs inside the transaction.
    """
    report = await Report.get_or_none(id=report_id)
    if report is None or (principal is not None and not (await can_see(principal, [report]))[0]):
        raise UserError(ErrorCode.NOT_FOUND, "No such report.", "id")
    rule = TRANSITIONS[action]
    if not actors_of(principal, report) & rule.actors:
        raise Forbidden(f"Your role may not take this step ({action.value}) on this report.")
    if report.status not in rule.sources:
        raise UserError(
            ErrorCode.INVALID_TRANSITION, f"{action.value} cannot follow {report.status.value}.", "id"
        )
    changes = await prepare(report) if prepare is not None else {}
    now = at or clock.now()
    before = TicketStatus(report.status)
    target = rule.target or before
    values: dict[str, Any] = {"status": target, "updated_at": now, **changes}
    async with transaction() as conn:
        updated = (
            await Report.filter(id=report.id, version=report.version)
            .using_db(conn)
            .update(version=F("version") + 1, **values)
        )
        if not updated:
            raise UserError(ErrorCode.CONFLICT, "The report changed meanwhile; load it again.", "id")
        version = report.version + 1
        entry = await ReportEvent.create(
            report_id=report.id,
            action=action,
            from_status=before,
            status=target,
            at=now,
            actor_id=principal.account_id if principal is not None else None,
            note=note,
            version=version,
            using_db=conn,
        )
        for name, value in values.items():
            setattr(report, name, value)
        report.version = version
        if after is not None:
            await after(report, conn)
    log.info("report %s: %s %s -> %s", report.id, action.value, before.value, target.value)
    await publish(change_of(report, entry))
    return report


def _note(v: Validator, field: str, value: str | None, *, required: bool) -> str | None:
    return v.text(field, value, max_length=NOTE_MAX, required=required)


def _required_note(field: str, value: str | None) -> str:
    v = Validator()
    text = _note(v, field, value, required=True)
    v.raise_if_any()
    assert text is not None
    return text


def _optional_note(value: str | None) -> str | None:
    v = Validator()
    text = _note(v, "note", value, required=False)
    v.raise_if_any()
    return text


async def accept_report(*, principal: Principal, report_id: int, note: str | None = None) -> Report:
    return await _transition(
        principal=principal, report_id=report_id, action=TicketAction.ACCEPTED, note=_optional_note(note)
    )


async def dispatch_report(
    *,
    principal: Principal,
    report_id: int,
    assignee_id: int,
    due_at: datetime | None = None,
    note: str | None = None,
) -> Report:
    """Send a report to the organisation that will handle it, by `due_at` (default: the route's due time)."""
    text = _optional_note(note)

    async def prepare(report: Report) -> dict[str, Any]:
        assignee = await Organization.get_or_none(id=assignee_id)
        if assignee is None:
            raise UserError(ErrorCode.NOT_FOUND, "No such organisation.", "assigneeId")
        if due_at is not None and due_at <= clock.now():
            raise UserError(ErrorCode.OUT_OF_RANGE, "The due time is in the future.", "dueAt")
        due = (
            due_at
            or report.due_at
            or clock.now()
            + timedelta(hours=(await route_for(report.community_id, report.category)).sla_hours)
        )
        return {"assignee_id": assignee.id, "due_at": due, "overdue_at": None}

    return await _transition(
        principal=principal,
        report_id=report_id,
        action=TicketAction.DISPATCHED,
        note=text or None,
        prepare=prepare,
    )


async def start_report(*, principal: Principal, report_id: int, note: str | None = None) -> Report:
    return await _transition(
        principal=principal, report_id=report_id, action=TicketAction.STARTED, note=_optional_note(note)
    )


async def resolve_report(*, principal: Principal, report_id: int, note: str) -> Report:
    """Resolve; the reporter earns the category's points once, however often it is resolved."""
    text = _required_note("note", note)

    async def prepare(report: Report) -> dict[str, Any]:
        route = await route_for(report.community_id, report.category)
        earn = route.points if report.points_awarded == 0 and report.reporter_id is not None else 0
        return {
            "resolved_at": clock.now(),
            "points_awarded": report.points_awarded + earn,
            "overdue_at": None,
        }

    async def award(report: Report, conn: BaseDBAsyncClient) -> None:
        if report.points_awarded > 0 and report.reporter_id is not None:
            await points.apply(
                account_id=report.reporter_id,
                delta=report.points_awarded,
                reason=f"随手拍 {report.number} resolved",
                source=f"report:{report.id}",
                key=f"report-resolved:{report.id}",
                connection=conn,
            )

    return await _transition(
        principal=principal,
        report_id=report_id,
        action=TicketAction.RESOLVED,
        note=text,
        prepare=prepare,
        after=award,
    )


async def reject_report(*, principal: Principal, report_id: int, reason: str) -> Report:
    return await _transition(
        principal=principal,
        report_id=report_id,
        action=TicketAction.REJECTED,
        note=_required_note("reason", reason),
    )


async def escalate_report(*, principal: Principal, report_id: int, reason: str) -> Report:
    """Pass the report up, community → street → city operations centre, as a new dispatch."""
    text = _required_note("reason", reason)

    async def prepare(report: Report) -> dict[str, Any]:
        level = report.escalation_level + 1
        target = await escalation_target(report, level) if level <= MAX_ESCALATION else None
        if target is None:
            raise UserError(ErrorCode.LIMIT_REACHED, "There is no body above to pass this report to.", "id")
        if target == report.assignee_id and level < MAX_ESCALATION:
            level += 1  # the street already had it: go straight to the city
            target = await escalation_target(report, level)
        route = await route_for(report.community_id, report.category)
        return {
            "escalation_level": level,
            "assignee_id": target,
            "overdue_at": None,
            "due_at": clock.now() + timedelta(hours=route.sla_hours),
        }

    return await _transition(
        principal=principal, report_id=report_id, action=TicketAction.ESCALATED, note=text, prepare=prepare
    )


async def reopen_report(*, principal: Principal, report_id: int, reason: str) -> Report:
    """The reporter reopens a resolved report within `REOPEN_WINDOW` of its resolution."""
    text = _required_note("reason", reason)

    async def prepare(report: Report) -> dict[str, Any]:
        if report.resolved_at is None or clock.now() > report.resolved_at + REOPEN_WINDOW:
            raise UserError(
                ErrorCode.EXPIRED, "A report can be reopened within 7 days of its resolution.", "id"
            )
        route = await route_for(report.community_id, report.category)
        return {
            "resolved_at": None,
            "overdue_at": None,
            "due_at": clock.now() + timedelta(hours=route.sla_hours),
        }

    return await _transition(
        principal=principal, report_id=report_id, action=TicketAction.REOPENED, note=text, prepare=prepare
    )


async def close_report(*, principal: Principal, report_id: int, note: str | None = None) -> Report:
    """The reporter (or the community's admin) confirms a resolved report is done."""
    return await _transition(
        principal=principal, report_id=report_id, action=TicketAction.CLOSED, note=_optional_note(note)
    )


async def mark_duplicate(*, principal: Principal, report_id: int, original_id: int) -> Report:
    """Close a report as a duplicate of another of its community; its reporter then follows the original."""
    numbers = await Report.filter(id=original_id).values_list("number", flat=True)

    async def prepare(report: Report) -> dict[str, Any]:
        original = await Report.get_or_none(id=original_id)
        if original is not None and original.duplicate_of_id is not None:
            original = await Report.get_or_none(id=original.duplicate_of_id)
        if original is None or original.community_id != report.community_id:
            raise UserError(ErrorCode.NOT_FOUND, "No such report in this community.", "originalId")
        if original.id == report.id or original.status is TicketStatus.REJECTED:
            raise UserError(
                ErrorCode.INVALID, "A report is a duplicate of another, accepted report.", "originalId"
            )
        return {"duplicate_of_id": original.id}

    return await _transition(
        principal=principal,
        report_id=report_id,
        action=TicketAction.MARKED_DUPLICATE,
        prepare=prepare,
        note=f"duplicate of {numbers[0]}" if numbers else None,
    )


@dataclass(frozen=True, slots=True)
class TimerRun:
    closed: list[int]
    overdue: list[int]


async def run_timers(*, now: datetime | None = None) -> TimerRun:
    """Close resolved reports 7 days after resolution; flag open reports past their due time (once each).

    Called by the scheduler; `now` defaults to the clock, so tests move time instead of sleeping.
    """
    now = now or clock.now()
    closed: list[int] = []
    overdue: list[int] = []
    for row in await Report.filter(
        status=TicketStatus.RESOLVED, resolved_at__lte=now - AUTO_CLOSE_AFTER
    ).order_by("id"):
        try:
            await _transition(
                principal=None,
                report_id=row.id,
                action=TicketAction.CLOSED,
                at=now,
                note="closed 7 days after it was resolved",
            )
            closed.append(row.id)
        except UserError:
            continue  # changed meanwhile (reopened): the next run sees it as it is

    async def flag(report: Report) -> dict[str, Any]:
        return {"overdue_at": now}

    late = Report.filter(status__in=list(OPEN_STATUSES), due_at__lt=now, overdue_at__isnull=True).order_by(
        "id"
    )
    for row in await late:
        try:
            await _transition(
                principal=None,
                report_id=row.id,
                action=TicketAction.OVERDUE,
                at=now,
                prepare=flag,
                note="past its due time",
            )
            overdue.append(row.id)
        except UserError:
            continue
    return TimerRun(closed=closed, overdue=overdue)


async def run_timer_count(*, now: datetime) -> int:
    """`run_timers` for the scheduler: how many reports it changed."""
    run = await run_timers(now=now)
    return len(run.closed) + len(run.overdue)
