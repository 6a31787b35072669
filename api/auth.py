"""Authentication: argon2id passwords, opaque bearer tokens, and the principal of a request."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from api import clock
from api.events import Topic
from api.models.accounts import AccessToken, Account, ApiKey, Role, RoleGrant
from api.settings import Settings

#: roles that see everything in every community
GLOBAL_READERS = frozenset({Role.ADMIN, Role.CITY_OPERATOR})
#: what a portal's API key may be granted: reading communities (with their public counts); stations,
#: rewards and committee members' public profiles need no key at all
API_SCOPES = frozenset({"read:communities"})
#: roles that work inside one community's staff
COMMUNITY_STAFF = (Role.GRID_WORKER, Role.COMMUNITY_ADMIN)


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    community_id: int | None = None
    organization_id: int | None = None

    @property
    def is_global(self) -> bool:
        """Only the roles that span every community hold anywhere without a scope.

        A RESIDENT who signed up without a community code, say, has a grant with no scope: it
        makes them a resident of nowhere in particular, never of every community.
        """
        return self.role in GLOBAL_READERS and self.community_id is None and self.organization_id is None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: an account with its grants, a portal with read scopes, or nobody."""

    account_id: int | None = None
    username: str = ""
    grants: tuple[Grant, ...] = ()
    token_id: int | None = None
    #: when the token the principal came with stops being valid
    expires_at: datetime | None = None
    #: read scopes of a portal's API key (e.g. "read:stations")
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def authenticated(self) -> bool:
        return self.account_id is not None or bool(self.scopes)

    @property
    def roles(self) -> list[Role]:
        seen: dict[Role, None] = {}
        for grant in self.grants:
            seen.setdefault(grant.role, None)
        return list(seen)

    @property
    def is_admin(self) -> bool:
        return any(g.role is Role.ADMIN for g in self.grants)

    @property
    def reads_everything(self) -> bool:
        return any(g.role in GLOBAL_READERS for g in self.grants)

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    def acts_in_community(self, community_id: int, *roles: Role) -> bool:
        """Holds one of `roles` in this community (or globally); ADMIN always does."""
        return self.is_admin or any(
            g.role in roles and (g.community_id == community_id or g.is_global) for g in self.grants
        )

    def reads_community(self, community_id: int, *roles: Role) -> bool:
        """As `acts_in_community`, and city operators read every community."""
        return self.reads_everything or self.acts_in_community(community_id, *roles)

    def serves(self, community_id: int) -> bool:
        """Works in the community as its staff (grid worker, community admin) or is an administrator:
        who sees the people it cares for in full."""
        return self.acts_in_community(community_id, *COMMUNITY_STAFF)

    def oversees(self, community_id: int) -> bool:
        """`serves`, or reads every community (city operators): who may follow its devices, alerts,
        records and the people it cares for, with their personal data masked unless it `serves`."""
        return self.reads_community(community_id, *COMMUNITY_STAFF)

    def community_ids(self, *roles: Role) -> set[int] | None:
        """The communities where the principal holds one of `roles`; None means all of them."""
        if self.is_admin or any(g.role in roles and g.is_global for g in self.grants):
            return None
        return {g.community_id for g in self.grants if g.role in roles and g.community_id is not None}

    def organization_ids(self, *roles: Role) -> set[int]:
        return {g.organization_id for g in self.grants if g.role in roles and g.organization_id is not None}

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


ANONYMOUS = Principal()


def hash_secret(raw: str) -> str:
    """Tokens and keys are high-entropy, so a plain SHA-256 is the right lookup hash for them."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


class Passwords:
    """argon2id hashing in a worker thread, so a login does not stall the event loop."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_cost,
            parallelism=settings.argon2_parallelism,
        )
        # verified against when the username is unknown, so both paths take the same time
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(stored or self._dummy, password) and stored is not None
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)


_passwords: dict[tuple[int, int, int], Passwords] = {}


def passwords(settings: Settings) -> Passwords:
    key = (settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism)
    if key not in _passwords:
        _passwords[key] = Passwords(settings)
    return _passwords[key]


async def issue_token(account: Account, settings: Settings) -> tuple[str, AccessToken]:
    raw = new_secret("zt")
    now = clock.now()
    token = await AccessToken.create(
        token_hash=hash_secret(raw),
        account=account,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.token_ttl_seconds),
    )
    return raw, token


def grants_of(rows: Iterable[RoleGrant]) -> tuple[Grant, ...]:
    return tuple(
        Grant(role=Role(r.role), community_id=r.community_id, organization_id=r.organization_id) for r in rows
    )


async def principal_for_account(account: Account, token_id: int | None = None) -> Principal:
    rows = await RoleGrant.filter(account_id=account.id).order_by("id")
    return Principal(
        account_id=account.id, username=account.username, grants=grants_of(rows), token_id=token_id
    )


async def authenticate(authorization: str | None) -> Principal:
    """The principal for an `Authorization` header value; ANONYMOUS when absent.

    Raises `InvalidCredentials` for a header that names no live token or key, so the
    caller can answer 401 instead of silently treating the request as anonymous.
    """
    if not authorization:
        return ANONYMOUS
    scheme, _, raw = authorization.strip().partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        raise InvalidCredentials("use 'Authorization: Bearer <token>'")
    digest = hash_secret(raw)
    if raw.startswith("zk_"):
        key = await ApiKey.get_or_none(key_hash=digest, revoked_at=None)
        if key is None:
            raise InvalidCredentials("unknown or revoked API key")
        return Principal(username=f"apikey:{key.name}", scopes=frozenset(key.scopes.split()))
    token = await AccessToken.get_or_none(token_hash=digest).select_related("account")
    if token is None or token.revoked_at is not None or token.expires_at <= clock.now():
        raise InvalidCredentials("the token is unknown, expired or revoked")
    if not token.account.is_active:
        raise InvalidCredentials("the account is disabled")
    principal = await principal_for_account(token.account, token_id=token.id)
    return replace(principal, expires_at=token.expires_at)


@dataclass(frozen=True)
class TokenRevoked:
    token_id: int


#: published when a token is revoked, keyed by its id: open websockets that came with it close
TOKEN_REVOKED = Topic("token-revoked", TokenRevoked)


class InvalidCredentials(Exception):
    """A credential was presented but is not valid."""
