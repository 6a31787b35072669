"""Live ticket status: one `TicketChanged` per timeline entry, on the report's channel and its community's.

Subscribers are authorised when they subscribe; each event's report is loaded once per process
and shared by all of them; what a subscriber may not see (an anonymous reporter acting) stays
hidden per subscriber.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from api import events
from api.auth import Principal
from api.errors import BadInput, Forbidden, Unauthenticated
from api.models.places import Community
from api.models.reports import Report, ReportEvent
from resolvers.reports.access import STAFF, can_see, followed, handles, sees_besides_assignment, sees_reporter


@dataclass(frozen=True)
class TicketChanged:
    """One timeline entry, as published: ids, the version, and short strings."""

    report_id: int
    community_id: int
    event_id: int
    version: int
    action: str
    from_status: str | None
    to_status: str
    at: datetime
    note: str | None
    actor_id: int | None
    #: unique per publication: subscribers of one process share one load per key (ids can recur
    #: when a database is reset or restored)
    key: str


TICKET = events.Topic("ticket", TicketChanged)


def report_channel(report_id: int) -> str:
    return f"report-{report_id}"


def community_channel(community_id: int) -> str:
    return f"community-{community_id}"


async def publish(change: TicketChanged) -> None:
    await TICKET.publish(report_channel(change.report_id), change)
    await TICKET.publish(community_channel(change.community_id), change)


@dataclass(frozen=True)
class TicketUpdate:
    """What one subscriber receives: the change, the report after it, and whether the actor is shown."""

    change: TicketChanged
    report: Report
    shows_actor: bool


async def _load_for_event(change: TicketChanged) -> Report | None:
    """The report as it stands after a change; loaded once per process however many subscribers wait."""
    return await events.hub().load_once(  # type: ignore[no-any-return]
        ("ticket", change.key), lambda: Report.get_or_none(id=change.report_id)
    )


async def watch_tickets(
    *,
    principal: Principal,
    report_id: int | None = None,
    community_id: int | None = None,
    since: datetime | None = None,
) -> AsyncIterator[TicketUpdate]:
    """The live changes of one report (its reporter, followers, staff, its handler, city operators),
    or of a community's reports (its staff and city operators). Authorised when it starts.

    With `since`, the timeline from then is replayed first, with no gap and no duplicate; after a
    broadcast outage the database fills in what was missed.
    """
    if principal.account_id is None:
        raise Unauthenticated()
    if (report_id is None) == (community_id is None):
        raise BadInput("pass `reportId` or `communityId`")
    if report_id is not None:
        report = await Report.get_or_none(id=report_id)
        if report is None or not (await can_see(principal, [report]))[0]:
            raise Forbidden("No such report, or you may not follow it.")
        # an organisation that sees it only through the assignment follows it only while assigned
        only_while_assigned = not sees_besides_assignment(principal, report) and not await followed(
            principal, [report.id]
        )
        channel = report_channel(report_id)
        scope = ReportEvent.filter(report_id=report_id)
        community_of_report = report.community_id
    else:
        assert community_id is not None
        if not principal.reads_community(community_id, *STAFF) or not await Community.exists(id=community_id):
            raise Forbidden("Only the community's staff follow its tickets.")
        only_while_assigned = False
        channel = community_channel(community_id)
        scope = ReportEvent.filter(report__community_id=community_id)
        community_of_report = community_id

    async def replay(start: datetime | None) -> list[TicketChanged]:
        rows = await (scope.filter(at__gte=start) if start is not None else scope).order_by("id")
        return [_change_from(entry, community_of_report) for entry in rows]

    async with events.hub().subscribe(TICKET.channel(channel)) as queue:  # subscribed before any replay

        async def live() -> AsyncIterator[TicketChanged | events.Reconnected]:
            while (item := await queue.get()) is not None:
                yield item if isinstance(item, events.Reconnected) else TICKET.decode(item)

        changes = events.replay_then_live(
            live(), replay, since=since, key=lambda c: c.event_id, at=lambda c: c.at
        )
        async for change in changes:
            update = await _update_for(principal, change, only_while_assigned)
            if update is not None:
                yield update


async def _update_for(
    principal: Principal, item: TicketChanged, only_while_assigned: bool
) -> TicketUpdate | None:
    row = await _load_for_event(item)
    if row is None or (only_while_assigned and not handles(principal, row)):
        return None
    shows_actor = item.actor_id is None or item.actor_id != row.reporter_id or sees_reporter(principal, row)
    return TicketUpdate(change=item, report=row, shows_actor=shows_actor)


def change_of(report: Report, entry: ReportEvent) -> TicketChanged:
    return _change_from(entry, report.community_id)


def _change_from(entry: ReportEvent, community_id: int) -> TicketChanged:
    return TicketChanged(
        report_id=entry.report_id,
        community_id=community_id,
        event_id=entry.id,
        version=entry.version,
        action=entry.action.value,
        from_status=entry.from_status.value if entry.from_status else None,
        to_status=entry.status.value,
        at=entry.at,
        note=entry.note,
        actor_id=entry.actor_id,
        key=uuid.uuid4().hex,
    )
