"""Communities, grids, grid workers and organisations."""

from __future__ import annotations

import logging

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.accounts import Account, Role, RoleGrant
from api.models.places import Community, Grid, GridWorker, Organization, OrganizationKind

log = logging.getLogger("zhili.places")


async def create_community(
    *,
    principal: Principal,
    name: str,
    code: str,
    city: str,
    district: str,
    street: str,
    lat: float | None = None,
    lng: float | None = None,
) -> Community:
    if not principal.is_admin:
        raise Forbidden("Only an administrator creates communities.")
    v = Validator()
    name_ = v.text("name", name, max_length=128)
    code_ = (v.text("code", code, max_length=32) or "").upper()
    v.check(
        not code_ or code_.replace("-", "").replace("_", "").isalnum(),
        ErrorCode.INVALID,
        "A code has letters, digits, '-' and '_' only.",
        "code",
    )
    city_ = v.text("city", city, max_length=64)
    district_ = v.text("district", district, max_length=64)
    street_ = v.text("street", street, max_length=64)
    v.point("location", lat, lng)
    v.raise_if_any()
    try:
        community = await Community.create(
            name=name_,
            code=code_,
            city=city_,
            district=district_,
            street=street_,
            lat=lat,
            lng=lng,
            created_at=clock.now(),
        )
    except IntegrityError as exc:
        raise UserError(ErrorCode.DUPLICATE, "Another community has this code.", "code") from exc
    log.info("community %s created", community.id)
    return community


async def create_grid(*, principal: Principal, community_id: int, name: str) -> Grid:
    if not principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN):
        raise Forbidden("Only the community's admin creates its grids.")
    v = Validator()
    name_ = v.text("name", name, max_length=128)
    v.raise_if_any()
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    try:
        return await Grid.create(community_id=community_id, name=name_, created_at=clock.now())
    except IntegrityError as exc:
        raise UserError(ErrorCode.DUPLICATE, "The community has a grid of this name.", "name") from exc


async def assign_grid_worker(*, principal: Principal, grid_id: int, account_id: int) -> Grid:
    """Put an account on a grid; it becomes a GRID_WORKER of the grid's community."""
    grid = await Grid.get_or_none(id=grid_id)
    if grid is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such grid.", "gridId")
    if not principal.acts_in_community(grid.community_id, Role.COMMUNITY_ADMIN):
        raise Forbidden("Only the community's admin assigns grid workers.")
    if not await Account.exists(id=account_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such account.", "accountId")
    async with transaction() as conn:
        await GridWorker.get_or_create(grid_id=grid.id, account_id=account_id, using_db=conn)
        await RoleGrant.get_or_create(
            account_id=account_id,
            role=Role.GRID_WORKER,
            community_id=grid.community_id,
            organization_id=None,
            defaults={"created_at": clock.now()},
            using_db=conn,
        )
    return grid


async def create_organization(
    *,
    principal: Principal,
    name: str,
    kind: OrganizationKind,
    community_id: int | None = None,
    parent_id: int | None = None,
) -> Organization:
    allowed = principal.is_admin or (
        community_id is not None and principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN)
    )
    if not allowed:
        raise Forbidden("Only an administrator, or a community's admin within it, creates organisations.")
    v = Validator()
    name_ = v.text("name", name, max_length=128)
    v.raise_if_any()
    if community_id is not None and not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    if parent_id is not None and not await Organization.exists(id=parent_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such parent organisation.", "parentId")
    return await Organization.create(
        name=name_, kind=kind, community_id=community_id, parent_id=parent_id, created_at=clock.now()
    )


def communities(*, search: str | None = None, city: str | None = None) -> QuerySet[Community]:
    """Communities are public facts (name, code, place); anyone logged in may list them."""
    qs = Community.all()
    if search:
        qs = qs.filter(name__icontains=search.strip())
    if city:
        qs = qs.filter(city=city.strip())
    return qs.order_by("id")


def organizations(
    *, kind: OrganizationKind | None = None, community_id: int | None = None
) -> QuerySet[Organization]:
    qs = Organization.all()
    if kind is not None:
        qs = qs.filter(kind=kind)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return qs.order_by("id")


async def resident_counts(community_ids: list[int]) -> list[int]:
    """Residents per community, in one grouped statement (a DataLoader batch function)."""
    from tortoise.functions import Count

    rows = (
        await RoleGrant.filter(role=Role.RESIDENT, community_id__in=community_ids)
        .annotate(n=Count("id"))
        .group_by("community_id")
        .values("community_id", "n")
    )
    counts = {r["community_id"]: r["n"] for r in rows}
    return [int(counts.get(c, 0)) for c in community_ids]
