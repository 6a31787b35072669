"""Accounts: sign-up, log-in, log-out, `me`, role grants."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from api.auth import Principal
from api.models.accounts import Account as AccountRow
from api.models.accounts import Role
from api.models.accounts import RoleGrant as RoleGrantRow
from api.privacy import mask_phone
from resolvers import accounts, places
from schema.base import (
    Connection,
    HasRole,
    IsAuthenticated,
    ModelNode,
    RoleEnum,
    UserErrorType,
    connection,
    decode_id,
    decode_optional,
    mutate,
    require_account,
)
from schema.context import Info
from schema.places import Community, Organization


@strawberry.type(description="A role held within a scope (no community and no organisation: everywhere).")
class RoleGrant:
    role: RoleEnum  # type: ignore[valid-type]
    community_id: strawberry.Private[int | None]
    organization_id: strawberry.Private[int | None]

    @strawberry.field
    async def community(self, info: Info) -> Community | None:
        return await Community.load(info, self.community_id)

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await Organization.load(info, self.organization_id)


# Each domain adds what an account has in it (`me.reports`, `me.member`…) as a mixin listed here.
from schema import consultations, members, reports, stations  # noqa: E402  (they refer back lazily)

ACCOUNT_MIXINS: tuple[type, ...] = (
    reports.AccountReports,
    members.AccountMembers,
    consultations.AccountConsultations,
    stations.AccountStations,
)


def _sees_contact(principal: Principal, account_id: int) -> bool:
    return principal.account_id == account_id or principal.is_admin


@strawberry.type(description="A person's account.")
class Account(*ACCOUNT_MIXINS, ModelNode):  # type: ignore[misc]
    model = AccountRow
    id: relay.NodeID[int]
    username: str
    display_name: str
    created_at: datetime
    raw_phone: strawberry.Private[str | None]

    @classmethod
    def from_model(cls, obj: AccountRow) -> Self:
        return cls(
            id=obj.id,
            username=obj.username,
            display_name=obj.display_name,
            created_at=obj.created_at,
            raw_phone=obj.phone,
        )

    @classmethod
    async def visible(cls, info: Info, rows: list[AccountRow]) -> list[bool]:  # type: ignore[override]
        principal = info.context.principal
        return [principal.account_id == r.id or principal.is_admin for r in rows]

    @strawberry.field(
        description="The phone number; masked (138****5678) for everyone but its owner and admins."
    )
    def phone(self, info: Info) -> str | None:
        return (
            self.raw_phone if _sees_contact(info.context.principal, self.id) else mask_phone(self.raw_phone)
        )

    async def _grants(self, info: Info) -> list[RoleGrantRow]:
        return await info.context.loaders.many_by(RoleGrantRow, "account_id", "id").load(self.id)

    @strawberry.field(description="The roles the account holds, in any scope.")
    async def roles(self, info: Info) -> list[RoleEnum]:  # type: ignore[valid-type]
        return list(dict.fromkeys(Role(g.role) for g in await self._grants(info)))

    @strawberry.field(description="Each role with its scope; shown to the account itself and to admins.")
    async def grants(self, info: Info) -> list[RoleGrant]:
        if not _sees_contact(info.context.principal, self.id):
            return []
        return [
            RoleGrant(role=Role(g.role), community_id=g.community_id, organization_id=g.organization_id)
            for g in await self._grants(info)
        ]

    @strawberry.field(description="The communities the account belongs to (as resident, member or staff).")
    async def communities(self, info: Info) -> list[Community]:
        ids = list(
            dict.fromkeys(g.community_id for g in await self._grants(info) if g.community_id is not None)
        )
        from api.models.places import Community as CommunityRow

        rows = await info.context.loaders.by_id(CommunityRow).load_many(ids)
        return [Community.from_model(r) for r in rows if r is not None]


# ------------------------------------------------------------------ inputs and payloads


@strawberry.input
class AccountRegisterInput:
    username: str = strawberry.field(
        description="3–64 characters: lower-case letters, digits, '_', '.', '-'."
    )
    password: str = strawberry.field(description="At least 8 characters.")
    display_name: str
    phone: str | None = None
    community_code: str | None = strawberry.field(
        default=None, description="Join this community as a resident."
    )


@strawberry.type
class AccountPayload:
    account: Account | None = None
    errors: list[UserErrorType]


@strawberry.input
class TokenCreateInput:
    username: str
    password: str


@strawberry.type
class TokenCreatePayload:
    token: str | None = strawberry.field(default=None, description="Send as `Authorization: Bearer <token>`.")
    expires_at: datetime | None = None
    account: Account | None = None
    errors: list[UserErrorType]


@strawberry.type
class TokenRevokePayload:
    revoked: bool = False
    errors: list[UserErrorType]


@strawberry.input
class AccountRoleGrantInput:
    account_id: strawberry.ID
    role: RoleEnum  # type: ignore[valid-type]
    community_id: strawberry.ID | None = None
    organization_id: strawberry.ID | None = None


@strawberry.type
class Query:
    @strawberry.field(description="The logged-in account; null when not logged in.")
    async def me(self, info: Info) -> Account | None:
        account_id = info.context.principal.account_id
        return None if account_id is None else await Account.load(info, account_id)

    @strawberry.field(permission_classes=[HasRole(Role.ADMIN)], description="All accounts (ADMIN).")
    async def accounts(
        self,
        info: Info,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Account]:
        qs = AccountRow.all().order_by("id")
        if search:
            qs = qs.filter(username__icontains=search.strip())
        return await connection(
            info, qs, Account.from_model, first=first, after=after, last=last, before=before
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sign up as a resident, optionally of the community with this code.")
    async def account_register(self, info: Info, input: AccountRegisterInput) -> AccountPayload:
        return await mutate(
            AccountPayload,
            lambda: accounts.register_account(
                settings=info.context.settings,
                username=input.username,
                password=input.password,
                display_name=input.display_name,
                phone=input.phone,
                community_code=input.community_code,
            ),
            lambda a: {"account": Account.from_model(a)},
        )

    @strawberry.mutation(description="Log in: exchange a username and password for an access token.")
    async def token_create(self, info: Info, input: TokenCreateInput) -> TokenCreatePayload:
        return await mutate(
            TokenCreatePayload,
            lambda: accounts.log_in(
                settings=info.context.settings, username=input.username, password=input.password
            ),
            lambda s: {
                "token": s.token,
                "expires_at": s.expires_at,
                "account": Account.from_model(s.account),
            },
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Log out: revoke the token of this request."
    )
    async def token_revoke(self, info: Info) -> TokenRevokePayload:
        return await mutate(
            TokenRevokePayload,
            lambda: accounts.revoke_token(principal=require_account(info)),
            lambda revoked: {"revoked": revoked},
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.ADMIN, Role.COMMUNITY_ADMIN)],
        description=(
            "Grant a role in a scope (ADMIN; a COMMUNITY_ADMIN grants grid workers, residents and members "
            "of their community)."
        ),
    )
    async def account_role_grant(self, info: Info, input: AccountRoleGrantInput) -> AccountPayload:
        return await mutate(
            AccountPayload,
            lambda: accounts.grant_role(
                principal=info.context.principal,
                account_id=decode_id(input.account_id, Account, field="accountId"),
                role=Role(input.role),
                community_id=decode_optional(input.community_id, Community, field="communityId"),
                organization_id=decode_optional(input.organization_id, Organization, field="organizationId"),
            ),
            lambda a: {"account": Account.from_model(a)},
        )


__all__ = ["Account", "Mutation", "Query", "places"]
