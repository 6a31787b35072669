"""The ticket's state machine per role, over HTTP with the dashboard's contract operations."""

from __future__ import annotations

from datetime import timedelta

from api.models.accounts import Account
from api.models.points import PointsLedgerEntry
from api.models.reports import Report, ReportEvent, TicketStatus
from resolvers import reports
from schema.base import encode_id
from tests.reports.conftest import operation, rid, submitted

ACCEPT = operation("dashboard.graphql", "AcceptReport")
DISPATCH = operation("dashboard.graphql", "DispatchReport")
START = operation("dashboard.graphql", "StartReport")
RESOLVE = operation("dashboard.graphql", "ResolveReport")
REJECT = operation("dashboard.graphql", "RejectReport")
ESCALATE = operation("dashboard.graphql", "EscalateReport")
REOPEN = "mutation($id: ID!, $reason: String!) { reportReopen(input: {id: $id, reason: $reason}) { report { id status } errors { field code } } }"
CLOSE = "mutation($id: ID!) { reportClose(input: {id: $id}) { report { id status } errors { field code } } }"
DUPLICATE = """mutation($id: ID!, $original: ID!) { reportMarkDuplicate(input: {id: $id, originalId: $original}) {
  report { id status duplicateOf { id number } } errors { field code } } }"""


def org(o) -> str:
    return encode_id("Organization", o.id)


async def run(api, op, who, **variables):
    """The payload of a mutation (its only root field)."""
    data = await api.data(op, variables, as_=who)
    return next(iter(data.values()))


async def timeline(report_id: int) -> list[tuple[str, str | None, str]]:
    return [
        (e.action.value, e.from_status.value if e.from_status else None, e.status.value)
        for e in await ReportEvent.filter(report_id=report_id).order_by("id")
    ]


async def test_whole_lifecycle_with_points_once(api, world, clock):
    n = await submitted(api, world.resident, category="SAFETY_HAZARD")
    out = await run(api, ACCEPT, world.grid, id=rid(n))
    assert out == {"report": {"id": rid(n), "status": "ACCEPTED"}, "errors": []}
    due = (clock.now() + timedelta(hours=5)).isoformat()
    out = await run(api, DISPATCH, world.admin, id=rid(n), assigneeId=org(world.property), dueAt=due)
    assert out["errors"] == [] and out["report"]["status"] == "DISPATCHED"
    assert out["report"]["assignee"] == {"id": org(world.property), "name": "百瑞景物业服务中心"}
    assert out["report"]["dueAt"].startswith("2026-07-01T06:00:00")
    # the property company works on what it was sent
    assert (await run(api, START, world.property_admin, id=rid(n)))["report"]["status"] == "IN_PROGRESS"
    out = await run(api, RESOLVE, world.property_admin, id=rid(n), note="已更换信号灯控制器")
    assert out == {"report": {"id": rid(n), "status": "RESOLVED", "pointsAwarded": 50}, "errors": []}
    entries = await PointsLedgerEntry.filter(account_id=world.resident.id)
    assert [(e.delta, e.key) for e in entries] == [(50, f"report-resolved:{n}")]
    assert (await Account.get(id=world.resident.id)).points_balance == 50
    # reopened and resolved again: no second award
    assert (await run(api, REOPEN, world.resident, id=rid(n), reason="又坏了"))["report"][
        "status"
    ] == "ACCEPTED"
    await run(api, START, world.grid, id=rid(n))
    out = await run(api, RESOLVE, world.grid, id=rid(n), note="再次修复")
    assert out["report"]["pointsAwarded"] == 50
    assert await PointsLedgerEntry.filter(account_id=world.resident.id).count() == 1
    assert (await Account.get(id=world.resident.id)).points_balance == 50
    assert await timeline(n) == [
        ("SUBMITTED", None, "SUBMITTED"),
        ("ACCEPTED", "SUBMITTED", "ACCEPTED"),
        ("DISPATCHED", "ACCEPTED", "DISPATCHED"),
        ("STARTED", "DISPATCHED", "IN_PROGRESS"),
        ("RESOLVED", "IN_PROGRESS", "RESOLVED"),
        ("REOPENED", "RESOLVED", "ACCEPTED"),
        ("STARTED", "ACCEPTED", "IN_PROGRESS"),
        ("RESOLVED", "IN_PROGRESS", "RESOLVED"),
    ]
    notes = [e.note for e in await ReportEvent.filter(report_id=n).order_by("id")]
    assert notes[4] == "已更换信号灯控制器" and notes[5] == "又坏了"


