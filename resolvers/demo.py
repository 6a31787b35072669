"""Demo data from the seed article, and the CLI's account creation. Idempotent: run it any number of times."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tortoise import Tortoise

from api import clock, events
from api.auth import passwords
from api.db import close_db, init_db
from api.errors import UserError, UserErrors
from api.models.accounts import Account, Role, RoleGrant
from api.models.places import Community, Grid, GridWorker, Organization, OrganizationKind
from api.settings import Settings
from resolvers import accounts
from resolvers.consultations import demo as consultations_demo
from resolvers.devices import demo as devices_demo
from resolvers.members import demo as members_demo
from resolvers.reports import demo as reports_demo
from resolvers.stations import demo as stations_demo

DEMO_PASSWORD = "zhili-demo-2026"

#: (code, name, city, district, street, lat, lng)
COMMUNITIES = [
    ("BRJ", "百瑞景社区", "武汉市", "武昌区", "中南路街道", 30.5275, 114.3297),
    ("MQC", "茅圻村", "鄂州市", "梁子湖区", "涂家垴镇", 30.1189, 114.6268),
    ("BHSQ", "滨湖社区", "襄阳市", "襄城区", "真武山街道", 32.0103, 112.1406),
    ("JXSQ", "锦绣社区", "宜昌市", "西陵区", "云集街道", 30.7045, 111.2905),
    ("JASQ", "机安社区", "武汉市", "武昌区", "黄鹤楼街道", 30.5446, 114.3015),
]
GRIDS = {
    "BRJ": ["第一网格", "第二网格", "第三网格"],
    "MQC": ["一组", "二组"],
    "BHSQ": ["东区网格", "西区网格"],
    "JXSQ": ["锦绣一网格"],
    "JASQ": ["机安一网格"],
}
#: (name, kind, community code or None, parent name or None)
ORGANIZATIONS = [
    ("武汉市城市运行管理中心", OrganizationKind.CITY_OPS_CENTER, None, None),
    ("中南路街道办事处", OrganizationKind.STREET, "BRJ", "武汉市城市运行管理中心"),
    ("百瑞景物业服务中心", OrganizationKind.PROPERTY_MANAGEMENT, "BRJ", None),
    ("武汉市税务局第一分局", OrganizationKind.WORK_UNIT, None, None),
    ("武昌区人民医院", OrganizationKind.WORK_UNIT, None, None),
    ("武汉快递行业党委", OrganizationKind.INDUSTRY_COMMITTEE, None, None),
    ("顺丰速运武昌营业部", OrganizationKind.ENTERPRISE, None, None),
    ("梁子湖区涂家垴镇政府", OrganizationKind.STREET, "MQC", None),
    ("真武山街道办事处", OrganizationKind.STREET, "BHSQ", None),
    ("云集街道办事处", OrganizationKind.STREET, "JXSQ", None),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    community: str | None = None
    organization: str | None = None
    phone: str | None = None
    extra_roles: tuple[Role, ...] = field(default=())


ACCOUNTS = [
    DemoAccount("admin", "系统管理员", Role.ADMIN),
    DemoAccount("city", "城运中心值班员", Role.CITY_OPERATOR),
    DemoAccount("brj-admin", "百瑞景社区书记", Role.COMMUNITY_ADMIN, "BRJ"),
    DemoAccount("brj-grid", "李网格员", Role.GRID_WORKER, "BRJ", phone="13800001111"),
    DemoAccount("mqc-admin", "茅圻村书记", Role.COMMUNITY_ADMIN, "MQC"),
    DemoAccount("mqc-grid", "陈网格员", Role.GRID_WORKER, "MQC", phone="13800002222"),
    DemoAccount("bh-admin", "滨湖社区书记", Role.COMMUNITY_ADMIN, "BHSQ"),
    DemoAccount("jx-admin", "锦绣社区书记", Role.COMMUNITY_ADMIN, "JXSQ"),
    DemoAccount("ja-admin", "机安社区书记", Role.COMMUNITY_ADMIN, "JASQ"),
    DemoAccount("wang", "王阿姨", Role.RESIDENT, "BRJ", phone="13912345678"),
    DemoAccount("zhao", "赵大爷", Role.RESIDENT, "MQC", phone="13712345678"),
    DemoAccount("liu", "刘党员", Role.RESIDENT, "BRJ", phone="13612345678", extra_roles=(Role.MEMBER,)),
    DemoAccount("rider", "张骑手", Role.RESIDENT, "JASQ", phone="13512345678", extra_roles=(Role.MEMBER,)),
    DemoAccount("tax-admin", "税务局党支部书记", Role.ORG_ADMIN, organization="武汉市税务局第一分局"),
    DemoAccount("property", "百瑞景物业经理", Role.ORG_ADMIN, organization="百瑞景物业服务中心"),
    DemoAccount("weiyuan", "周委员", Role.COMMITTEE_MEMBER, "BHSQ"),
]


@dataclass
class DemoContext:
    """What the core seed made, for the domains' seeds to build on."""

    settings: Settings
    communities: dict[str, Community] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


#: each domain's demo data, run in order after the core seed; each must be idempotent
DOMAIN_SEEDS: list[Callable[[DemoContext], Awaitable[None]]] = [
    reports_demo.seed,
    members_demo.seed_demo,
    stations_demo.seed_demo,
    consultations_demo.seed_demo,
    devices_demo.seed_demo,
]


