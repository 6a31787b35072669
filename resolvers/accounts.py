"""Accounts: sign-up, log-in (tokens), log-out, role grants."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError

from api import clock
from api.auth import (
    API_SCOPES,
    TOKEN_REVOKED,
    Principal,
    TokenRevoked,
    hash_secret,
    issue_token,
    new_secret,
    passwords,
)
from api.db import transaction
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.accounts import AccessToken, Account, ApiKey, LoginFailure, Role, RoleGrant
from api.models.places import Community, Organization
from api.settings import Settings

log = logging.getLogger("zhili.accounts")

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
#: roles that only make sense within one community
COMMUNITY_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_ADMIN})
#: roles that only make sense within one organisation
ORGANIZATION_ROLES = frozenset({Role.ORG_ADMIN})


def _check_username(v: Validator, username: str) -> str:
    name = (username or "").strip().lower()
    if not 3 <= len(name) <= 64 or not set(name) <= USERNAME_CHARS:
        v.add(
            ErrorCode.INVALID,
            "A username has 3 to 64 characters: lower-case letters, digits, '_', '.', '-'.",
            "username",
        )
    return name


def _check_password(v: Validator, password: str, username: str) -> None:
    if len(password) < 8:
        v.add(ErrorCode.PASSWORD_TOO_WEAK, "A password has at least 8 characters.", "password")
    elif password.lower() == username or len(set(password)) < 4:
        v.add(ErrorCode.PASSWORD_TOO_WEAK, "Choose a password that is harder to guess.", "password")
    elif len(password) > 256:
        v.add(ErrorCode.TOO_LONG, "A password has at most 256 characters.", "password")


async def register_account(
    *,
    settings: Settings,
    username: str,
    password: str,
    display_name: str,
    phone: str | None = None,
    community_code: str | None = None,
    roles: tuple[Role, ...] = (Role.RESIDENT,),
    community_id: int | None = None,
    organization_id: int | None = None,
) -> Account:
    """Create an account; a resident of `community_code`'s community when given."""
    v = Validator()
    name = _check_username(v, username)
    shown = v.text("displayName", display_name, max_length=64)
    phone = v.phone("phone", phone)
    _check_password(v, password, name)
    community = None
    if community_code:
        community = await Community.get_or_none(code=community_code.strip().upper())
        v.check(community is not None, ErrorCode.NOT_FOUND, "No community has this code.", "communityCode")
    v.raise_if_any()
    password_hash = await passwords(settings).hash(password)
    now = clock.now()
    try:
        async with transaction() as conn:
            account = await Account.create(
                username=name,
                display_name=shown,
                phone=phone,
                password_hash=password_hash,
                created_at=now,
                using_db=conn,
            )
            for role in roles:
                scope_community = (
                    community_id if community_id is not None else (community.id if community else None)
                )
                if role not in COMMUNITY_ROLES | {Role.RESIDENT, Role.MEMBER}:
                    scope_community = community_id
                await RoleGrant.create(
                    account=account,
                    role=role,
                    community_id=scope_community,
                    organization_id=organization_id if role in ORGANIZATION_ROLES else None,
                    created_at=now,
                    using_db=conn,
                )
    except IntegrityError as exc:
        raise UserError(ErrorCode.DUPLICATE, "This username is taken.", "username") from exc
    log.info("account %s registered", account.id)
    return account


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: datetime
    account: Account


