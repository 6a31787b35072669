"""Who may see and do what with members' things: the rules every module of the domain shares."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q

from api.auth import COMMUNITY_STAFF, Principal
from api.errors import Forbidden
from api.models.accounts import Role
from api.models.members import Member

#: roles that belong to a community as its people (not its staff)
COMMUNITY_PEOPLE = (Role.RESIDENT, Role.MEMBER)


def is_admin_of(principal: Principal, community_id: int) -> bool:
    """Runs the community: dispatches, rates, switches the mode, manages posts and teams."""
    return principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN)


def belongs_to(principal: Principal, community_id: int) -> bool:
    """Lives or serves in the community, or is its staff."""
    return principal.reads_community(community_id, *COMMUNITY_PEOPLE, *COMMUNITY_STAFF)


def require_admin(principal: Principal, community_id: int, what: str) -> None:
    if not is_admin_of(principal, community_id):
        raise Forbidden(f"Only the community's admin {what}.")


def sees_member_service(principal: Principal, member: Member) -> bool:
    """三方可见: the member, their community's staff and their work unit's ORG_ADMIN, and no one else."""
    return (
        principal.account_id == member.account_id
        or principal.oversees(member.community_id)
        or (
            member.work_unit_id is not None
            and member.work_unit_id in principal.organization_ids(Role.ORG_ADMIN)
        )
    )


def service_scope(principal: Principal, *, member_prefix: str = "member__") -> Q | None:
    """The rows of members whose service the principal sees (三方可见) as a filter; None means all."""
    if principal.reads_everything:
        return None
    staff = principal.community_ids(*COMMUNITY_STAFF)
    if staff is None:
        return None
    q = _lookup(f"{member_prefix}account_id", principal.account_id or -1)
    if staff:
        q |= _lookup(f"{member_prefix}community_id__in", sorted(staff))
    orgs = principal.organization_ids(Role.ORG_ADMIN)
    if orgs:
        q |= _lookup(f"{member_prefix}work_unit_id__in", sorted(orgs))
    return q


def _lookup(path: str, value: object) -> Q:
    """`Q(<path>=value)` for a path built at run time (typed as Q's own keyword arguments are)."""
    filters: dict[str, Any] = {path: value}
    return Q(**filters)


async def membership(principal: Principal, community_id: int) -> Member | None:
    if principal.account_id is None:
        return None
    return await Member.get_or_none(account_id=principal.account_id, community_id=community_id)


async def require_membership(principal: Principal, community_id: int) -> Member:
    """The principal's membership in the community; FORBIDDEN when it has not checked in there."""
    member = await membership(principal, community_id)
    if member is None:
        raise Forbidden("Check in to this community first (双报到).")
    return member
