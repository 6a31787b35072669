"""Rewards: public listing, redeeming points (never oversold, never overdrawn, once per key), checking off."""

from __future__ import annotations

import asyncio

from api import points
from api.models.accounts import Role
from api.models.points import PointsLedgerEntry
from api.models.stations import Redemption, Reward
from resolvers import stations as use_cases
from schema.base import encode_id
from tests.stations.helpers import give_points, reward, station

REWARDS = """
query Rewards($stationId: ID!) {
  station(id: $stationId) { id rewards { id name pointsCost stock } }
}"""
REDEEM = """
mutation RedeemReward($rewardId: ID!, $idempotencyKey: String) {
  rewardRedeem(input: { rewardId: $rewardId, idempotencyKey: $idempotencyKey }) {
    redemption { id code pointsSpent reward { id name } }
    balance
    errors { field code message }
  }
}"""
CREATE_REWARD = """
mutation CreateReward($stationId: ID!, $name: String!, $pointsCost: Int!, $stock: Int!) {
  rewardCreate(input: { stationId: $stationId, name: $name, pointsCost: $pointsCost, stock: $stock }) {
    reward { id name pointsCost stock }
    errors { field code message }
  }
}"""
COLLECT = """mutation($code: String!) { redemptionCollect(input: {code: $code}) {
  redemption { id status collectedAt } errors { field code } } }"""


async def test_create_reward_by_station_managers_and_list_it_without_logging_in(api, factory, clock):
    community = await factory.community()
    s = await station(community=community)
    manager = await factory.account(Role.COMMUNITY_ADMIN, community)
    rider = await factory.account(Role.RESIDENT, community)
    variables = {
        "stationId": encode_id("Station", s.id),
        "name": "黄鹤楼公园门票",
        "pointsCost": 500,
        "stock": 50,
    }
    assert await api.error_code(CREATE_REWARD, variables, as_=rider) == "FORBIDDEN"
    assert await api.error_code(CREATE_REWARD, variables) == "UNAUTHENTICATED"
    bad = (await api.data(CREATE_REWARD, {**variables, "pointsCost": 0, "stock": -1}, as_=manager))[
        "rewardCreate"
    ]
    assert {(e["field"], e["code"]) for e in bad["errors"]} == {
        ("pointsCost", "OUT_OF_RANGE"),
        ("stock", "OUT_OF_RANGE"),
    }
    data = (await api.data(CREATE_REWARD, variables, as_=manager))["rewardCreate"]
    assert data["errors"] == [] and data["reward"]["stock"] == 50

    listed = (await api.data(REWARDS, {"stationId": encode_id("Station", s.id)}))["station"]
    assert listed["rewards"] == [data["reward"]]


async def test_redeem_spends_points_and_gives_a_code_the_station_checks_off_once(api, factory, clock):
    community = await factory.community()
    s = await station(community=community)
    ticket = await reward(s, cost=500, stock=50)
    rider = await factory.account(Role.RESIDENT, community)
    manager = await factory.account(Role.COMMUNITY_ADMIN, community)
    await give_points(rider, 600)

    variables = {"rewardId": encode_id("Reward", ticket.id), "idempotencyKey": "tap-1"}
    assert await api.error_code(REDEEM, variables) == "UNAUTHENTICATED"
    data = (await api.data(REDEEM, variables, as_=rider))["rewardRedeem"]
    assert data["errors"] == [] and data["balance"] == 100
    assert data["redemption"]["pointsSpent"] == 500 and len(data["redemption"]["code"]) == 8
    assert data["redemption"]["reward"]["name"] == "黄鹤楼门票"
    assert (await Reward.get(id=ticket.id)).stock == 49
    assert await points.balance(rider.id) == 100
    entry = await PointsLedgerEntry.filter(account_id=rider.id).order_by("-id").first()
    assert entry is not None and entry.delta == -500 and entry.balance == 100

    # a retry with the same key changes nothing and returns the same redemption
    again = (await api.data(REDEEM, variables, as_=rider))["rewardRedeem"]
    assert again["redemption"] == data["redemption"] and again["balance"] == 100
    assert (await Reward.get(id=ticket.id)).stock == 49
    # a new key: not enough points left
    poor = (await api.data(REDEEM, {**variables, "idempotencyKey": "tap-2"}, as_=rider))["rewardRedeem"]
    assert [e["code"] for e in poor["errors"]] == ["INSUFFICIENT_POINTS"] and poor["redemption"] is None
    assert (await Reward.get(id=ticket.id)).stock == 49  # the stock taken was given back with the rollback

    code = data["redemption"]["code"]
    assert await api.error_code(COLLECT, {"code": code}, as_=rider) == "FORBIDDEN"
    collected = (await api.data(COLLECT, {"code": code.lower()}, as_=manager))["redemptionCollect"]
    assert collected["errors"] == [] and collected["redemption"]["status"] == "COLLECTED"
    twice = (await api.data(COLLECT, {"code": code}, as_=manager))["redemptionCollect"]
    assert [e["code"] for e in twice["errors"]] == ["ALREADY_DONE"]
    unknown = (await api.data(COLLECT, {"code": "NOPE1234"}, as_=manager))["redemptionCollect"]
    assert [e["code"] for e in unknown["errors"]] == ["NOT_FOUND"]

    mine = "query { me { redemptions(first: 5) { totalCount edges { node { code status } } } } }"
    assert (await api.data(mine, as_=rider))["me"]["redemptions"]["edges"] == [
        {"node": {"code": code, "status": "COLLECTED"}}
    ]


