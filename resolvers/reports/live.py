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
    *, principal: Principal, report_id: int | None = None, community_id: int | None = None
) -> AsyncIterator[TicketUpdate]:
    """The live changes of one report (its reporter, followers, staff, its handler, city operators),
    or of a community's reports (its staff and city operators). Authorised when it starts."""
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
    else:
        assert community_id is not None
        if not principal.reads_community(community_id, *STAFF) or not await Community.exists(id=community_id):
            raise Forbidden("Only the community's staff follow its tickets.")
        only_while_assigned = False
        channel = community_channel(community_id)
    async for item in TICKET.listen(channel):
        if isinstance(item, events.Reconnected):
            continue
        row = await _load_for_event(item)
        if row is None or (only_while_assigned and not handles(principal, row)):
            continue
        shows_actor = (
            item.actor_id is None or item.actor_id != row.reporter_id or sees_reporter(principal, row)
        )
        yield TicketUpdate(change=item, report=row, shows_actor=shows_actor)


def change_of(report: Report, entry: ReportEvent) -> TicketChanged:
    return TicketChanged(
        report_id=report.id,
        community_id=report.community_id,
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