async def test_points_by_category_and_per_community(api, world):
    clue = await submitted(
        api, world.resident, category="SECURITY_CLUE", description="有人给老人发鸡蛋骗取个人信息"
    )
    route = """mutation($c: ID!) { reportRouteSet(input: {communityId: $c, category: ENVIRONMENT, slaHours: 12, points: 30}) {
      route { category slaHours points organization { id } } errors { code } } }"""
    out = await run(api, route, world.admin, c=encode_id("Community", world.brj.id))
    assert out == {
        "route": {"category": "ENVIRONMENT", "slaHours": 12, "points": 30, "organization": None},
        "errors": [],
    }
    assert (
        await api.error_code(route, {"c": encode_id("Community", world.brj.id)}, as_=world.grid)
        == "FORBIDDEN"
    )
    garbage = await submitted(api, world.resident, category="ENVIRONMENT", description="楼道里垃圾堆放")
    for n in (clue, garbage):
        await run(api, ACCEPT, world.grid, id=rid(n))
        await run(api, START, world.grid, id=rid(n))
        await run(api, RESOLVE, world.grid, id=rid(n), note="处理完毕")
    assert sorted(e.delta for e in await PointsLedgerEntry.filter(account_id=world.resident.id)) == [30, 100]
    assert (await Report.get(id=garbage)).assignee_id is None  # the route says: the community itself
    routes = """query($c: ID!) { community(id: $c) { reportRoutes { category slaHours points organization { name } } } }"""
    data = await api.data(routes, {"c": encode_id("Community", world.brj.id)}, as_=world.admin)
    by_category = {r["category"]: r for r in data["community"]["reportRoutes"]}
    assert by_category["ENVIRONMENT"] == {
        "category": "ENVIRONMENT",
        "slaHours": 12,
        "points": 30,
        "organization": None,
    }
    assert by_category["FACILITY_FAULT"]["organization"] == {"name": "百瑞景物业服务中心"}  # the default
    assert (by_category["SECURITY_CLUE"]["points"], by_category["SAFETY_HAZARD"]["points"]) == (100, 50)
    assert by_category["APPEAL_RIGHTS"]["organization"] == {"name": "顺丰速运武昌营业部"}


async def test_invalid_transition_is_a_typed_error_that_changes_nothing(api, world):
    n = await submitted(api, world.resident)
    before = await Report.get(id=n)
    out = await run(api, RESOLVE, world.grid, id=rid(n), note="x")
    assert out == {
        "report": None,
        "errors": [{"field": "id", "code": "INVALID_TRANSITION", "message": out["errors"][0]["message"]}],
    }
    out = await run(api, START, world.grid, id=rid(n))
    assert [e["code"] for e in out["errors"]] == ["INVALID_TRANSITION"]
    after = await Report.get(id=n)
    assert (after.status, after.version, after.updated_at) == (
        before.status,
        before.version,
        before.updated_at,
    )
    assert await timeline(n) == [("SUBMITTED", None, "SUBMITTED")]


async def test_who_may_do_what(api, world):
    n = await submitted(api, world.resident)
    # a resident, even the reporter, does not work on tickets
    assert await api.error_code(ACCEPT, {"id": rid(n)}, as_=world.resident) == "FORBIDDEN"
    assert await api.error_code(ACCEPT, {"id": rid(n)}) == "UNAUTHENTICATED"
    # another community's admin does not even see it
    out = await run(api, ACCEPT, world.other_admin, id=rid(n))
    assert [(e["field"], e["code"]) for e in out["errors"]] == [("id", "NOT_FOUND")]
    # an organisation it is not assigned to neither
    out = await run(api, ACCEPT, world.street_admin, id=rid(n))
    assert [e["code"] for e in out["errors"]] == ["NOT_FOUND"]
    # a grid worker accepts but does not dispatch
    await run(api, ACCEPT, world.grid, id=rid(n))
    assert (
        await api.error_code(DISPATCH, {"id": rid(n), "assigneeId": org(world.property)}, as_=world.grid)
        == "FORBIDDEN"
    )
    # a city operator sees it, but acts only once it left the community
    assert await api.error_code(START, {"id": rid(n)}, as_=world.city) == "FORBIDDEN"
    # the reporter reopens, nobody else
    await run(api, START, world.grid, id=rid(n))
    await run(api, RESOLVE, world.grid, id=rid(n), note="ok")
    out = await run(api, REOPEN, world.neighbour, id=rid(n), reason="no")
    assert [e["code"] for e in out["errors"]] == ["NOT_FOUND"]
    assert await api.error_code(REOPEN, {"id": rid(n), "reason": "no"}, as_=world.grid) == "FORBIDDEN"
    assert (await Report.get(id=n)).status is TicketStatus.RESOLVED