async def _grant(
    account: Account, role: Role, community: Community | None, organization: Organization | None
) -> None:
    await RoleGrant.get_or_create(
        account=account,
        role=role,
        community=community,
        organization=organization,
        defaults={"created_at": clock.now()},
    )


async def seed_core(ctx: DemoContext) -> None:
    now = clock.now()
    for code, name, city, district, street, lat, lng in COMMUNITIES:
        community, _ = await Community.get_or_create(
            code=code,
            defaults={
                "name": name,
                "city": city,
                "district": district,
                "street": street,
                "lat": lat,
                "lng": lng,
                "created_at": now,
            },
        )
        ctx.communities[code] = community
        for grid_name in GRIDS.get(code, []):
            await Grid.get_or_create(community=community, name=grid_name, defaults={"created_at": now})
    for name, kind, org_code, parent in ORGANIZATIONS:
        org = await Organization.get_or_none(name=name)
        if org is None:
            org = await Organization.create(
                name=name,
                kind=kind,
                community=ctx.communities.get(org_code) if org_code else None,
                parent=ctx.organizations.get(parent) if parent else None,
                created_at=now,
            )
        ctx.organizations[name] = org
    hashed = await passwords(ctx.settings).hash(DEMO_PASSWORD)
    for demo in ACCOUNTS:
        account = await Account.get_or_none(username=demo.username)
        if account is None:
            account = await Account.create(
                username=demo.username,
                display_name=demo.display_name,
                phone=demo.phone,
                password_hash=hashed,
                created_at=now,
            )
        ctx.accounts[demo.username] = account
        granted_community = ctx.communities.get(demo.community) if demo.community else None
        organization = ctx.organizations.get(demo.organization) if demo.organization else None
        for role in (demo.role, *demo.extra_roles):
            scoped = granted_community if role is not Role.ADMIN and role is not Role.CITY_OPERATOR else None
            await _grant(account, role, scoped, organization if role is Role.ORG_ADMIN else None)
    for username, code, grid_name in (("brj-grid", "BRJ", "第一网格"), ("mqc-grid", "MQC", "一组")):
        grid = await Grid.get(community=ctx.communities[code], name=grid_name)
        await GridWorker.get_or_create(grid=grid, account=ctx.accounts[username])
    ctx.lines.append(f"communities: {', '.join(c.name for c in ctx.communities.values())}")
    ctx.lines.append(f"demo accounts (password {DEMO_PASSWORD}): {', '.join(a.username for a in ACCOUNTS)}")


async def seed_demo(settings: Settings) -> list[str]:
    """Load the demo data into an initialised database; returns lines describing it."""
    ctx = DemoContext(settings=settings)
    await seed_core(ctx)
    for seed in DOMAIN_SEEDS:
        await seed(ctx)
    return ctx.lines


async def run_seed(settings: Settings) -> list[str]:
    """The CLI's seed: with an event hub of its own, so a running server (over Redis) hears what it does."""
    await init_db(settings)
    hub = events.EventHub(settings.broadcast_url, prefix=settings.broadcast_prefix)
    await hub.start()
    previous = events.install(hub)
    try:
        return await seed_demo(settings)
    finally:
        await hub.stop()
        events.install(previous)
        await close_db()


async def create_user_cli(
    settings: Settings,
    *,
    username: str,
    password: str,
    role: str,
    community_code: str | None,
    organization_id: int | None,
    display_name: str | None,
) -> str:
    try:
        role_ = Role(role.upper())
    except ValueError as exc:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(r.value for r in Role)}") from exc
    await init_db(settings)
    try:
        community_id = None
        if community_code:
            community = await Community.get_or_none(code=community_code.upper())
            if community is None:
                raise ValueError(f"no community has the code {community_code!r}")
            community_id = community.id
        elif role_ in accounts.COMMUNITY_ROLES:
            raise ValueError(f"{role_.value} needs --community")
        if organization_id is not None and not await Organization.exists(id=organization_id):
            raise ValueError(f"no organisation has the id {organization_id}")
        if role_ in accounts.ORGANIZATION_ROLES and organization_id is None:
            raise ValueError(f"{role_.value} needs --organization")
        try:
            account = await accounts.register_account(
                settings=settings,
                username=username,
                password=password,
                display_name=display_name or username,
                roles=(role_,),
                community_id=community_id,
                organization_id=organization_id,
            )
        except UserError as exc:
            raise ValueError(exc.message) from exc
        except UserErrors as exc:
            raise ValueError("; ".join(e.message for e in exc.errors)) from exc
        return f"created account {account.username} (id {account.id}) with role {role_.value}"
    finally:
        await close_db()


async def api_key_cli(settings: Settings, *, command: str, name: str, scopes: list[str]) -> str:
    await init_db(settings)
    try:
        if command == "revoke":
            return f"revoked {await accounts.revoke_api_key(name=name)} key(s) named {name}"
        try:
            raw = await accounts.create_api_key(name=name, scopes=tuple(scopes))
        except UserError as exc:
            raise ValueError(exc.message) from exc
        except UserErrors as exc:
            raise ValueError("; ".join(e.message for e in exc.errors)) from exc
        return f"API key for {name} (shown once; send as 'Authorization: Bearer KEY'):\n{raw}"
    finally:
        await close_db()


__all__ = ["DOMAIN_SEEDS", "DemoContext", "Tortoise", "run_seed", "seed_demo"]
