"""双报到: checking in to a community, end to end."""

from __future__ import annotations

from api.models.accounts import Role, RoleGrant
from api.models.members import Member
from tests.members.helpers import codes, gid, op

STATS = "query($id: ID!) { community(id: $id) { stats { members residents } } }"
MEMBERSHIPS = "query { me { member { id community { name } } memberships { id community { name } } } }"


async def test_check_in_grants_member_and_shows_on_me(api, factory):
    community = await factory.community(code="BRJ", name="百瑞景社区")
    unit = await factory.organization(name="武汉市税务局第一分局")
    account = await factory.account(Role.RESIDENT, community)
    data = (
        await api.data(
            op("CheckIn"),
            {
                "communityCode": "brj",
                "kind": "PARTY_MEMBER",
                "workUnitId": gid("Organization", unit),
                "skills": ["法律咨询", " 调解 "],
            },
            as_=account,
        )
    )["memberCheckIn"]
    assert data["errors"] == []
    member = data["member"]
    assert member["kind"] == "PARTY_MEMBER" and member["skills"] == ["法律咨询", "调解"]
    assert (
        member["community"]["name"] == "百瑞景社区" and member["workUnit"]["name"] == "武汉市税务局第一分局"
    )
    assert await RoleGrant.exists(account_id=account.id, role=Role.MEMBER, community_id=community.id)
    me = (await api.data(MEMBERSHIPS, as_=account))["me"]
    assert me["member"]["id"] == member["id"]
    assert [m["community"]["name"] for m in me["memberships"]] == ["百瑞景社区"]
    admin = await factory.account(Role.COMMUNITY_ADMIN, community)
    stats = (await api.data(STATS, {"id": gid("Community", community)}, as_=admin))["community"]["stats"]
    assert stats["members"] == 1


async def test_one_membership_per_account_and_community(api, factory):
    await factory.community(code="BRJ")
    other = await factory.community(code="JASQ")
    account = await factory.account(Role.RESIDENT, other)
    variables = {"communityCode": "BRJ", "kind": "VOLUNTEER"}
    assert (await api.data(op("CheckIn"), variables, as_=account))["memberCheckIn"]["errors"] == []
    again = (await api.data(op("CheckIn"), variables, as_=account))["memberCheckIn"]
    assert codes(again) == ["DUPLICATE"] and again["member"] is None
    # a second community is a second membership; `member` is the first, `memberships` both
    assert (await api.data(op("CheckIn"), {**variables, "communityCode": "JASQ"}, as_=account))[
        "memberCheckIn"
    ]["errors"] == []
    me = (await api.data(MEMBERSHIPS, as_=account))["me"]
    assert len(me["memberships"]) == 2 and me["member"]["id"] == me["memberships"][0]["id"]
    assert await Member.filter(account_id=account.id).count() == 2


async def test_check_in_refuses_unknown_code_and_work_unit(api, factory):
    account = await factory.account(Role.RESIDENT)
    data = (
        await api.data(
            op("CheckIn"),
            {"communityCode": "NOPE", "kind": "GIG_WORKER", "workUnitId": gid("Organization", 999)},
            as_=account,
        )
    )["memberCheckIn"]
    assert {(e["field"], e["code"]) for e in data["errors"]} == {
        ("communityCode", "NOT_FOUND"),
        ("workUnitId", "NOT_FOUND"),
    }
    assert await Member.all().count() == 0


async def test_check_in_needs_an_account(api, factory):
    await factory.community(code="BRJ")
    assert (
        await api.error_code(op("CheckIn"), {"communityCode": "BRJ", "kind": "VOLUNTEER"})
        == "UNAUTHENTICATED"
    )
