"""Listing reports with photos, timeline, assignee and reporter costs a fixed number of SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from tortoise import connections

from api import clock
from api.models.reports import Report, ReportCategory, ReportEvent, ReportPhoto, TicketAction, TicketStatus

LIST = """query { reports(first: 100) { totalCount edges { node {
  id number status category dueAt overdue
  photos { url contentType }
  timeline { status at note actor { displayName } }
  assignee { id name kind }
  reporter { displayName }
  community { name }
} } } }"""


@contextmanager
def counting() -> Iterator[list[str]]:
    """Every statement sent on the default connection while inside."""
    conn = connections.get("default")
    seen: list[str] = []
    originals = {name: getattr(conn, name) for name in ("execute_query", "execute_query_dict")}

    def wrap(original):
        async def counted(query, *args, **kwargs):
            seen.append(query)
            return await original(query, *args, **kwargs)

        return counted

    for name, original in originals.items():
        setattr(conn, name, wrap(original))
    try:
        yield seen
    finally:
        for name in originals:
            delattr(conn, name)  # back to the class's methods


async def make_reports(world, count: int) -> None:
    now = clock.now()
    reporters = [world.resident, world.neighbour]
    await Report.bulk_create(
        [
            Report(
                number=f"BRJ-20260701-{i:05d}",
                community_id=world.brj.id,
                reporter_id=reporters[i % 2].id,
                anonymous=i % 3 == 0,
                category=ReportCategory.ENVIRONMENT,
                description="楼道里垃圾堆放",
                lat=30.5275,
                lng=114.3297,
                status=TicketStatus.DISPATCHED,
                assignee_id=world.property.id,
                due_at=now + timedelta(hours=48),
                created_at=now + timedelta(seconds=i),
                updated_at=now,
            )
            for i in range(count)
        ]
    )
    ids = [r.id for r in await Report.all().order_by("id")]
    await ReportPhoto.bulk_create(
        [
            ReportPhoto(
                report_id=rid, path=f"reports/{rid}-{k}.jpg", content_type="image/jpeg", size=100, position=k
            )
            for rid in ids
            for k in range(2)
        ]
    )
    await ReportEvent.bulk_create(
        [
            ReportEvent(
                report_id=rid,
                action=action,
                from_status=before,
                status=after,
                at=now,
                actor_id=actor.id,
                version=v,
            )
            for rid in ids
            for v, (action, before, after, actor) in enumerate(
                [
                    (TicketAction.SUBMITTED, None, TicketStatus.SUBMITTED, world.resident),
                    (TicketAction.ACCEPTED, TicketStatus.SUBMITTED, TicketStatus.ACCEPTED, world.grid),
                    (TicketAction.DISPATCHED, TicketStatus.ACCEPTED, TicketStatus.DISPATCHED, world.admin),
                ],
                start=1,
            )
        ]
    )


@pytest.mark.parametrize("who", ["city", "admin", "property_admin"])
async def test_statements_do_not_grow_with_the_rows(api, world, who):
    viewer = getattr(world, who)
    await api.factory.token(viewer)  # issue the token before counting
    counts = {}
    for total in (10, 100):
        await Report.all().delete()
        await make_reports(world, total)
        with counting() as seen:
            data = await api.data(LIST, as_=viewer)
        edges = data["reports"]["edges"]
        assert data["reports"]["totalCount"] == total and len(edges) == total
        assert all(len(e["node"]["photos"]) == 2 and len(e["node"]["timeline"]) == 3 for e in edges)
        assert all(e["node"]["assignee"]["kind"] == "PROPERTY_MANAGEMENT" for e in edges)
        counts[total] = len(seen)
    assert counts[10] == counts[100], counts
    # authentication (token, grants), the page, its count, photos, timelines, accounts, organisations, communities
    assert counts[100] <= 10, counts
