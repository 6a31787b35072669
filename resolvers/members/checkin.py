"""Check-in (双报到), posts (认岗) and teams.

A post's `claimed_count` changes only through one conditional UPDATE (`claimed_count < capacity`),
and a claim is unique per post and member, so concurrent claims never exceed the capacity on
any backend.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, UserError, Validator
from api.models.accounts import Role, RoleGrant
from api.models.members import Member, MemberKind, Post, PostClaim, Specialty, Team, TeamKind, TeamMembership
from api.models.places import Community, Organization
from resolvers.members.access import require_admin, require_membership, service_scope

log = logging.getLogger("zhili.members")

MAX_SKILLS = 20
MAX_CAPACITY = 100_000


def _skills(v: Validator, skills: Sequence[str] | None) -> list[str]:
    cleaned = list(dict.fromkeys(s.strip() for s in (skills or ()) if s and s.strip()))
    v.check(len(cleaned) <= MAX_SKILLS, ErrorCode.OUT_OF_RANGE, f"At most {MAX_SKILLS} skills.", "skills")
    v.check(
        all(len(s) <= 32 for s in cleaned), ErrorCode.TOO_LONG, "A skill has at most 32 characters.", "skills"
    )
    return cleaned


async def check_in(
    *,
    principal: Principal,
    community_code: str,
    kind: MemberKind,
    work_unit_id: int | None = None,
    skills: Sequence[str] | None = None,
) -> Member:
    """Check in to the community where one lives (双报到): one membership per account and community.

    Grants MEMBER (and RESIDENT: one checks in where one lives) in that community.
    """
    assert principal.account_id is not None
    v = Validator()
    code = v.text("communityCode", community_code, max_length=32)
    skills_ = _skills(v, skills)
    community = await Community.get_or_none(code=code.upper()) if code else None
    if code:
        v.check(community is not None, ErrorCode.NOT_FOUND, "No community has this code.", "communityCode")
    if work_unit_id is not None:
        v.check(
            await Organization.exists(id=work_unit_id),
            ErrorCode.NOT_FOUND,
            "No such work unit.",
            "workUnitId",
        )
    v.raise_if_any()
    assert community is not None
    now = clock.now()
    try:
        async with transaction() as conn:
            member = await Member.create(
                account_id=principal.account_id,
                community_id=community.id,
                kind=kind,
                work_unit_id=work_unit_id,
                skills=skills_,
                checked_in_at=now,
                using_db=conn,
            )
            # tortoise types every values_list as tuples; flat=True gives the values themselves
            have = set(
                cast(
                    list[str],
                    await RoleGrant.filter(
                        account_id=principal.account_id,
                        community_id=community.id,
                        role__in=[Role.MEMBER, Role.RESIDENT],
                    )
                    .using_db(conn)
                    .values_list("role", flat=True),
                )
            )
            for role in (Role.MEMBER, Role.RESIDENT):
                if role not in have:
                    await RoleGrant.create(
                        account_id=principal.account_id,
                        role=role,
                        community_id=community.id,
                        created_at=now,
                        using_db=conn,
                    )
    except IntegrityError as exc:
        raise UserError(
            ErrorCode.DUPLICATE, "You have already checked in to this community.", "communityCode"
        ) from exc
    log.info(
        "account %s checked in to community %s as member %s", principal.account_id, community.id, member.id
    )
    return member


def members(
    *,
    principal: Principal,
    community_id: int | None = None,
    work_unit_id: int | None = None,
    kind: MemberKind | None = None,
) -> QuerySet[Member]:
    """Members the principal may see in full: their own, their community's (staff), their work unit's (ORG_ADMIN)."""
    qs = Member.all()
    scope = service_scope(principal, member_prefix="")
    if scope is not None:
        qs = qs.filter(scope)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if work_unit_id is not None:
        qs = qs.filter(work_unit_id=work_unit_id)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.order_by("id")


async def member_counts(community_ids: list[int]) -> list[int]:
    """Members per community, in one grouped statement (a DataLoader batch function)."""
    rows = (
        await Member.filter(community_id__in=community_ids)
        .annotate(n=Count("id"))
        .group_by("community_id")
        .values("community_id", "n")
    )
    counts = {r["community_id"]: r["n"] for r in rows}
    return [int(counts.get(c, 0)) for c in community_ids]


# ------------------------------------------------------------------ posts


async def create_post(
    *,
    principal: Principal,
    community_id: int,
    title: str,
    specialty: Specialty,
    capacity: int,
    description: str | None = None,
) -> Post:
    require_admin(principal, community_id, "creates posts")
    v = Validator()
    title_ = v.text("title", title, max_length=128)
    description_ = v.text("description", description, max_length=2000, required=False)
    v.check(
        1 <= capacity <= MAX_CAPACITY,
        ErrorCode.OUT_OF_RANGE,
        f"A capacity is 1 to {MAX_CAPACITY}.",
        "capacity",
    )
    v.raise_if_any()
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    return await Post.create(
        community_id=community_id,
        title=title_,
        specialty=specialty,
        capacity=capacity,
        description=description_ or "",
        created_at=clock.now(),
    )


async def _post(post_id: int) -> Post:
    post = await Post.get_or_none(id=post_id)
    if post is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such post.", "postId")
    return post


async def claim_post(*, principal: Principal, post_id: int) -> Post:
    """认岗: take one place of the post; CAPACITY_REACHED when it is full, ALREADY_DONE when held."""
    post = await _post(post_id)
    member = await require_membership(principal, post.community_id)
    try:
        async with transaction() as conn:
            await PostClaim.create(
                post_id=post.id, member_id=member.id, claimed_at=clock.now(), using_db=conn
            )
            taken = (
                await Post.filter(id=post.id, claimed_count__lt=F("capacity"))
                .using_db(conn)
                .update(claimed_count=F("claimed_count") + 1)
            )
            if not taken:
                raise UserError(ErrorCode.CAPACITY_REACHED, "Every place of this post is taken.", "postId")
    except IntegrityError as exc:
        raise UserError(ErrorCode.ALREADY_DONE, "You already hold this post.", "postId") from exc
    return await Post.get(id=post.id)


async def release_post(*, principal: Principal, post_id: int) -> Post:
    """Give a claimed place back."""
    post = await _post(post_id)
    member = await require_membership(principal, post.community_id)
    async with transaction() as conn:
        deleted = await PostClaim.filter(post_id=post.id, member_id=member.id).using_db(conn).delete()
        if not deleted:
            raise UserError(ErrorCode.NOT_FOUND, "You do not hold this post.", "postId")
        await (
            Post.filter(id=post.id, claimed_count__gt=0)
            .using_db(conn)
            .update(claimed_count=F("claimed_count") - 1)
        )
    return await Post.get(id=post.id)


# ------------------------------------------------------------------ teams


async def create_team(
    *,
    principal: Principal,
    community_id: int,
    name: str,
    kind: TeamKind,
    specialty: Specialty | None = None,
    leader_id: int | None = None,
) -> Team:
    require_admin(principal, community_id, "creates teams")
    v = Validator()
    name_ = v.text("name", name, max_length=128)
    v.raise_if_any()
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    if leader_id is not None and not await Member.exists(id=leader_id, community_id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "The leader is not a member of this community.", "leaderId")
    now = clock.now()
    try:
        async with transaction() as conn:
            team = await Team.create(
                community_id=community_id,
                name=name_,
                kind=kind,
                specialty=specialty,
                leader_id=leader_id,
                created_at=now,
                using_db=conn,
            )
            if leader_id is not None:
                await TeamMembership.create(
                    team_id=team.id, member_id=leader_id, joined_at=now, using_db=conn
                )
    except IntegrityError as exc:
        raise UserError(ErrorCode.DUPLICATE, "The community has a team of this name.", "name") from exc
    return team


async def _team(team_id: int) -> Team:
    team = await Team.get_or_none(id=team_id)
    if team is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such team.", "teamId")
    return team


async def join_team(*, principal: Principal, team_id: int) -> Team:
    team = await _team(team_id)
    member = await require_membership(principal, team.community_id)
    try:
        await TeamMembership.create(team_id=team.id, member_id=member.id, joined_at=clock.now())
    except IntegrityError as exc:
        raise UserError(ErrorCode.ALREADY_DONE, "You are already in this team.", "teamId") from exc
    return team


async def leave_team(*, principal: Principal, team_id: int) -> Team:
    team = await _team(team_id)
    member = await require_membership(principal, team.community_id)
    if not await TeamMembership.filter(team_id=team.id, member_id=member.id).delete():
        raise UserError(ErrorCode.NOT_FOUND, "You are not in this team.", "teamId")
    return team


async def team_member_counts(team_ids: list[int]) -> list[int]:
    """Active (not suspended) members per team, in one grouped statement."""
    rows = (
        await TeamMembership.filter(team_id__in=team_ids, suspended=False)
        .annotate(n=Count("id"))
        .group_by("team_id")
        .values("team_id", "n")
    )
    counts = {r["team_id"]: r["n"] for r in rows}
    return [int(counts.get(t, 0)) for t in team_ids]


def team_memberships() -> QuerySet[TeamMembership]:
    """Active memberships (for paging a team's members)."""
    return TeamMembership.filter(suspended=False)
