"""Committee members' public profiles and the rooms where residents meet them."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.accounts import Account, Role, RoleGrant
from api.models.consultations import (
    CommitteeMember,
    CommitteeMemberCommunity,
    Room,
)
from api.models.places import Community

log = logging.getLogger("zhili.consultations")


async def member_community_ids(member_ids: list[int]) -> list[list[int]]:
    """The communities of each member, in key order (a DataLoader batch)."""
    grouped: dict[int, list[int]] = defaultdict(list)
    for link in await CommitteeMemberCommunity.filter(member_id__in=member_ids).order_by("id"):
        grouped[link.member_id].append(link.community_id)
    return [grouped.get(m, []) for m in member_ids]


def manages_member(principal: Principal, member: CommitteeMember, community_ids: Sequence[int]) -> bool:
    """The member themself, an administrator, or the COMMUNITY_ADMIN of one of the member's communities."""
    return (
        principal.account_id == member.account_id
        or principal.is_admin
        or any(principal.acts_in_community(c, Role.COMMUNITY_ADMIN) for c in community_ids)
    )


async def create_committee_member(
    *,
    principal: Principal,
    account_id: int,
    name: str,
    sector: str,
    title: str,
    expertise: Sequence[str],
    community_ids: Sequence[int],
    bio: str | None = None,
) -> CommitteeMember:
    """A public profile for an account, which gets the COMMITTEE_MEMBER role in the member's communities."""
    community_ids = list(dict.fromkeys(community_ids))
    if not community_ids and not principal.is_admin:
        raise Forbidden("Only an administrator adds a committee member without a community.")
    if not all(principal.acts_in_community(c, Role.COMMUNITY_ADMIN) for c in community_ids):
        raise Forbidden(
            "Only an administrator, or the admin of each of the member's communities, adds a member."
        )
    v = Validator()
    name_ = v.text("name", name, max_length=64)
    sector_ = v.text("sector", sector, max_length=64)
    title_ = v.text("title", title, max_length=128)
    bio_ = v.text("bio", bio, max_length=4000, required=False)
    areas = [a.strip() for a in expertise if a and a.strip()]
    v.check(bool(areas), ErrorCode.REQUIRED, "Name at least one area of expertise.", "expertise")
    v.check(
        all(len(a) <= 64 and "\n" not in a for a in areas),
        ErrorCode.TOO_LONG,
        "An area of expertise is one line of at most 64 characters.",
        "expertise",
    )
    v.check(bool(community_ids), ErrorCode.REQUIRED, "Name at least one community.", "communityIds")
    v.raise_if_any()
    if not await Account.exists(id=account_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such account.", "accountId")
    if await Community.filter(id__in=community_ids).count() != len(community_ids):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityIds")
    now = clock.now()
    try:
        async with transaction() as conn:
            member = await CommitteeMember.create(
                account_id=account_id,
                name=name_,
                sector=sector_,
                title=title_,
                expertise="\n".join(areas),
                bio=bio_,
                created_at=now,
                using_db=conn,
            )
            await CommitteeMemberCommunity.bulk_create(
                [CommitteeMemberCommunity(member_id=member.id, community_id=c) for c in community_ids],
                using_db=conn,
            )
            existing = await RoleGrant.filter(
                account_id=account_id, role=Role.COMMITTEE_MEMBER, community_id__in=community_ids
            ).using_db(conn)
            granted = {g.community_id for g in existing}
            await RoleGrant.bulk_create(
                [
                    RoleGrant(
                        account_id=account_id, role=Role.COMMITTEE_MEMBER, community_id=c, created_at=now
                    )
                    for c in community_ids
                    if c not in granted
                ],
                using_db=conn,
            )
    except IntegrityError as exc:
        raise UserError(
            ErrorCode.DUPLICATE, "This account already has a committee member's profile.", "accountId"
        ) from exc
    log.info("committee member %s created", member.id)
    return member


def committee_members(
    *, community_id: int | None = None, expertise: str | None = None, search: str | None = None
) -> QuerySet[CommitteeMember]:
    """Active members' public profiles, by community and expertise (substring). Public."""
    qs = CommitteeMember.filter(active=True)
    if community_id is not None:
        qs = qs.filter(community_links__community_id=community_id)
    if expertise and expertise.strip():
        qs = qs.filter(expertise__icontains=expertise.strip())
    if search and search.strip():
        qs = qs.filter(Q(name__icontains=search.strip()) | Q(sector__icontains=search.strip()))
    return qs.distinct().order_by("id")


async def create_room(*, principal: Principal, community_id: int, name: str, address: str) -> Room:
    if not principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN):
        raise Forbidden("Only an administrator or the community's admin adds its rooms.")
    v = Validator()
    name_ = v.text("name", name, max_length=128)
    address_ = v.text("address", address, max_length=255)
    v.raise_if_any()
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    try:
        return await Room.create(
            community_id=community_id, name=name_, address=address_, created_at=clock.now()
        )
    except IntegrityError as exc:
        raise UserError(ErrorCode.DUPLICATE, "The community has a room of this name.", "name") from exc


def rooms(*, community_id: int) -> QuerySet[Room]:
    return Room.filter(community_id=community_id).order_by("id")