async def test_city_operator_may_not_accept_before_escalation(api, world):
    n = await submitted(api, world.resident)
    assert await api.error_code(ACCEPT, {"id": rid(n)}, as_=world.city) == "FORBIDDEN"


async def test_dispatch_checks_its_input(api, world, clock):
    n = await submitted(api, world.resident)
    out = await run(api, DISPATCH, world.admin, id=rid(n), assigneeId=encode_id("Organization", 999))
    assert [(e["field"], e["code"]) for e in out["errors"]] == [("assigneeId", "NOT_FOUND")]
    out = await run(
        api,
        DISPATCH,
        world.admin,
        id=rid(n),
        assigneeId=org(world.property),
        dueAt=(clock.now() - timedelta(hours=1)).isoformat(),
    )
    assert [(e["field"], e["code"]) for e in out["errors"]] == [("dueAt", "OUT_OF_RANGE")]
    out = await run(api, DISPATCH, world.admin, id="not-an-id", assigneeId=org(world.property))
    assert [(e["field"], e["code"]) for e in out["errors"]] == [("id", "INVALID")]
    assert await timeline(n) == [("SUBMITTED", None, "SUBMITTED")]


async def test_reject_needs_a_reason(api, world):
    n = await submitted(api, world.resident)
    out = await run(api, REJECT, world.grid, id=rid(n), reason=" ")
    assert [(e["field"], e["code"]) for e in out["errors"]] == [("reason", "REQUIRED")]
    out = await run(api, REJECT, world.grid, id=rid(n), reason="不属于社区管辖")
    assert out["report"]["status"] == "REJECTED"
    assert (await ReportEvent.filter(report_id=n).order_by("-id").first()).note == "不属于社区管辖"
    out = await run(api, ACCEPT, world.grid, id=rid(n))
    assert [e["code"] for e in out["errors"]] == ["INVALID_TRANSITION"]


async def test_escalation_community_street_city(api, world):
    n = await submitted(api, world.resident, category="ENVIRONMENT")  # routed to the property company
    out = await run(api, ESCALATE, world.property_admin, id=rid(n), reason="物业无法处理")
    assert out["errors"] == []
    assert out["report"] == {
        "id": rid(n),
        "status": "DISPATCHED",
        "escalationLevel": 1,
        "assignee": {"id": org(world.street), "name": "中南路街道办事处", "kind": "STREET"},
    }
    # the property company no longer sees it; the street does
    out = await run(api, START, world.property_admin, id=rid(n))
    assert [e["code"] for e in out["errors"]] == ["NOT_FOUND"]
    out = await run(api, ESCALATE, world.street_admin, id=rid(n), reason="需要城运中心协调")
    assert out["report"]["escalationLevel"] == 2
    assert out["report"]["assignee"]["kind"] == "CITY_OPS_CENTER"
    out = await run(api, ESCALATE, world.centre_admin, id=rid(n), reason="?")
    assert [e["code"] for e in out["errors"]] == ["LIMIT_REACHED"]
    # city operators handle escalated reports
    assert (await run(api, START, world.city, id=rid(n)))["report"]["status"] == "IN_PROGRESS"
    assert (await run(api, RESOLVE, world.centre_admin, id=rid(n), note="已协调处置"))["report"][
        "status"
    ] == "RESOLVED"
    assert [a for a, _, _ in await timeline(n)] == [
        "SUBMITTED",
        "ESCALATED",
        "ESCALATED",
        "STARTED",
        "RESOLVED",
    ]


async def test_escalating_a_report_the_street_has_goes_to_the_city(api, world):
    n = await submitted(api, world.resident)
    await run(api, DISPATCH, world.admin, id=rid(n), assigneeId=org(world.street))
    out = await run(api, ESCALATE, world.street_admin, id=rid(n), reason="超出街道职权")
    assert out["report"]["escalationLevel"] == 2 and out["report"]["assignee"]["id"] == org(world.centre)


async def test_reopen_only_within_seven_days(api, world, clock):
    n = await submitted(api, world.resident)
    for op in (ACCEPT, START):
        await run(api, op, world.grid, id=rid(n))
    await run(api, RESOLVE, world.grid, id=rid(n), note="ok")
    clock.advance(days=7, minutes=1)
    api.factory.tokens.clear()  # tokens live 7 days too
    out = await run(api, REOPEN, world.resident, id=rid(n), reason="没修好")
    assert [e["code"] for e in out["errors"]] == ["EXPIRED"]
    assert (await Report.get(id=n)).status is TicketStatus.RESOLVED


