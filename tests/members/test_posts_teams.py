"""认岗 and teams: creating them per role, claiming under concurrency, joining."""

from __future__ import annotations

import asyncio

from api.models.accounts import Role
from api.models.members import Post, PostClaim, Specialty, Team, TeamKind
from tests.members.helpers import codes, gid, op


async def _post(api, town, capacity: int = 2) -> str:
    data = (
        await api.data(
            op("CreatePost"),
            {
                "communityId": gid("Community", town.community),
                "title": "法律咨询岗",
                "specialty": "LEGAL",
                "capacity": capacity,
            },
            as_=town.admin,
        )
    )["postCreate"]
    assert data["errors"] == []
    return data["post"]["id"]


async def test_create_post_per_role(api, town, factory):
    variables = {
        "communityId": gid("Community", town.community),
        "title": "义诊岗",
        "specialty": "MEDICAL",
        "capacity": 5,
    }
    other_admin = await factory.account(Role.COMMUNITY_ADMIN, await factory.community())
    account, _ = await town.member()
    assert await api.error_code(op("CreatePost"), variables) == "UNAUTHENTICATED"
    assert await api.error_code(op("CreatePost"), variables, as_=account) == "FORBIDDEN"
    assert await api.error_code(op("CreatePost"), variables, as_=other_admin) == "FORBIDDEN"
    bad = (await api.data(op("CreatePost"), {**variables, "capacity": 0, "title": " "}, as_=town.admin))[
        "postCreate"
    ]
    assert {(e["field"], e["code"]) for e in bad["errors"]} == {
        ("capacity", "OUT_OF_RANGE"),
        ("title", "REQUIRED"),
    }
    data = (await api.data(op("CreatePost"), variables, as_=town.admin))["postCreate"]
    assert data["post"] == {
        "id": data["post"]["id"],
        "title": "义诊岗",
        "specialty": "MEDICAL",
        "capacity": 5,
    }
    assert await Post.filter(community_id=town.community.id).count() == 1


async def test_concurrent_claims_never_exceed_capacity(api, town):
    post_id = await _post(api, town, capacity=3)
    claimants = [(await town.member())[0] for _ in range(8)]
    results = await asyncio.gather(
        *(api.data(op("ClaimPost"), {"postId": post_id}, as_=a) for a in claimants)
    )
    outcomes = sorted(tuple(codes(r["postClaim"])) for r in results)
    assert outcomes == [()] * 3 + [("CAPACITY_REACHED",)] * 5
    post = await Post.get()
    assert post.claimed_count == 3 and await PostClaim.all().count() == 3
    page = (
        await api.data(
            op("CommunityPosts"), {"communityId": gid("Community", town.community)}, as_=claimants[0]
        )
    )["community"]
    assert page["posts"] == [
        {"id": post_id, "title": "法律咨询岗", "specialty": "LEGAL", "capacity": 3, "claimedCount": 3}
    ]


async def test_claim_once_and_only_where_checked_in(api, town, factory):
    post_id = await _post(api, town)
    account, _ = await town.member()
    first = (await api.data(op("ClaimPost"), {"postId": post_id}, as_=account))["postClaim"]
    assert first["errors"] == [] and first["post"]["claimedCount"] == 1
    again = (await api.data(op("ClaimPost"), {"postId": post_id}, as_=account))["postClaim"]
    assert codes(again) == ["ALREADY_DONE"]
    assert (await Post.get()).claimed_count == 1
    elsewhere, _ = await town.member(community=await factory.community())
    assert await api.error_code(op("ClaimPost"), {"postId": post_id}, as_=elsewhere) == "FORBIDDEN"
    assert await api.error_code(op("ClaimPost"), {"postId": post_id}, as_=town.resident) == "FORBIDDEN"


async def test_concurrent_claims_by_one_member_count_once(api, town):
    post_id = await _post(api, town, capacity=5)
    account, _ = await town.member()
    results = await asyncio.gather(
        *(api.data(op("ClaimPost"), {"postId": post_id}, as_=account) for _ in range(4))
    )
    assert sorted(tuple(codes(r["postClaim"])) for r in results) == [()] + [("ALREADY_DONE",)] * 3
    assert (await Post.get()).claimed_count == 1


async def test_create_and_join_teams(api, town):
    variables = {
        "communityId": gid("Community", town.community),
        "name": "崇法明德服务队",
        "kind": "SERVICE",
        "specialty": "LEGAL",
    }
    account, _ = await town.member()
    assert await api.error_code(op("CreateTeam"), variables, as_=account) == "FORBIDDEN"
    data = (await api.data(op("CreateTeam"), variables, as_=town.admin))["teamCreate"]
    assert (
        data["errors"] == []
        and data["team"]["name"] == "崇法明德服务队"
        and data["team"]["specialty"] == "LEGAL"
    )
    dup = (await api.data(op("CreateTeam"), variables, as_=town.admin))["teamCreate"]
    assert codes(dup) == ["DUPLICATE"]
    team_id = data["team"]["id"]
    joined = (await api.data(op("JoinTeam"), {"teamId": team_id}, as_=account))["teamJoin"]
    assert joined == {"team": {"id": team_id, "memberCount": 1}, "errors": []}
    assert codes((await api.data(op("JoinTeam"), {"teamId": team_id}, as_=account))["teamJoin"]) == [
        "ALREADY_DONE"
    ]
    assert await api.error_code(op("JoinTeam"), {"teamId": team_id}, as_=town.resident) == "FORBIDDEN"
    teams = (
        await api.data(op("CommunityPosts"), {"communityId": gid("Community", town.community)}, as_=account)
    )["community"]["teams"]
    assert teams == [
        {"id": team_id, "name": "崇法明德服务队", "kind": "SERVICE", "specialty": "LEGAL", "memberCount": 1}
    ]
    assert await Team.filter(kind=TeamKind.SERVICE, specialty=Specialty.LEGAL).count() == 1
