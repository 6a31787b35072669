"""Live ticket status over websockets: the contract's MyTicketUpdates and TicketBoard."""

from __future__ import annotations

import asyncio

import pytest
from httpx_ws import WebSocketDisconnect

from schema.base import encode_id
from tests.conftest import subscribe
from tests.reports.conftest import operation, rid, submitted, wait_subscribed
from tests.reports.test_lifecycle import ACCEPT, DISPATCH, RESOLVE, START, run

MY_UPDATES = operation("resident-app.graphql", "MyTicketUpdates")
BOARD = operation("dashboard.graphql", "TicketBoard")


async def test_reporter_receives_every_transition_in_order(api, world):
    n = await submitted(api, world.resident)
    token = await api.factory.token(world.resident)
    async with api.websocket() as ws:
        sub = await subscribe(ws, MY_UPDATES, {"reportId": rid(n)}, token=token)
        await wait_subscribed(f"report-{n}")
        await run(api, ACCEPT, world.grid, id=rid(n))
        await run(
            api, DISPATCH, world.admin, id=rid(n), assigneeId=encode_id("Organization", world.property.id)
        )
        await run(api, START, world.property_admin, id=rid(n))
        await run(api, RESOLVE, world.property_admin, id=rid(n), note="已修复")
        received = [(await sub.next())["ticketStatus"] for _ in range(4)]
    assert [(e["from"], e["to"]) for e in received] == [
        ("SUBMITTED", "ACCEPTED"),
        ("ACCEPTED", "DISPATCHED"),
        ("DISPATCHED", "IN_PROGRESS"),
        ("IN_PROGRESS", "RESOLVED"),
    ]
    assert all(e["report"]["id"] == rid(n) and e["report"]["number"].startswith("BRJ-") for e in received)
    assert received[-1]["note"] == "已修复" and received[-1]["report"]["status"] == "RESOLVED"


async def test_board_shows_actors_but_hides_anonymous_reporters_from_the_city(api, world):
    staff_token = await api.factory.token(world.grid)
    city_token = await api.factory.token(world.city)
    community = encode_id("Community", world.brj.id)
    async with api.websocket() as staff_ws, api.websocket() as city_ws:
        staff = await subscribe(staff_ws, BOARD, {"communityId": community}, token=staff_token)
        city = await subscribe(city_ws, BOARD, {"communityId": community}, token=city_token)
        await wait_subscribed(f"community-{world.brj.id}")
        n = await submitted(
            api,
            world.resident,
            anonymous=True,
            category="SECURITY_CLUE",
            description="有人冒充社区给老人发鸡蛋收集身份证信息",
        )
        await run(api, ACCEPT, world.grid, id=rid(n))
        staff_events = [(await staff.next())["ticketStatus"] for _ in range(2)]
        city_events = [(await city.next())["ticketStatus"] for _ in range(2)]
    assert [e["to"] for e in staff_events] == ["SUBMITTED", "ACCEPTED"]
    assert staff_events[0]["from"] is None and staff_events[0]["report"]["category"] == "SECURITY_CLUE"
    assert staff_events[0]["actor"] == {
        "id": encode_id("Account", world.resident.id),
        "displayName": "王阿姨",
    }
    assert city_events[0]["actor"] is None  # the anonymous reporter
    assert city_events[1]["actor"]["displayName"] == "李网格员"  # staff act in their own name
    assert staff_events[1]["actor"]["displayName"] == "李网格员"


async def test_who_may_subscribe(api, world):
    n = await submitted(api, world.resident)
    community = encode_id("Community", world.brj.id)
    cases = [
        (world.neighbour, MY_UPDATES, {"reportId": rid(n)}),  # someone else's report
        (world.resident, BOARD, {"communityId": community}),  # residents do not watch the board
        (world.other_admin, BOARD, {"communityId": community}),  # another community's staff
        (world.street_admin, MY_UPDATES, {"reportId": rid(n)}),  # not assigned to it
    ]
    for who, query, variables in cases:
        async with api.websocket() as ws:
            token = await api.factory.token(who)
            sub = await subscribe(ws, query, variables, token=token)
            with pytest.raises(AssertionError, match="FORBIDDEN"):
                await sub.next(timeout=5)