async def test_out_of_stock_is_a_typed_error(api, factory, clock):
    s = await station()
    gone = await reward(s, cost=10, stock=0)
    rider = await factory.account()
    await give_points(rider, 100)
    data = (await api.data(REDEEM, {"rewardId": encode_id("Reward", gone.id)}, as_=rider))["rewardRedeem"]
    assert [e["code"] for e in data["errors"]] == ["OUT_OF_STOCK"]
    assert await points.balance(rider.id) == 100


async def test_redemption_race_never_oversells(api, factory, clock):
    s = await station()
    ticket = await reward(s, cost=100, stock=3)
    riders = [await factory.account() for _ in range(8)]
    for rider in riders:
        await give_points(rider, 100)
    variables = {"rewardId": encode_id("Reward", ticket.id)}
    results = await asyncio.gather(*(api.data(REDEEM, variables, as_=r) for r in riders))
    outcomes = sorted(
        "ok" if not r["rewardRedeem"]["errors"] else r["rewardRedeem"]["errors"][0]["code"] for r in results
    )
    assert outcomes == ["OUT_OF_STOCK"] * 5 + ["ok"] * 3
    assert (await Reward.get(id=ticket.id)).stock == 0
    assert await Redemption.filter(reward_id=ticket.id).count() == 3
    assert sorted([await points.balance(r.id) for r in riders]) == [0] * 3 + [100] * 5


async def test_redemption_race_by_one_account_never_overdraws(api, factory, clock):
    s = await station()
    ticket = await reward(s, cost=100, stock=10)
    rider = await factory.account()
    await give_points(rider, 250)
    variables = {"rewardId": encode_id("Reward", ticket.id)}
    results = await asyncio.gather(
        *(api.data(REDEEM, {**variables, "idempotencyKey": f"k{i}"}, as_=rider) for i in range(5))
    )
    outcomes = sorted(
        "ok" if not r["rewardRedeem"]["errors"] else r["rewardRedeem"]["errors"][0]["code"] for r in results
    )
    assert outcomes == ["INSUFFICIENT_POINTS"] * 3 + ["ok"] * 2
    assert await points.balance(rider.id) == 50
    assert (await Reward.get(id=ticket.id)).stock == 8


async def test_concurrent_retries_with_one_key_redeem_once(factory, clock):
    from api.auth import principal_for_account

    s = await station()
    ticket = await reward(s, cost=100, stock=10)
    rider = await factory.account()
    await give_points(rider, 1000)
    principal = await principal_for_account(rider)
    results = await asyncio.gather(
        *(
            use_cases.redeem_reward(principal=principal, reward_id=ticket.id, idempotency_key="same")
            for _ in range(5)
        )
    )
    assert len({r.redemption.id for r in results}) == 1
    assert await Redemption.filter(account_id=rider.id).count() == 1
    assert await points.balance(rider.id) == 900
    assert (await Reward.get(id=ticket.id)).stock == 9


async def test_the_managing_unit_checks_codes_off_and_anyone_reads_a_station_by_node_id(api, factory, clock):
    from api.models.places import OrganizationKind

    unit = await factory.organization(OrganizationKind.STREET)
    other_unit = await factory.organization(OrganizationKind.STREET)
    s = await station(managing_unit=unit)
    ticket = await reward(s, cost=10, stock=1)
    rider = await factory.account()
    await give_points(rider, 10)
    unit_admin = await factory.account(Role.ORG_ADMIN, organization=unit)
    other_admin = await factory.account(Role.ORG_ADMIN, organization=other_unit)
    code = (await api.data(REDEEM, {"rewardId": encode_id("Reward", ticket.id)}, as_=rider))["rewardRedeem"][
        "redemption"
    ]["code"]
    assert await api.error_code(COLLECT, {"code": code}, as_=other_admin) == "FORBIDDEN"
    done = (await api.data(COLLECT, {"code": code}, as_=unit_admin))["redemptionCollect"]
    assert done["redemption"]["status"] == "COLLECTED"

    node = "query($id: ID!) { node(id: $id) { ... on Station { name rewards { stock } } } }"
    assert (await api.data(node, {"id": encode_id("Station", s.id)}))["node"] == {
        "name": "驿站",
        "rewards": [{"stock": 0}],
    }
    # someone else's redemption is not visible through node(id:)
    redemption = "query($id: ID!) { node(id: $id) { ... on Redemption { code } } }"
    rid = done["redemption"]["id"]
    assert (await api.data(redemption, {"id": rid}, as_=unit_admin))["node"] is None
    assert (await api.data(redemption, {"id": rid}, as_=rider))["node"] == {"code": code}
