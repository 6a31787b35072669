"""常急转换: switching a community's mode moves members into and out of emergency teams, live."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

from api.models.accounts import Role
from api.models.members import CommunityModeChange, MemberKind, Team, TeamKind, TeamMembership
from api.models.places import Community, CommunityMode
from tests.conftest import subscribe
from tests.members.helpers import codes, gid, op

TEAMS = "query($id: ID!) { community(id: $id) { mode teams { name kind memberCount } } }"
MY_TEAMS = "query { me { member { teams { name kind } } } }"
HISTORY = "query($id: ID!) { community(id: $id) { modeChanges(first: 10) { edges { node { from to reason reassignedMembers } } } } }"


async def _switch(api, town, mode: str, reason: str = "暴雨红色预警") -> dict:
    data = (
        await api.data(
            op("SwitchMode"),
            {"communityId": gid("Community", town.community), "mode": mode, "reason": reason},
            as_=town.admin,
        )
    )["communityModeSet"]
    assert data["errors"] == [], data
    return data


async def _counts(api, town) -> dict[str, int]:
    teams = (await api.data(TEAMS, {"id": gid("Community", town.community)}, as_=town.admin))["community"][
        "teams"
    ]
    return {t["name"]: t["memberCount"] for t in teams}


async def test_emergency_moves_working_members_extreme_everyone_normal_restores(api, town):
    service = (
        await api.data(
            op("CreateTeam"),
            {
                "communityId": gid("Community", town.community),
                "name": "崇法明德服务队",
                "kind": "SERVICE",
                "specialty": "LEGAL",
            },
            as_=town.admin,
        )
    )["teamCreate"]
    for name in ("保供队", "巡逻队"):
        await api.data(
            op("CreateTeam"),
            {
                "communityId": gid("Community", town.community),
                "name": name,
                "kind": "EMERGENCY",
                "specialty": "SUPPLY",
            },
            as_=town.admin,
        )
    working = [await town.member() for _ in range(4)]
    others = [await town.member(work_unit=False, kind=MemberKind.GIG_WORKER) for _ in range(2)]
    for account, _ in working[:2] + others[:1]:
        assert (await api.data(op("JoinTeam"), {"teamId": service["team"]["id"]}, as_=account))["teamJoin"][
            "errors"
        ] == []
    assert await _counts(api, town) == {"崇法明德服务队": 3, "保供队": 0, "巡逻队": 0}

    emergency = await _switch(api, town, "EMERGENCY")
    assert emergency["community"]["mode"] == "EMERGENCY" and emergency["reassignedMembers"] == 4
    assert await _counts(api, town) == {
        "崇法明德服务队": 1,
        "保供队": 2,
        "巡逻队": 2,
    }  # 应下尽下, spread evenly
    assert [t["kind"] for t in (await api.data(MY_TEAMS, as_=working[0][0]))["me"]["member"]["teams"]] == [
        "EMERGENCY"
    ]

    extreme = await _switch(api, town, "EXTREME", "全员下沉")
    assert extreme["reassignedMembers"] == 2
    assert await _counts(api, town) == {"崇法明德服务队": 0, "保供队": 3, "巡逻队": 3}

    normal = await _switch(api, town, "NORMAL", "预警解除")
    assert normal["reassignedMembers"] == 6
    assert await _counts(api, town) == {"崇法明德服务队": 3, "保供队": 0, "巡逻队": 0}
    assert (await api.data(MY_TEAMS, as_=working[0][0]))["me"]["member"]["teams"] == [
        {"name": "崇法明德服务队", "kind": "SERVICE"}
    ]
    assert await TeamMembership.filter(by_mode=True).count() == 0

    history = (await api.data(HISTORY, {"id": gid("Community", town.community)}, as_=town.admin))["community"]
    assert [
        (c["from"], c["to"], c["reassignedMembers"])
        for c in (e["node"] for e in history["modeChanges"]["edges"])
    ] == [("NORMAL", "EMERGENCY", 4), ("EMERGENCY", "EXTREME", 2), ("EXTREME", "NORMAL", 6)]


async def test_members_who_volunteered_for_an_emergency_team_stay_there(api, town):
    team = (
        await api.data(
            op("CreateTeam"),
            {"communityId": gid("Community", town.community), "name": "应急队", "kind": "EMERGENCY"},
            as_=town.admin,
        )
    )["teamCreate"]["team"]
    account, _ = await town.member()
    await api.data(op("JoinTeam"), {"teamId": team["id"]}, as_=account)
    assert (await _switch(api, town, "EMERGENCY"))["reassignedMembers"] == 0
    assert (await _switch(api, town, "NORMAL"))["reassignedMembers"] == 0
    assert await _counts(api, town) == {"应急队": 1}


async def test_a_community_without_emergency_teams_gets_one(api, town):
    await town.member()
    assert (await _switch(api, town, "EXTREME"))["reassignedMembers"] == 1
    assert await Team.filter(community_id=town.community.id, kind=TeamKind.EMERGENCY).count() == 1


async def test_switching_per_role_and_rules(api, town, factory):
    variables = {"communityId": gid("Community", town.community), "mode": "EMERGENCY", "reason": "疫情"}
    account, _ = await town.member()
    other_admin = await factory.account(Role.COMMUNITY_ADMIN, await factory.community())
    assert await api.error_code(op("SwitchMode"), variables) == "UNAUTHENTICATED"
    assert await api.error_code(op("SwitchMode"), variables, as_=account) == "FORBIDDEN"
    assert await api.error_code(op("SwitchMode"), variables, as_=town.grid) == "FORBIDDEN"
    assert await api.error_code(op("SwitchMode"), variables, as_=other_admin) == "FORBIDDEN"
    empty = (await api.data(op("SwitchMode"), {**variables, "reason": " "}, as_=town.admin))[
        "communityModeSet"
    ]
    assert codes(empty) == ["REQUIRED"]
    same = (await api.data(op("SwitchMode"), {**variables, "mode": "NORMAL"}, as_=town.admin))[
        "communityModeSet"
    ]
    assert codes(same) == ["INVALID_TRANSITION"]
    assert (await Community.get(id=town.community.id)).mode == CommunityMode.NORMAL
    assert await CommunityModeChange.all().count() == 0


async def test_mode_changes_are_pushed_live(api, town, clock):
    await town.member()
    account, _ = await town.member()
    variables = {"communityId": gid("Community", town.community)}
    async with api.websocket() as ws:
        # `since` replays what the switch may commit before the server has started this subscription
        sub = await subscribe(
            ws,
            op("ModeChanges")
            .replace(
                "communityMode(communityId: $communityId)",
                "communityMode(communityId: $communityId, since: $since)",
            )
            .replace("($communityId: ID!)", "($communityId: ID!, $since: DateTime)"),
            {**variables, "since": (clock.now() - timedelta(seconds=1)).isoformat()},
            token=await town.factory.token(account),
        )
        await _switch(api, town, "EMERGENCY", "汛情")
        event = (await sub.next())["communityMode"]
        assert event == {
            "community": {"id": variables["communityId"], "mode": "EMERGENCY"},
            "from": "NORMAL",
            "to": "EMERGENCY",
            "at": event["at"],
            "reason": "汛情",
        }
        clock.advance(minutes=5)
        await _switch(api, town, "NORMAL", "汛情解除")
        event = (await sub.next())["communityMode"]
        assert (event["from"], event["to"], event["community"]["mode"]) == ("EMERGENCY", "NORMAL", "NORMAL")


async def test_the_contracts_subscription_as_sent(api, town):
    """`ModeChanges` exactly as dashboards send it (no `since`): once the subscription has started,
    every switch arrives, in order."""
    variables = {"communityId": gid("Community", town.community)}
    async with api.websocket() as ws:
        sub = await subscribe(ws, op("ModeChanges"), variables, token=await town.factory.token(town.admin))
        # the server starts the subscription on its own time: switch until one arrives
        sent: dict[str, str] = {}
        modes = ["EMERGENCY", "NORMAL"] * 10
        for i, mode in enumerate(modes):
            sent[f"演练{i}"] = mode
            await _switch(api, town, mode, f"演练{i}")
            try:
                first = (await sub.next(timeout=0.5))["communityMode"]
                break
            except TimeoutError:
                continue
        else:
            raise AssertionError("no mode change arrived")
        assert sent[first["reason"]] == first["to"]
        # from now on nothing is missed
        following = "EMERGENCY" if first["community"]["mode"] == "NORMAL" else "NORMAL"
        await _switch(api, town, following, "实战")
        while (event := (await sub.next())["communityMode"])["reason"] != "实战":
            assert event["reason"] in sent
        assert event["to"] == following and event["community"]["mode"] == following


async def test_only_staff_and_members_follow_the_mode(api, town, factory):
    variables = {"communityId": gid("Community", town.community)}
    stranger = await factory.account(Role.COMMUNITY_ADMIN, await factory.community())
    for who in (town.resident, stranger):
        async with api.websocket() as ws:
            await subscribe(ws, op("ModeChanges"), variables, token=await town.factory.token(who))
            message = await ws.receive_json()
            assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == ["FORBIDDEN"]


async def test_concurrent_switches_keep_a_consistent_history(api, town):
    for _ in range(3):
        await town.member()
    results = await asyncio.gather(
        *(
            api.data(
                op("SwitchMode"),
                {"communityId": gid("Community", town.community), "mode": mode, "reason": mode},
                as_=town.admin,
            )
            for mode in ("EMERGENCY", "EXTREME", "EMERGENCY", "EXTREME")
        )
    )
    outcomes = [codes(r["communityModeSet"]) for r in results]
    assert all(o in ([], ["CONFLICT"], ["INVALID_TRANSITION"]) for o in outcomes), outcomes
    changes = list(await CommunityModeChange.all().order_by("id"))
    assert len(changes) == sum(1 for o in outcomes if not o) >= 1
    assert changes[0].from_mode == "NORMAL"
    assert all(a.to_mode == b.from_mode for a, b in itertools.pairwise(changes))
    assert (await Community.get(id=town.community.id)).mode == changes[-1].to_mode
    # whatever the order, every member is in an emergency team exactly once
    assert await TeamMembership.filter(by_mode=True).count() == 3
