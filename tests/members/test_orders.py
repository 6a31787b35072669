"""认事、创单、服务纪实、一事一评: the order → record → rating → points path, end to end."""

from __future__ import annotations

import asyncio

from api.models.accounts import Account, Role
from api.models.members import ServiceOrder, ServiceOrderStatus, ServiceRecord
from api.models.points import PointsLedgerEntry
from tests.members.helpers import codes, gid, op

RULE_SET = """mutation($c: ID!, $e: Float!, $g: Float!, $f: Float!, $p: Float!) {
  servicePointsRuleSet(input: {communityId: $c, excellent: $e, good: $g, fair: $f, poor: $p}) {
    rule { excellent good fair poor } errors { field code } } }"""
APPROVE = "mutation($id: ID!) { serviceOrderApprove(input: {id: $id}) { serviceOrder { id status assignee { id } } errors { code } } }"
CANCEL = "mutation($id: ID!) { serviceOrderCancel(input: {id: $id}) { serviceOrder { id status } errors { code } } }"


async def _dispatched(api, town, title: str = "帮忙取药") -> str:
    asked = (
        await api.data(
            op("RequestService"),
            {
                "communityId": gid("Community", town.community),
                "title": title,
                "description": "腿脚不便, 请帮忙去药店取药",
                "specialty": "ELDER_CARE",
            },
            as_=town.resident,
        )
    )["serviceOrderRequest"]
    assert asked["errors"] == [] and asked["serviceOrder"]["status"] == "REQUESTED"
    order_id = asked["serviceOrder"]["id"]
    dispatched = (await api.data(op("DispatchOrder"), {"id": order_id}, as_=town.admin))[
        "serviceOrderDispatch"
    ]
    assert dispatched == {"serviceOrder": {"id": order_id, "status": "DISPATCHED"}, "errors": []}
    return order_id


async def _completed_record(api, town, account, minutes: int = 60) -> str:
    order_id = await _dispatched(api, town)
    accepted = (await api.data(op("AcceptOrder"), {"id": order_id}, as_=account))["serviceOrderAccept"]
    assert accepted["errors"] == []
    done = (
        await api.data(
            op("CompleteOrder"), {"id": order_id, "minutes": minutes, "summary": "已送药上门"}, as_=account
        )
    )["serviceOrderComplete"]
    assert done["errors"] == [] and done["serviceOrder"]["status"] == "COMPLETED"
    return done["serviceRecord"]["id"]


async def test_full_path_request_dispatch_accept_complete_rate_points(api, town):
    account, member = await town.member()
    order_id = await _dispatched(api, town)
    open_orders = (
        await api.data(op("OpenOrders"), {"communityId": gid("Community", town.community)}, as_=account)
    )["serviceOrders"]
    assert open_orders["totalCount"] == 1
    assert open_orders["edges"][0]["node"]["requester"] == {"displayName": "王阿姨"}
    accepted = (await api.data(op("AcceptOrder"), {"id": order_id}, as_=account))["serviceOrderAccept"]
    assert accepted["serviceOrder"] == {
        "id": order_id,
        "status": "ACCEPTED",
        "assignee": {"id": gid("Member", member)},
    }
    done = (
        await api.data(
            op("CompleteOrder"), {"id": order_id, "minutes": 90, "summary": "已送药上门"}, as_=account
        )
    )["serviceOrderComplete"]
    assert done["errors"] == [] and done["serviceOrder"] == {"id": order_id, "status": "COMPLETED"}
    record_id = done["serviceRecord"]["id"]
    assert done["serviceRecord"] == {"id": record_id, "minutes": 90, "summary": "已送药上门"}

    rated = (await api.data(op("RateRecord"), {"id": record_id, "rating": "EXCELLENT"}, as_=town.admin))[
        "serviceRecordRate"
    ]
    assert rated == {
        "serviceRecord": {"id": record_id, "rating": "EXCELLENT", "points": 135},
        "errors": [],
    }  # 90 × 1.5

    mine = (await api.data(op("MyService"), as_=account))["me"]["member"]
    assert mine["points"] == 135
    assert [e["node"]["points"] for e in mine["serviceRecords"]["edges"]] == [135]
    assert [(e["node"]["delta"], e["node"]["balance"]) for e in mine["pointsLedger"]["edges"]] == [(135, 135)]
    assert (await Account.get(id=account.id)).points_balance == 135