async def log_in(*, settings: Settings, username: str, password: str) -> Session:
    """Check the password (rehashing when the parameters changed) and issue a token.

    After `login_max_failures` failures within the window, the username is THROTTLED, even
    for the right password, until the window has passed.
    """
    name = (username or "").strip().lower()
    now = clock.now()
    since = now - timedelta(seconds=settings.login_window_seconds)
    # The attempt is written down before the (slow) password check and counted against the ones
    # before it, so a burst of parallel guesses cannot all slip in under the limit.
    attempt = await LoginFailure.create(username=name, at=now)
    earlier = await LoginFailure.filter(username=name, at__gt=since, id__lt=attempt.id).count()
    if earlier >= settings.login_max_failures:
        await attempt.delete()
        raise UserError(ErrorCode.THROTTLED, "Too many failed attempts; try again later.", "username")
    account = await Account.get_or_none(username=name)
    hasher = passwords(settings)
    ok = await hasher.verify(account.password_hash if account else None, password)
    if account is None or not ok or not account.is_active:
        await LoginFailure.filter(at__lt=now - timedelta(days=1)).delete()
        raise UserError(ErrorCode.INVALID_CREDENTIALS, "Wrong username or password.")
    async with transaction() as conn:
        if hasher.needs_rehash(account.password_hash):
            account.password_hash = await hasher.hash(password)
            await account.save(update_fields=["password_hash"], using_db=conn)
        await LoginFailure.filter(username=name).using_db(conn).delete()
        raw, token = await issue_token(account, settings)
    return Session(token=raw, expires_at=token.expires_at, account=account)


async def revoke_token(*, principal: Principal) -> bool:
    """Revoke the token the request was made with."""
    if principal.token_id is None:
        return False
    updated = await AccessToken.filter(id=principal.token_id, revoked_at=None).update(revoked_at=clock.now())
    if updated:
        # websockets opened with this token close, in every process
        await TOKEN_REVOKED.publish(principal.token_id, TokenRevoked(token_id=principal.token_id))
    return bool(updated)


async def grant_role(
    *,
    principal: Principal,
    account_id: int,
    role: Role,
    community_id: int | None = None,
    organization_id: int | None = None,
) -> Account:
    """Grant a role. ADMIN grants anything; a COMMUNITY_ADMIN grants community roles in their community."""
    v = Validator()
    if role in COMMUNITY_ROLES:
        v.check(
            community_id is not None, ErrorCode.REQUIRED, f"{role.value} needs a community.", "communityId"
        )
    if role in ORGANIZATION_ROLES:
        v.check(
            organization_id is not None,
            ErrorCode.REQUIRED,
            f"{role.value} needs an organisation.",
            "organizationId",
        )
    v.raise_if_any()
    may = principal.is_admin or (
        community_id is not None
        and role in {Role.GRID_WORKER, Role.RESIDENT, Role.MEMBER}
        and principal.acts_in_community(community_id, Role.COMMUNITY_ADMIN)
    )
    if not may:
        raise Forbidden(
            "Only an administrator (or the community's admin, for its grid workers) grants roles."
        )
    account = await Account.get_or_none(id=account_id)
    if account is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such account.", "accountId")
    if community_id is not None and not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    if organization_id is not None and not await Organization.exists(id=organization_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such organisation.", "organizationId")
    await RoleGrant.get_or_create(
        account=account,
        role=role,
        community_id=community_id,
        organization_id=organization_id,
        defaults={"created_at": clock.now()},
    )
    log.info("role %s granted to account %s by %s", role.value, account.id, principal.account_id)
    return account


async def create_api_key(*, name: str, scopes: tuple[str, ...]) -> str:
    """Issue a portal's API key (shown once, stored as a hash); for the operator's CLI."""
    v = Validator()
    name_ = v.text("name", name, max_length=128)
    unknown = sorted(set(scopes) - API_SCOPES)
    v.check(
        bool(scopes) and not unknown,
        ErrorCode.INVALID,
        f"Scopes are some of {', '.join(sorted(API_SCOPES))}"
        + (f", not {', '.join(unknown)}" if unknown else ""),
        "scopes",
    )
    v.raise_if_any()
    if await ApiKey.exists(name=name_, revoked_at=None):
        raise UserError(ErrorCode.DUPLICATE, "A live key has this name; revoke it first.", "name")
    raw = new_secret("zk")
    await ApiKey.create(
        name=name_, key_hash=hash_secret(raw), scopes=" ".join(sorted(set(scopes))), created_at=clock.now()
    )
    log.info("API key %r issued", name_)
    return raw


async def revoke_api_key(*, name: str) -> int:
    """Revoke the live keys of this name; how many were revoked."""
    return await ApiKey.filter(name=name.strip(), revoked_at=None).update(revoked_at=clock.now())
