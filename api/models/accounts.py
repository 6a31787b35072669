"""Accounts, role grants, access tokens and login failures."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.places import Community, Organization


class Role(StrEnum):
    RESIDENT = "RESIDENT"
    MEMBER = "MEMBER"
    GRID_WORKER = "GRID_WORKER"
    COMMUNITY_ADMIN = "COMMUNITY_ADMIN"
    ORG_ADMIN = "ORG_ADMIN"
    COMMITTEE_MEMBER = "COMMITTEE_MEMBER"
    CITY_OPERATOR = "CITY_OPERATOR"
    ADMIN = "ADMIN"


class Account(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=64)
    phone = fields.CharField(max_length=32, null=True)
    password_hash = fields.CharField(max_length=255)
    is_active = fields.BooleanField(default=True)
    #: the spendable points balance, changed only by `api.points` together with a ledger entry
    points_balance = fields.IntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "account"


class RoleGrant(Model):
    """A role held within a scope: a community, an organisation, or (neither) everything."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="grants", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(Role, max_length=32)
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="role_grants", null=True, on_delete=fields.CASCADE
    )
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="role_grants", null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()

    account_id: int
    community_id: int | None
    organization_id: int | None

    class Meta:
        table = "role_grant"
        unique_together = (("account", "role", "community", "organization"),)


class AccessToken(Model):
    """A bearer token, of which only the SHA-256 is stored."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="tokens", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    account_id: int

    class Meta:
        table = "access_token"


class LoginFailure(Model):
    """One failed login, kept for throttling (usernames only: no passwords, no addresses)."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, db_index=True)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "login_failure"


class ApiKey(Model):
    """A portal's key with read scopes only, of which only the SHA-256 is stored."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128)
    key_hash = fields.CharField(max_length=64, unique=True)
    #: space-separated read scopes, e.g. "read:stations read:communities"
    scopes = fields.CharField(max_length=512)
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"
