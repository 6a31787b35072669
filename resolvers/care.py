"""Care recipients: registering them and deciding who sees their personal data."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from api import clock
from api.auth import COMMUNITY_STAFF, Principal
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.accounts import Role
from api.models.care import CareCategory, CareRecipient
from api.models.places import Community

#: the personal fields of a care recipient
PERSONAL_FIELDS = ("phone", "address", "guardianPhone", "location")


def may_read(principal: Principal, recipient: CareRecipient) -> bool:
    return principal.reads_community(recipient.community_id, *COMMUNITY_STAFF)


async def create_care_recipient(
    *,
    principal: Principal,
    community_id: int,
    name: str,
    category: CareCategory,
    phone: str | None = None,
    address: str | None = None,
    guardian_phone: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
) -> CareRecipient:
    if not principal.acts_in_community(community_id, *COMMUNITY_STAFF):
        raise Forbidden("Only the community's staff register the people it cares for.")
    v = Validator()
    name_ = v.text("name", name, max_length=64)
    phone_ = v.phone("phone", phone)
    guardian = v.phone("guardianPhone", guardian_phone)
    address_ = v.text("address", address, max_length=255, required=False)
    v.point("location", lat, lng)
    v.raise_if_any()
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    return await CareRecipient.create(
        community_id=community_id,
        name=name_,
        category=category,
        phone=phone_,
        address=address_,
        guardian_phone=guardian,
        lat=lat,
        lng=lng,
        created_at=clock.now(),
    )


def care_recipients(
    *, principal: Principal, community_id: int | None = None, category: CareCategory | None = None
) -> QuerySet[CareRecipient]:
    """The recipients the principal may see: their communities' (staff), or all (city operators, admins)."""
    qs = CareRecipient.all()
    if not principal.reads_everything:
        ids = principal.community_ids(*COMMUNITY_STAFF)
        if ids is not None:
            qs = qs.filter(community_id__in=ids)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if category is not None:
        qs = qs.filter(category=category)
    return qs.order_by("id")


__all__ = [
    "PERSONAL_FIELDS",
    "Role",
    "care_recipients",
    "create_care_recipient",
    "may_read",
]