async def test_a_record_is_rated_once_and_credited_once(api, town):
    account, _ = await town.member()
    record_id = await _completed_record(api, town, account, minutes=40)
    results = await asyncio.gather(
        *(
            api.data(op("RateRecord"), {"id": record_id, "rating": r}, as_=town.admin)
            for r in ("GOOD", "POOR", "GOOD")
        )
    )
    outcomes = sorted(tuple(codes(r["serviceRecordRate"])) for r in results)
    assert outcomes == [(), ("ALREADY_DONE",), ("ALREADY_DONE",)]
    record = await ServiceRecord.get()
    assert await PointsLedgerEntry.filter(account_id=account.id).count() == 1
    assert (await Account.get(id=account.id)).points_balance == record.points
    again = (await api.data(op("RateRecord"), {"id": record_id, "rating": "EXCELLENT"}, as_=town.admin))[
        "serviceRecordRate"
    ]
    assert codes(again) == ["ALREADY_DONE"]


async def test_better_ratings_earn_more_for_the_same_minutes(api, town):
    earned = {}
    for rating in ("EXCELLENT", "GOOD", "FAIR", "POOR"):
        account, _ = await town.member()
        record_id = await _completed_record(api, town, account, minutes=60)
        data = (await api.data(op("RateRecord"), {"id": record_id, "rating": rating}, as_=town.admin))[
            "serviceRecordRate"
        ]
        earned[rating] = data["serviceRecord"]["points"]
    assert earned == {"EXCELLENT": 90, "GOOD": 72, "FAIR": 60, "POOR": 30}


async def test_the_community_sets_its_own_coefficients(api, town):
    community = gid("Community", town.community)
    bad = await api.data(RULE_SET, {"c": community, "e": 1.0, "g": 2.0, "f": 1.0, "p": 0.5}, as_=town.admin)
    assert codes(bad["servicePointsRuleSet"]) == ["INVALID"]
    member_account, _ = await town.member()
    assert (
        await api.error_code(RULE_SET, {"c": community, "e": 2, "g": 1, "f": 1, "p": 0}, as_=member_account)
        == "FORBIDDEN"
    )
    ok = await api.data(RULE_SET, {"c": community, "e": 2.0, "g": 1.5, "f": 1.0, "p": 0.25}, as_=town.admin)
    assert ok["servicePointsRuleSet"]["rule"] == {"excellent": 2.0, "good": 1.5, "fair": 1.0, "poor": 0.25}
    record_id = await _completed_record(api, town, member_account, minutes=45)
    rated = await api.data(op("RateRecord"), {"id": record_id, "rating": "EXCELLENT"}, as_=town.admin)
    assert rated["serviceRecordRate"]["serviceRecord"]["points"] == 90


async def test_concurrent_accepts_exactly_one_wins(api, town):
    order_id = await _dispatched(api, town)
    accounts = [(await town.member())[0] for _ in range(6)]
    results = await asyncio.gather(*(api.data(op("AcceptOrder"), {"id": order_id}, as_=a) for a in accounts))
    outcomes = sorted(tuple(codes(r["serviceOrderAccept"])) for r in results)
    assert outcomes == [()] + [("ALREADY_TAKEN",)] * 5
    winner = next(r for r in results if not r["serviceOrderAccept"]["errors"])["serviceOrderAccept"][
        "serviceOrder"
    ]
    order = await ServiceOrder.get()
    assert (
        order.status == ServiceOrderStatus.ACCEPTED
        and gid("Member", order.assignee_id) == winner["assignee"]["id"]
    )
    # only the winner completes
    loser = next(a for a, r in zip(accounts, results, strict=True) if r["serviceOrderAccept"]["errors"])
    assert (
        await api.error_code(op("CompleteOrder"), {"id": order_id, "minutes": 10, "summary": "x"}, as_=loser)
        == "FORBIDDEN"
    )


async def test_propose_then_approve_then_complete(api, town):
    account, member = await town.member()
    proposed = (
        await api.data(
            op("ProposeService"),
            {
                "communityId": gid("Community", town.community),
                "title": "心理咨询微服务",
                "description": "每周六上午在活动室",
            },
            as_=account,
        )
    )["serviceOrderPropose"]
    assert proposed["errors"] == [] and proposed["serviceOrder"]["status"] == "PROPOSED"
    order_id = proposed["serviceOrder"]["id"]
    early = await api.data(op("CompleteOrder"), {"id": order_id, "minutes": 30, "summary": "x"}, as_=account)
    assert codes(early["serviceOrderComplete"]) == ["INVALID_TRANSITION"]
    assert await api.error_code(APPROVE, {"id": order_id}, as_=account) == "FORBIDDEN"
    approved = (await api.data(APPROVE, {"id": order_id}, as_=town.admin))["serviceOrderApprove"]
    assert approved["serviceOrder"] == {
        "id": order_id,
        "status": "ACCEPTED",
        "assignee": {"id": gid("Member", member)},
    }
    done = (
        await api.data(
            op("CompleteOrder"), {"id": order_id, "minutes": 120, "summary": "咨询 6 人"}, as_=account
        )
    )["serviceOrderComplete"]
    assert done["errors"] == [] and done["serviceRecord"]["minutes"] == 120
    # a resident cannot propose
    assert (
        await api.error_code(
            op("ProposeService"),
            {"communityId": gid("Community", town.community), "title": "t", "description": "d"},
            as_=town.resident,
        )
        == "FORBIDDEN"
    )