async def test_reporter_closes_a_resolved_report(api, world):
    n = await submitted(api, world.resident)
    for op in (ACCEPT, START):
        await run(api, op, world.grid, id=rid(n))
    out = await run(api, CLOSE, world.resident, id=rid(n))
    assert [e["code"] for e in out["errors"]] == ["INVALID_TRANSITION"]
    await run(api, RESOLVE, world.grid, id=rid(n), note="ok")
    assert (await run(api, CLOSE, world.resident, id=rid(n)))["report"]["status"] == "CLOSED"


async def test_timers_close_resolved_reports_and_flag_overdue_ones(api, world, clock):
    done = await submitted(api, world.resident, category="SAFETY_HAZARD")  # due in 24 hours
    late = await submitted(api, world.resident, category="DAILY_GOVERNANCE")  # due in 72 hours
    for op in (ACCEPT, START):
        await run(api, op, world.grid, id=rid(done))
    await run(api, RESOLVE, world.grid, id=rid(done), note="ok")
    clock.advance(days=3, hours=1)
    first = await reports.run_timers()
    assert first == reports.TimerRun(closed=[], overdue=[late])
    assert await reports.run_timers() == reports.TimerRun(closed=[], overdue=[])  # flagged once
    query = "query($id: ID!) { node(id: $id) { ... on Report { status overdue } } }"
    assert (await api.data(query, {"id": rid(late)}, as_=world.admin))["node"] == {
        "status": "SUBMITTED",
        "overdue": True,
    }
    clock.advance(days=4)
    second = await reports.run_timers(now=clock.now())
    assert second.closed == [done]
    assert (await Report.get(id=done)).status is TicketStatus.CLOSED
    closing = await ReportEvent.filter(report_id=done).order_by("-id").first()
    assert (closing.action.value, closing.actor_id) == ("CLOSED", None)
    assert [a for a, _, _ in await timeline(late)] == ["SUBMITTED", "OVERDUE"]


async def test_mark_duplicate_and_follow_the_original(api, world):
    original = await submitted(api, world.resident, description="下水道堵塞")
    dup = await submitted(api, world.neighbour, description="下水道堵了")
    out = await run(api, DUPLICATE, world.grid, id=rid(dup), original=rid(original))
    assert out["errors"] == []
    assert out["report"]["status"] == "CLOSED" and out["report"]["duplicateOf"]["id"] == rid(original)
    # the duplicate's reporter now follows the original
    query = "query($id: ID!) { report(id: $id) { id status } }"
    assert (await api.data(query, {"id": rid(original)}, as_=world.neighbour))["report"]["id"] == rid(
        original
    )
    # a report is not its own duplicate, and a resident cannot mark one
    third = await submitted(api, world.neighbour)
    out = await run(api, DUPLICATE, world.grid, id=rid(third), original=rid(third))
    assert [e["code"] for e in out["errors"]] == ["INVALID"]
    assert (
        await api.error_code(DUPLICATE, {"id": rid(third), "original": rid(original)}, as_=world.resident)
        == "FORBIDDEN"
    )


async def test_appeals_route_to_enterprise_and_industry_committee(api, world):
    rights = await submitted(api, world.resident, category="APPEAL_RIGHTS", description="平台扣款不合理")
    industry = await submitted(
        api, world.resident, category="APPEAL_INDUSTRY", description="小区不让快递车进入"
    )
    assert (await Report.get(id=rights)).assignee_id == world.enterprise.id
    assert (await Report.get(id=industry)).assignee_id == world.industry.id


async def test_concurrent_change_is_a_conflict(world, api):
    from api.auth import principal_for_account
    from api.errors import ErrorCode, UserError

    n = await submitted(api, world.resident)
    await Report.filter(id=n).update(version=5)  # someone else changed it after we loaded it
    original = Report.get_or_none

    async def stale(*args, **kwargs):
        row = await original(*args, **kwargs)
        if row is not None:
            row.version = 4
        return row

    Report.get_or_none = stale  # type: ignore[method-assign]
    try:
        principal = await principal_for_account(world.grid)
        try:
            await reports.accept_report(principal=principal, report_id=n)
        except UserError as exc:
            assert exc.code is ErrorCode.CONFLICT
        else:
            raise AssertionError("no conflict")
    finally:
        Report.get_or_none = original  # type: ignore[method-assign]
    assert await timeline(n) == [("SUBMITTED", None, "SUBMITTED")]
