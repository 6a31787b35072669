"""Member and Team resolve without a statement per row: the number of SQL statements of a query
does not grow with the number of members, records, pairings, visits or teams it returns."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from tortoise import connections

from api import clock
from api.models.care import CareCategory, CareRecipient
from api.models.members import (
    Pairing,
    Post,
    PostClaim,
    ServiceRecord,
    Specialty,
    Team,
    TeamKind,
    TeamMembership,
    Visit,
)
from tests.members.helpers import gid

MEMBERS = """query($c: ID!) { members(communityId: $c, first: 50) { edges { node {
  id displayName points kind workUnit { name } community { name }
  serviceRecords(first: 5) { totalCount edges { node { id rating points } } }
  pairings { id recipient { name category } visits(first: 2) { totalCount edges { node { note } } } }
  teams { name memberCount } posts { title claimedCount }
} } } }"""
TEAMS = """query($c: ID!) { community(id: $c) { teams { name memberCount leader { displayName }
  members(first: 10) { totalCount edges { node { displayName } } } } posts { title claimedCount } } }"""


@contextlib.contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    statements: list[str] = []
    conn = connections.get("default")
    for name in ("execute_query", "execute_query_dict"):
        original = getattr(conn, name)

        async def counted(query, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            statements.append(query)
            return await _original(query, *args, **kwargs)

        monkeypatch.setattr(conn, name, counted)
    yield statements
    monkeypatch.undo()


async def _grow(town, n: int) -> None:
    team = await Team.create(
        community=town.community, name=f"服务队{n}", kind=TeamKind.SERVICE, created_at=clock.now()
    )
    post = await Post.create(
        community=town.community,
        title=f"岗位{n}",
        specialty=Specialty.LEGAL,
        capacity=99,
        created_at=clock.now(),
    )
    for i in range(n):
        _, member = await town.member()
        team.leader_id = member.id
        await team.save()
        await TeamMembership.create(team=team, member=member, joined_at=clock.now())
        await PostClaim.create(post=post, member=member, claimed_at=clock.now())
        for _ in range(2):
            await ServiceRecord.create(
                member=member, community=town.community, minutes=30, summary="s", at=clock.now()
            )
        recipient = await CareRecipient.create(
            community=town.community,
            name=f"老人{n}-{i}",
            category=CareCategory.ELDERLY_ALONE,
            created_at=clock.now(),
        )
        pairing = await Pairing.create(
            member=member, recipient=recipient, community=town.community, started_at=clock.now()
        )
        for k in range(3):
            await Visit.create(pairing=pairing, at=clock.now(), minutes=10, note=f"第{k}次")


async def _count(api, town, monkeypatch, query: str) -> int:
    token = await town.factory.token(town.admin)
    with counting(monkeypatch) as statements:
        data = await api.data(query, {"c": gid("Community", town.community)}, as_=token)
    assert data
    return len(statements)


async def test_members_and_nested_lists_are_batched(api, town, monkeypatch):
    await _grow(town, 2)
    few = await _count(api, town, monkeypatch, MEMBERS)
    await _grow(town, 6)
    many = await _count(api, town, monkeypatch, MEMBERS)
    assert few >= 5 and many == few


async def test_teams_are_batched(api, town, monkeypatch):
    await _grow(town, 2)
    few = await _count(api, town, monkeypatch, TEAMS)
    for n in range(3, 7):
        await _grow(town, n)
    many = await _count(api, town, monkeypatch, TEAMS)
    assert few >= 5 and many == few
