"""Fixtures of the members' tests: a community with its admin, and members checked in to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from api import clock
from api.models.accounts import Account, Role
from api.models.members import Member, MemberKind
from api.models.places import Community, Organization


@dataclass
class Town:
    """百瑞景-like: a community, its admin and grid worker, a work unit with its ORG_ADMIN."""

    factory: Any
    community: Community
    admin: Account
    grid: Account
    unit: Organization
    unit_admin: Account
    resident: Account
    members: list[tuple[Account, Member]] = field(default_factory=list)

    async def member(
        self,
        *,
        work_unit: bool = True,
        kind: MemberKind = MemberKind.PARTY_MEMBER,
        community: Community | None = None,
    ) -> tuple[Account, Member]:
        where = community or self.community
        account = await self.factory.account(Role.MEMBER, where, roles=((Role.RESIDENT, where),))
        member = await Member.create(
            account=account,
            community=where,
            kind=kind,
            work_unit=self.unit if work_unit else None,
            skills=[],
            checked_in_at=clock.now(),
        )
        self.members.append((account, member))
        return account, member


@pytest.fixture
async def town(factory: Any) -> Town:
    community = await factory.community(code="BRJ", name="百瑞景社区")
    unit = await factory.organization(name="武汉市税务局第一分局")
    return Town(
        factory=factory,
        community=community,
        admin=await factory.account(Role.COMMUNITY_ADMIN, community),
        grid=await factory.account(Role.GRID_WORKER, community),
        unit=unit,
        unit_admin=await factory.account(Role.ORG_ADMIN, organization=unit),
        resident=await factory.account(Role.RESIDENT, community, display_name="王阿姨"),
    )
