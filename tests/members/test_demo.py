"""The demo data (百瑞景社区, code BRJ) works through the contract's operations, and seeding twice changes nothing."""

from __future__ import annotations

from api.models.accounts import Account
from api.models.members import Member, PostClaim, ServiceRecord, TeamMembership
from api.models.places import Community
from resolvers.demo import seed_demo
from tests.members.helpers import gid, op

RECORDS = "query { serviceRecords(first: 5) { totalCount } }"


async def test_demo_data_through_the_contract(api, settings, clock):
    await seed_demo(settings)
    counts = (await Member.all().count(), await PostClaim.all().count(), await TeamMembership.all().count())
    await seed_demo(settings)
    assert (
        await Member.all().count(),
        await PostClaim.all().count(),
        await TeamMembership.all().count(),
    ) == counts

    brj = await Community.get(code="BRJ")
    liu, admin, tax, wang = [await Account.get(username=u) for u in ("liu", "brj-admin", "tax-admin", "wang")]
    assert await Member.filter(community_id=brj.id).count() == 1574

    mine = (await api.data(op("MyService"), as_=liu))["me"]["member"]
    # 90 points from the rated service records; other demo domains may credit liu too (a resolved report)
    assert sum(e["node"]["points"] or 0 for e in mine["serviceRecords"]["edges"]) == 90
    assert len(mine["serviceRecords"]["edges"]) == 2
    assert mine["points"] == mine["pointsLedger"]["edges"][0]["node"]["balance"] >= 90
    page = (await api.data(op("CommunityPosts"), {"communityId": gid("Community", brj)}, as_=liu))[
        "community"
    ]
    assert {t["name"] for t in page["teams"]} >= {"崇法明德服务队", "保供应急队"}
    assert all(p["claimedCount"] <= p["capacity"] for p in page["posts"])
    # 三方可见: the tax office's ORG_ADMIN sees liu's records, the resident does not
    assert (await api.data(RECORDS, as_=tax))["serviceRecords"]["totalCount"] >= 2
    assert (await api.data(RECORDS, as_=wang))["serviceRecords"]["totalCount"] == 0
    # the unrated record gets rated from the dashboard
    unrated = await ServiceRecord.get(rating=None)
    rated = await api.data(
        op("RateRecord"), {"id": gid("ServiceRecord", unrated), "rating": "GOOD"}, as_=admin
    )
    assert rated["serviceRecordRate"]["serviceRecord"]["points"] == 54  # 45 minutes × 1.2
    # 熊雯 and 梁爹爹
    xiongwen = await Account.get(username="xiongwen")
    pairings = (await api.data(op("MyPairings"), as_=xiongwen))["me"]["member"]["pairings"]
    assert pairings[0]["recipient"]["name"] == "梁爹爹" and len(pairings[0]["visits"]["edges"]) == 3
    # the whole community goes down (全员下沉) and comes back
    variables = {"communityId": gid("Community", brj), "reason": "演练"}
    emergency = (await api.data(op("SwitchMode"), {**variables, "mode": "EMERGENCY"}, as_=admin))[
        "communityModeSet"
    ]
    with_unit = await Member.filter(community_id=brj.id, work_unit_id__not_isnull=True).count()
    assert emergency["errors"] == [] and emergency["reassignedMembers"] == with_unit
    extreme = (await api.data(op("SwitchMode"), {**variables, "mode": "EXTREME"}, as_=admin))[
        "communityModeSet"
    ]
    assert extreme["reassignedMembers"] == 1574 - with_unit
    normal = (await api.data(op("SwitchMode"), {**variables, "mode": "NORMAL"}, as_=admin))[
        "communityModeSet"
    ]
    assert normal["reassignedMembers"] == 1574 and normal["community"]["mode"] == "NORMAL"
    assert await TeamMembership.all().count() == counts[2]