async def test_dispatch_per_role_and_status(api, town, factory):
    asked = (
        await api.data(
            op("RequestService"),
            {"communityId": gid("Community", town.community), "title": "修水管", "description": "厨房漏水"},
            as_=town.resident,
        )
    )["serviceOrderRequest"]
    order_id = asked["serviceOrder"]["id"]
    member_account, _ = await town.member()
    other_admin = await factory.account(Role.COMMUNITY_ADMIN, await factory.community())
    assert await api.error_code(op("DispatchOrder"), {"id": order_id}, as_=member_account) == "FORBIDDEN"
    assert await api.error_code(op("DispatchOrder"), {"id": order_id}, as_=other_admin) == "FORBIDDEN"
    early = (await api.data(op("AcceptOrder"), {"id": order_id}, as_=member_account))["serviceOrderAccept"]
    assert codes(early) == ["INVALID_TRANSITION"]
    assert (await api.data(op("DispatchOrder"), {"id": order_id}, as_=town.admin))["serviceOrderDispatch"][
        "errors"
    ] == []
    twice = (await api.data(op("DispatchOrder"), {"id": order_id}, as_=town.admin))["serviceOrderDispatch"]
    assert codes(twice) == ["INVALID_TRANSITION"]
    # a resident of another community cannot ask this one
    stranger = await factory.account(Role.RESIDENT, await factory.community())
    assert (
        await api.error_code(
            op("RequestService"),
            {"communityId": gid("Community", town.community), "title": "t", "description": "d"},
            as_=stranger,
        )
        == "FORBIDDEN"
    )


async def test_cancel_rules(api, town):
    order_id = await _dispatched(api, town)
    account, _ = await town.member()
    assert await api.error_code(CANCEL, {"id": order_id}, as_=account) == "FORBIDDEN"
    assert (await api.data(CANCEL, {"id": order_id}, as_=town.resident))["serviceOrderCancel"][
        "serviceOrder"
    ]["status"] == "CANCELLED"
    assert codes((await api.data(CANCEL, {"id": order_id}, as_=town.admin))["serviceOrderCancel"]) == [
        "INVALID_TRANSITION"
    ]
    # once accepted, only the admin cancels
    second = await _dispatched(api, town, "陪同就医")
    await api.data(op("AcceptOrder"), {"id": second}, as_=account)
    assert codes((await api.data(CANCEL, {"id": second}, as_=town.resident))["serviceOrderCancel"]) == [
        "INVALID_TRANSITION"
    ]
    assert (await api.data(CANCEL, {"id": second}, as_=town.admin))["serviceOrderCancel"]["serviceOrder"][
        "status"
    ] == "CANCELLED"


async def test_open_orders_are_seen_by_the_communitys_members_only(api, town, factory):
    await _dispatched(api, town)
    requested = (
        await api.data(
            op("RequestService"),
            {"communityId": gid("Community", town.community), "title": "未派单", "description": "d"},
            as_=town.resident,
        )
    )["serviceOrderRequest"]
    assert requested["errors"] == []
    member_account, _ = await town.member()
    elsewhere, _ = await town.member(community=await factory.community())
    variables = {"communityId": gid("Community", town.community)}
    assert (await api.data(op("OpenOrders"), variables, as_=member_account))["serviceOrders"][
        "totalCount"
    ] == 1
    assert (await api.data(op("OpenOrders"), variables, as_=elsewhere))["serviceOrders"]["totalCount"] == 0
    everything = "query($c: ID!) { serviceOrders(filter: {communityId: $c}) { totalCount } }"
    assert (await api.data(everything, {"c": variables["communityId"]}, as_=town.admin))["serviceOrders"][
        "totalCount"
    ] == 2
    assert (await api.data(everything, {"c": variables["communityId"]}, as_=member_account))["serviceOrders"][
        "totalCount"
    ] == 1
    # the resident sees their own two
    assert (await api.data(everything, {"c": variables["communityId"]}, as_=town.resident))["serviceOrders"][
        "totalCount"
    ] == 2
