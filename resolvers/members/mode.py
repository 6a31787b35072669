"""常急转换: a community's mode, and who serves in its emergency teams.

Who is in the emergency teams follows from the mode:

- NORMAL: members serve in the teams they joined;
- EMERGENCY (应下尽下): every member with a work unit is moved into an emergency team;
- EXTREME (全员下沉): every member is.

A switch moves exactly the members who should be in and are not (their service-team
memberships are suspended, an emergency membership marked `by_mode` is added, spreading them
over the community's emergency teams, smallest first) and restores those who should no longer
be (the `by_mode` memberships go, the suspended ones count again). Members who joined an
emergency team themselves stay where they are. `reassigned` counts the members moved either way.

The switch is one conditional UPDATE on the community's mode, so of two concurrent switches
from the same mode one wins and the other gets CONFLICT. Each switch is kept in
`CommunityModeChange` and published on the community's `community-mode` topic after commit.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.queryset import QuerySet

from api import clock
from api.auth import COMMUNITY_STAFF, Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.events import Topic
from api.models.accounts import Role
from api.models.members import CommunityModeChange, Member, Specialty, Team, TeamKind, TeamMembership
from api.models.places import Community, CommunityMode

log = logging.getLogger("zhili.members")

#: the team a community gets when it switches to an emergency mode without having one (保供)
DEFAULT_EMERGENCY_TEAM = ("应急保供队", Specialty.SUPPLY)


@dataclass(frozen=True)
class ModeChanged:
    """Published after a switch commits; subscribers load the change by its id."""

    change_id: int
    community_id: int
    at: datetime


MODE_TOPIC: Topic[ModeChanged] = Topic("community-mode", ModeChanged)


@dataclass(frozen=True)
class ModeSwitch:
    community: Community
    change: CommunityModeChange
    reassigned: int


def may_follow_mode(principal: Principal, community_id: int) -> bool:
    """The community's staff and its members follow its mode."""
    return principal.reads_community(community_id, *COMMUNITY_STAFF, Role.MEMBER)


def _moved_in(mode: CommunityMode, members: list[Member]) -> set[int]:
    if mode is CommunityMode.EXTREME:
        return {m.id for m in members}
    if mode is CommunityMode.EMERGENCY:
        return {m.id for m in members if m.work_unit_id is not None}
    return set()


async def _reassign(conn: BaseDBAsyncClient, community_id: int, mode: CommunityMode, now: datetime) -> int:
    """Move members into or out of the emergency teams as `mode` asks, in a fixed number of statements."""
    members = list(await Member.filter(community_id=community_id).using_db(conn).order_by("id"))
    teams = list(await Team.filter(community_id=community_id).using_db(conn).order_by("id"))
    emergency = [t.id for t in teams if t.kind == TeamKind.EMERGENCY]
    service = [t.id for t in teams if t.kind != TeamKind.EMERGENCY]
    memberships = (
        list(await TeamMembership.filter(team_id__in=[t.id for t in teams]).using_db(conn)) if teams else []
    )
    by_mode = {m.member_id for m in memberships if m.by_mode}
    volunteered = {m.member_id for m in memberships if m.team_id in emergency and not m.by_mode}
    target = _moved_in(mode, members)
    move_in = sorted(target - by_mode - volunteered)
    restore = sorted(by_mode - target)
    if restore:
        await (
            TeamMembership.filter(member_id__in=restore, by_mode=True, team_id__in=emergency)
            .using_db(conn)
            .delete()
        )
        await (
            TeamMembership.filter(member_id__in=restore, suspended=True)
            .using_db(conn)
            .update(suspended=False)
        )
    if move_in:
        if not emergency:
            name, specialty = DEFAULT_EMERGENCY_TEAM
            team = await Team.create(
                community_id=community_id,
                name=name,
                kind=TeamKind.EMERGENCY,
                specialty=specialty,
                created_at=now,
                using_db=conn,
            )
            emergency = [team.id]
        if service:
            await (
                TeamMembership.filter(member_id__in=move_in, team_id__in=service, suspended=False)
                .using_db(conn)
                .update(suspended=True)
            )
        sizes = {t: 0 for t in emergency}
        for m in memberships:
            if m.team_id in sizes and not m.suspended and m.member_id not in restore:
                sizes[m.team_id] += 1
        heap = [(n, t) for t, n in sizes.items()]
        heapq.heapify(heap)
        rows = []
        for member_id in move_in:
            n, team_id = heapq.heappop(heap)
            rows.append(TeamMembership(team_id=team_id, member_id=member_id, joined_at=now, by_mode=True))
            heapq.heappush(heap, (n + 1, team_id))
        await TeamMembership.bulk_create(rows, batch_size=500, using_db=conn)
    return len(move_in) + len(restore)


async def set_mode(
    *, principal: Principal, community_id: int, mode: CommunityMode, reason: str
) -> ModeSwitch:
    """常急转换: switch the community's mode, move its members accordingly, keep and publish the change."""
    if not principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN):
        raise Forbidden("Only the community's admin switches its mode.")
    v = Validator()
    reason_ = v.text("reason", reason, max_length=255)
    v.raise_if_any()
    community = await Community.get_or_none(id=community_id)
    if community is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    current = CommunityMode(community.mode)
    if current is mode:
        raise UserError(
            ErrorCode.INVALID_TRANSITION, f"The community is already in {mode.value} mode.", "mode"
        )
    now = clock.now()
    async with transaction() as conn:
        switched = await Community.filter(id=community_id, mode=current).using_db(conn).update(mode=mode)
        if not switched:
            raise UserError(ErrorCode.CONFLICT, "The mode was changed meanwhile; look again.", "mode")
        reassigned = await _reassign(conn, community_id, mode, now)
        change = await CommunityModeChange.create(
            community_id=community_id,
            from_mode=current.value,
            to_mode=mode.value,
            reason=reason_,
            actor_id=principal.account_id,
            reassigned=reassigned,
            at=now,
            using_db=conn,
        )
    await MODE_TOPIC.publish(
        community_id, ModeChanged(change_id=change.id, community_id=community_id, at=now)
    )
    log.info(
        "community %s switched %s -> %s, %s members moved",
        community_id,
        current.value,
        mode.value,
        reassigned,
    )
    community.mode = mode
    return ModeSwitch(community=community, change=change, reassigned=reassigned)


def mode_changes(*, community_id: int, since: datetime | None = None) -> QuerySet[CommunityModeChange]:
    qs = CommunityModeChange.filter(community_id=community_id)
    if since is not None:
        qs = qs.filter(at__gt=since)
    return qs.order_by("at", "id")


async def changes_since(community_id: int, since: datetime | None) -> list[ModeChanged]:
    """For replay: the changes after `since`, as the events that announced them."""
    rows = await mode_changes(community_id=community_id, since=since)
    return [ModeChanged(change_id=r.id, community_id=community_id, at=r.at) for r in rows]


async def load_change(change_id: int) -> CommunityModeChange | None:
    return await CommunityModeChange.get_or_none(id=change_id)
