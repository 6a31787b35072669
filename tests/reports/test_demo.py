"""The demo data holds reports in several states, and seeding twice changes nothing."""

from __future__ import annotations

from api.models.points import PointsLedgerEntry
from api.models.reports import Report, ReportPhoto, TicketStatus
from resolvers.demo import seed_demo


async def test_demo_reports_in_several_states(settings):
    await seed_demo(settings)
    statuses = set(await Report.all().values_list("status", flat=True))
    assert {
        TicketStatus.SUBMITTED,
        TicketStatus.ACCEPTED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
        TicketStatus.REJECTED,
    } <= statuses
    assert await Report.filter(escalation_level__gt=0).exists()
    assert await Report.filter(anonymous=True).exists()
    assert await ReportPhoto.all().count() >= 1
    count, credits = await Report.all().count(), await PointsLedgerEntry.all().count()
    await seed_demo(settings)
    assert await Report.all().count() == count and await PointsLedgerEntry.all().count() == credits
