"""Members and their service (双报到、三认一创、服务纪实、常急转换、三张清单).

What other domains' types gain from this one is here as mixins: `me.member` (`AccountMembers`),
`Community.posts`/`teams`/… (`CommunityMembers`) and `Community.stats.members` (`MembersStats`).
"""

from __future__ import annotations

import strawberry

from api.models.members import Member as MemberRow
from api.models.members import Post as PostRow
from api.models.members import Team as TeamRow
from resolvers.members import checkin, mode, orders
from schema.base import Connection, connection, empty_connection
from schema.context import Info
from schema.members import lists, service
from schema.members.types import (
    CommunityModeChange,
    Member,
    Post,
    ServicePointsRule,
    Team,
    my_memberships,
)


@strawberry.type
class AccountMembers:
    """On `Account` (reads `self.id`): the account's memberships, shown to the account itself."""

    @strawberry.field(
        description="双报到: the account's membership (the first, if it checked in to several communities)."
    )
    async def member(self, info: Info) -> Member | None:
        found = await _memberships(info, self.id)  # type: ignore[attr-defined]
        return found[0] if found else None

    @strawberry.field(description="Every community the account checked in to, first first.")
    async def memberships(self, info: Info) -> list[Member]:
        return await _memberships(info, self.id)  # type: ignore[attr-defined]


async def _memberships(info: Info, account_id: int) -> list[Member]:
    """Shown to the account itself (and admins)."""
    principal = info.context.principal
    if principal.account_id == account_id:
        rows = await my_memberships(info)
    elif principal.is_admin:
        rows = await info.context.loaders.many_by(MemberRow, "account_id", "id").load(account_id)
    else:
        return []
    return [Member.from_model(r) for r in rows]


@strawberry.type
class CommunityMembers:
    """On `Community` (reads `self.id`): its posts, teams, points rule and mode history."""

    @strawberry.field(description="认岗: the community's posts.")
    async def posts(self, info: Info) -> list[Post]:
        rows = await info.context.loaders.many_by(PostRow, "community_id", "id").load(self.id)  # type: ignore[attr-defined]
        return [Post.from_model(r) for r in rows]

    @strawberry.field(description="The community's service and emergency teams.")
    async def teams(self, info: Info) -> list[Team]:
        rows = await info.context.loaders.many_by(TeamRow, "community_id", "id").load(self.id)  # type: ignore[attr-defined]
        return [Team.from_model(r) for r in rows]

    @strawberry.field(description="Points per minute of service for each rating (一事一评).")
    async def service_points_rule(self, info: Info) -> ServicePointsRule:
        rule = await info.context.loaders.get("PointsRuleByCommunity", orders.points_rules).load(self.id)  # type: ignore[attr-defined]
        return ServicePointsRule.of(rule)

    @strawberry.field(
        description="常急转换: the history of the community's mode, oldest first (staff and members)."
    )
    async def mode_changes(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CommunityModeChange]:
        if not mode.may_follow_mode(info.context.principal, self.id):  # type: ignore[attr-defined]
            return empty_connection()
        qs = mode.mode_changes(community_id=self.id)  # type: ignore[attr-defined]
        return await connection(
            info, qs, CommunityModeChange.from_model, first=first, after=after, last=last, before=before
        )


@strawberry.type
class MembersStats:
    """On `CommunityStats` (reads `self.community_id`)."""

    community_id: strawberry.Private[int]

    @strawberry.field(description="Members checked in to the community (双报到).")
    async def members(self, info: Info) -> int:
        return await info.context.loaders.get("MemberCountByCommunity", checkin.member_counts).load(
            self.community_id
        )


@strawberry.type
class Query(service.Query, lists.Query):
    pass


@strawberry.type
class Mutation(service.Mutation, lists.Mutation):
    pass


Subscription = service.Subscription

__all__ = ["AccountMembers", "CommunityMembers", "MembersStats", "Mutation", "Query", "Subscription"]