async def test_subscription_needs_a_token(api, world):
    async with api.websocket() as ws:
        await ws.send_json({"type": "connection_init", "payload": {}})
        with pytest.raises(WebSocketDisconnect) as closed:
            await asyncio.wait_for(ws.receive_json(), 5)
    assert closed.value.code == 4401


async def test_organisation_stops_hearing_once_the_report_moves_on(api, world):
    n = await submitted(api, world.resident, category="ENVIRONMENT")  # assigned to the property company
    token = await api.factory.token(world.property_admin)
    async with api.websocket() as ws:
        sub = await subscribe(ws, MY_UPDATES, {"reportId": rid(n)}, token=token)
        await wait_subscribed(f"report-{n}")
        await run(api, ACCEPT, world.property_admin, id=rid(n))
        assert (await sub.next())["ticketStatus"]["to"] == "ACCEPTED"
        escalate = operation("dashboard.graphql", "EscalateReport")
        await run(api, escalate, world.property_admin, id=rid(n), reason="物业无权处理")
        await run(api, START, world.street_admin, id=rid(n))
        with pytest.raises(asyncio.TimeoutError):
            await sub.next(timeout=0.5)


async def test_duplicate_reporter_follows_the_original_live(api, world):
    original = await submitted(api, world.resident)
    dup = await submitted(api, world.neighbour)
    mark = """mutation($id: ID!, $o: ID!) { reportMarkDuplicate(input: {id: $id, originalId: $o}) { errors { code } } }"""
    await run(api, mark, world.grid, id=rid(dup), o=rid(original))
    token = await api.factory.token(world.neighbour)
    async with api.websocket() as ws:
        sub = await subscribe(ws, MY_UPDATES, {"reportId": rid(original)}, token=token)
        await wait_subscribed(f"report-{original}")
        await run(api, ACCEPT, world.grid, id=rid(original))
        assert (await sub.next())["ticketStatus"]["to"] == "ACCEPTED"


async def test_legacy_graphql_ws_protocol(api, world):
    n = await submitted(api, world.resident)
    token = await api.factory.token(world.resident)
    async with api.websocket("graphql-ws") as ws:
        await ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert (await asyncio.wait_for(ws.receive_json(), 5))["type"] == "connection_ack"
        await ws.send_json(
            {"type": "start", "id": "1", "payload": {"query": MY_UPDATES, "variables": {"reportId": rid(n)}}}
        )
        await wait_subscribed(f"report-{n}")
        await run(api, ACCEPT, world.grid, id=rid(n))
        while True:
            message = await asyncio.wait_for(ws.receive_json(), 5)
            if message["type"] == "data":
                break
        assert message["payload"]["data"]["ticketStatus"]["to"] == "ACCEPTED"


async def test_since_replays_what_was_missed_then_goes_live(api, world, clock):
    start = clock.now()
    n = await submitted(api, world.resident)
    clock.advance(minutes=1)
    await run(api, ACCEPT, world.grid, id=rid(n))
    query = """subscription($id: ID!, $since: DateTime) { ticketStatus(reportId: $id, since: $since) {
      from to at report { status } } }"""
    token = await api.factory.token(world.resident)
    async with api.websocket() as ws:
        sub = await subscribe(ws, query, {"id": rid(n), "since": start.isoformat()}, token=token)
        replayed = [(await sub.next())["ticketStatus"] for _ in range(2)]
        await wait_subscribed(f"report-{n}")
        clock.advance(minutes=1)
        await run(api, START, world.grid, id=rid(n))
        live = (await sub.next())["ticketStatus"]
        with pytest.raises(TimeoutError):
            await sub.next(timeout=0.3)  # nothing twice
    assert [(e["from"], e["to"]) for e in replayed] == [(None, "SUBMITTED"), ("SUBMITTED", "ACCEPTED")]
    assert (live["from"], live["to"]) == ("ACCEPTED", "IN_PROGRESS")


async def test_missing_arguments_are_refused(api, world):
    token = await api.factory.token(world.grid)
    async with api.websocket() as ws:
        sub = await subscribe(ws, "subscription { ticketStatus { to } }", token=token)
        with pytest.raises(AssertionError, match="BAD_USER_INPUT"):
            await sub.next(timeout=5)
