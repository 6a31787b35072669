"""Members' demo data, from the seed article (党员生活 2023-12): 百瑞景社区's 1574 checked-in members,
李博's 崇法明德服务队, 熊雯 paired with 梁爹爹, the 'i武汉i家园' orders and ratings, the three lists,
and 黄鹤楼街道's 黄小蜂助老送餐志愿服务队 of riders in 机安社区. Idempotent: run it any number of times.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from api import clock, points
from api.auth import passwords
from api.db import transaction
from api.models.accounts import Account, Role, RoleGrant
from api.models.care import CareCategory, CareRecipient
from api.models.members import (
    CommunityModeChange,
    Evaluation,
    EvaluationVerdict,
    Member,
    MemberKind,
    Need,
    NeedStatus,
    Pairing,
    Post,
    PostClaim,
    Project,
    ProjectStatus,
    ServiceOrder,
    ServiceOrderStatus,
    ServiceRating,
    ServiceRecord,
    Specialty,
    Team,
    TeamKind,
    TeamMembership,
    Visit,
)
from api.models.places import Community, Organization, OrganizationKind
from resolvers.members.orders import DEFAULT_PER_100_MINUTES, points_for

if TYPE_CHECKING:
    from resolvers.demo import DemoContext

#: 百瑞景社区 has 1574 checked-in members (下沉党员); the named ones below plus this many more
BRJ_MEMBERS = 1574
#: (username, display name, kind, work unit, skills, community code)
PEOPLE = [
    ("liu", "刘党员", MemberKind.PARTY_MEMBER, "武汉市税务局第一分局", ["税务咨询", "反诈宣传"], "BRJ"),
    ("libo", "李博", MemberKind.PARTY_MEMBER, "武汉市第一公证处", ["公证", "法律咨询", "矛盾调解"], "BRJ"),
    ("xiongwen", "熊雯", MemberKind.PARTY_MEMBER, "武汉城市职业学院", ["课业辅导", "陪伴老人"], "BRJ"),
    ("rider", "张骑手", MemberKind.GIG_WORKER, "顺丰速运武昌营业部", ["送餐", "助老上楼"], "JASQ"),
]
#: (title, specialty, capacity) of 百瑞景's posts (认岗)
POSTS = [
    ("法律咨询岗", Specialty.LEGAL, 20),
    ("矛盾调处岗", Specialty.LEGAL, 12),
    ("健康义诊岗", Specialty.MEDICAL, 10),
    ("四点半课堂辅导岗", Specialty.EDUCATION, 15),
    ("心理疏导岗", Specialty.PSYCHOLOGY, 8),
    ("独居老人关爱岗", Specialty.ELDER_CARE, 30),
    ("帮办代购岗", Specialty.SUPPLY, 40),
]
#: (community code, name, kind, specialty, leader username)
TEAMS = [
    ("BRJ", "崇法明德服务队", TeamKind.SERVICE, Specialty.LEGAL, "libo"),
    ("BRJ", "红色细胞助老服务队", TeamKind.SERVICE, Specialty.ELDER_CARE, "xiongwen"),
    ("BRJ", "保供应急队", TeamKind.EMERGENCY, Specialty.SUPPLY, None),
    ("BRJ", "医疗应急队", TeamKind.EMERGENCY, Specialty.MEDICAL, None),
    ("JASQ", "黄小蜂助老送餐志愿服务队", TeamKind.SERVICE, Specialty.ELDER_CARE, "rider"),
    ("JASQ", "黄鹤骑士帮", TeamKind.EMERGENCY, Specialty.SUPPLY, None),
]


async def _account(ctx: DemoContext, username: str, display_name: str, hashed: str) -> Account:
    account = ctx.accounts.get(username) or await Account.get_or_none(username=username)
    if account is None:
        account = await Account.create(
            username=username, display_name=display_name, password_hash=hashed, created_at=clock.now()
        )
    ctx.accounts[username] = account
    return account


async def _organization(name: str, kind: OrganizationKind) -> Organization:
    org = await Organization.get_or_none(name=name)
    return org or await Organization.create(name=name, kind=kind, created_at=clock.now())


async def _member(
    account: Account,
    community: Community,
    kind: MemberKind,
    unit: Organization | None,
    skills: list[str],
    when: timedelta,
) -> Member:
    member = await Member.get_or_none(account_id=account.id, community_id=community.id)
    if member is None:
        member = await Member.create(
            account=account,
            community=community,
            kind=kind,
            work_unit=unit,
            skills=skills,
            checked_in_at=clock.now() - when,
        )
    for role in (Role.MEMBER, Role.RESIDENT):
        await RoleGrant.get_or_create(
            account=account,
            role=role,
            community=community,
            organization=None,
            defaults={"created_at": clock.now()},
        )
    return member


async def _crowd(community: Community, units: list[Organization], hashed: str, missing: int) -> list[Member]:
    """The rest of the community's members, in a few statements (accounts brj-m0001…, the demo password)."""
    have = await Member.filter(community_id=community.id).count()
    if have >= missing:
        return list(await Member.filter(community_id=community.id).order_by("id"))
    now = clock.now()
    start = await Account.filter(username__startswith="brj-m").count()
    names = [f"brj-m{i:04d}" for i in range(start + 1, start + 1 + missing - have)]
    await Account.bulk_create(
        [
            Account(username=n, display_name=f"下沉党员{n[-4:]}", password_hash=hashed, created_at=now)
            for n in names
        ],
        batch_size=500,
    )
    accounts = list(await Account.filter(username__in=names).order_by("id"))
    kinds = [MemberKind.PARTY_MEMBER] * 8 + [MemberKind.VOLUNTEER, MemberKind.GIG_WORKER]
    await Member.bulk_create(
        [
            Member(
                account_id=a.id,
                community_id=community.id,
                kind=kinds[i % len(kinds)],
                # most came through their work unit (双报到), some on their own
                work_unit_id=units[i % len(units)].id if i % 5 else None,
                skills=[],
                checked_in_at=now - timedelta(days=30 + i % 900),
            )
            for i, a in enumerate(accounts)
        ],
        batch_size=500,
    )
    await RoleGrant.bulk_create(
        [
            RoleGrant(account_id=a.id, role=role, community_id=community.id, created_at=now)
            for a in accounts
            for role in (Role.MEMBER, Role.RESIDENT)
        ],
        batch_size=500,
    )
    return list(await Member.filter(community_id=community.id).order_by("id"))


async def _order(community: Community, title: str, **values: Any) -> ServiceOrder:
    order = await ServiceOrder.get_or_none(community_id=community.id, title=title)
    if order is None:
        now = clock.now()
        order = await ServiceOrder.create(
            community=community, title=title, created_at=now, updated_at=now, **values
        )
    return order


async def _record(
    order: ServiceOrder,
    member: Member,
    minutes: int,
    summary: str,
    rating: ServiceRating | None,
    rater: Account,
) -> ServiceRecord:
    record = await ServiceRecord.get_or_none(order_id=order.id)
    if record is None:
        record = await ServiceRecord.create(
            member=member,
            community_id=order.community_id,
            order=order,
            minutes=minutes,
            summary=summary,
            at=order.completed_at or clock.now(),
        )
    if rating is not None and record.rating is None:
        earned = points_for(minutes, rating, DEFAULT_PER_100_MINUTES)
        async with transaction() as conn:
            await (
                ServiceRecord.filter(id=record.id, rating__isnull=True)
                .using_db(conn)
                .update(rating=rating, points=earned, rated_at=clock.now(), rated_by_id=rater.id)
            )
            await points.apply(
                account_id=member.account_id,
                delta=earned,
                reason=f"服务纪实评价 {rating.value}: {minutes} 分钟",
                source=f"serviceRecord:{record.id}",
                key=f"service-record:{record.id}",
                connection=conn,
            )
    return record


async def seed_demo(ctx: DemoContext) -> None:
    from resolvers.demo import DEMO_PASSWORD

    now = clock.now()
    brj = ctx.communities["BRJ"]
    hashed = await passwords(ctx.settings).hash(DEMO_PASSWORD)
    units = {
        name: ctx.organizations.get(name) or await _organization(name, OrganizationKind.WORK_UNIT)
        for name in ("武汉市税务局第一分局", "武汉市第一公证处", "武汉城市职业学院", "武昌区人民医院")
    }
    units["顺丰速运武昌营业部"] = ctx.organizations.get("顺丰速运武昌营业部") or await _organization(
        "顺丰速运武昌营业部", OrganizationKind.ENTERPRISE
    )

    # 双报到
    members: dict[str, Member] = {}
    for i, (username, display_name, kind, unit, skills, code) in enumerate(PEOPLE):
        account = await _account(ctx, username, display_name, hashed)
        members[username] = await _member(
            account, ctx.communities[code], kind, units[unit], skills, timedelta(days=400 - i * 30)
        )
    crowd = await _crowd(
        brj,
        [units["武汉市税务局第一分局"], units["武昌区人民医院"], units["武汉城市职业学院"]],
        hashed,
        BRJ_MEMBERS,
    )

    # 认岗: the named members hold posts, the crowd fills most of the places
    posts = {}
    for title, specialty, capacity in POSTS:
        post, _ = await Post.get_or_create(
            community=brj,
            title=title,
            defaults={"specialty": specialty, "capacity": capacity, "created_at": now},
        )
        posts[title] = post
    claims = [
        ("法律咨询岗", members["libo"]),
        ("法律咨询岗", members["liu"]),
        ("四点半课堂辅导岗", members["xiongwen"]),
        ("独居老人关爱岗", members["xiongwen"]),
    ]
    fillers = [m for m in crowd if m.id not in {x.id for x in members.values()}]
    offset = 0
    for title, _, capacity in POSTS:
        take = capacity * 3 // 4 - sum(1 for t, _ in claims if t == title)
        claims += [(title, m) for m in fillers[offset : offset + take]]
        offset += take
    held = set(
        await PostClaim.filter(post_id__in=[p.id for p in posts.values()]).values_list("post_id", "member_id")
    )
    await PostClaim.bulk_create(
        [
            PostClaim(post_id=posts[t].id, member_id=m.id, claimed_at=now)
            for t, m in claims
            if (posts[t].id, m.id) not in held
        ]
    )
    for post in posts.values():
        post.claimed_count = await PostClaim.filter(post_id=post.id).count()
        await post.save(update_fields=["claimed_count"])

    # teams
    teams = {}
    for code, name, team_kind, specialty, leader in TEAMS:
        team, _ = await Team.get_or_create(
            community=ctx.communities[code],
            name=name,
            defaults={
                "kind": team_kind,
                "specialty": specialty,
                "leader": members.get(leader) if leader else None,
                "created_at": now,
            },
        )
        teams[name] = team
    joins = [
        ("崇法明德服务队", members["libo"]),
        ("崇法明德服务队", members["liu"]),
        ("红色细胞助老服务队", members["xiongwen"]),
        ("黄小蜂助老送餐志愿服务队", members["rider"]),
    ]
    joins += [("崇法明德服务队", m) for m in fillers[:24]] + [
        ("红色细胞助老服务队", m) for m in fillers[24:80]
    ]
    held = set(
        await TeamMembership.filter(team_id__in=[t.id for t in teams.values()]).values_list(
            "team_id", "member_id"
        )
    )
    await TeamMembership.bulk_create(
        [
            TeamMembership(team_id=teams[t].id, member_id=m.id, joined_at=now)
            for t, m in joins
            if (teams[t].id, m.id) not in held
        ]
    )

    # 认事: 王阿姨 asks, the community dispatches, 刘党员 accepts and completes, the community rates
    wang, admin = ctx.accounts["wang"], ctx.accounts["brj-admin"]
    S = ServiceOrderStatus
    done = await _order(
        brj,
        "帮忙取降压药",
        description="腿脚不便, 请帮忙去社区卫生服务站取药",
        specialty=Specialty.ELDER_CARE,
        status=S.COMPLETED,
        requester=wang,
        assignee=members["liu"],
        dispatched_at=now - timedelta(days=3),
        accepted_at=now - timedelta(days=3),
        completed_at=now - timedelta(days=2),
    )
    await _record(done, members["liu"], 60, "已取药送到家, 叮嘱按时服药", ServiceRating.EXCELLENT, admin)
    talk = await _order(
        brj,
        "反诈普法宣传直播",
        description="在社区直播间讲解常见电信诈骗手法",
        specialty=Specialty.LEGAL,
        status=S.COMPLETED,
        requester=ctx.accounts["libo"],
        assignee=members["libo"],
        accepted_at=now - timedelta(days=10),
        completed_at=now - timedelta(days=9),
    )
    await _record(talk, members["libo"], 120, "直播 1 场, 在线观看 860 人次", ServiceRating.GOOD, admin)
    # completed but not yet rated: for the dashboard's 一事一评
    lights = await _order(
        brj,
        "楼道灯更换",
        description="3 栋 2 单元楼道灯不亮",
        specialty=None,
        status=S.COMPLETED,
        requester=wang,
        assignee=members["liu"],
        dispatched_at=now - timedelta(days=1),
        accepted_at=now - timedelta(days=1),
        completed_at=now - timedelta(hours=3),
    )
    await _record(lights, members["liu"], 45, "已联系物业更换 4 盏灯", None, admin)
    await _order(
        brj,
        "陪同老人就医",
        description="周四上午陪同去武昌区人民医院复诊",
        specialty=Specialty.MEDICAL,
        status=S.DISPATCHED,
        requester=wang,
        dispatched_at=now - timedelta(hours=5),
    )
    await _order(
        brj,
        "家里水管漏水",
        description="厨房水管接口渗水",
        specialty=None,
        status=S.REQUESTED,
        requester=wang,
    )
    await _order(
        brj,
        "社区心理健康讲座",
        description="每月一次, 面向独居老人和家属",
        specialty=Specialty.PSYCHOLOGY,
        status=S.PROPOSED,
        requester=ctx.accounts["xiongwen"],
        assignee=members["xiongwen"],
    )

    # 认亲: 熊雯 and 梁爹爹, nearly eighty and living alone
    liang, _ = await CareRecipient.get_or_create(
        community=brj,
        name="梁爹爹",
        defaults={
            "category": CareCategory.ELDERLY_ALONE,
            "phone": "13907141234",
            "address": "百瑞景小区 6 栋 1702",
            "note": "年近八十, 子女在外地",
            "created_at": now,
        },
    )
    pairing = await Pairing.get_or_none(member_id=members["xiongwen"].id, recipient_id=liang.id)
    if pairing is None:
        pairing = await Pairing.create(
            member=members["xiongwen"],
            recipient=liang,
            community=brj,
            started_at=now - timedelta(days=120),
            active_key=f"{members['xiongwen'].id}:{liang.id}",
            approved_at=now - timedelta(days=120),
            approved_by=ctx.accounts["brj-admin"],
        )
        await Visit.bulk_create(
            [
                Visit(
                    pairing=pairing,
                    at=now - timedelta(days=d),
                    minutes=m,
                    note=n,
                    logged_by_id=members["xiongwen"].account_id,
                )
                for d, m, n in (
                    (90, 60, "第一次上门, 陪梁爹爹聊天, 留了电话"),
                    (45, 40, "帮忙打扫卫生, 检查燃气阀门"),
                    (7, 50, "送去降压药, 教他用手机视频和子女通话"),
                )
            ]
        )

    # 常急转换: the history of a summer storm (mode is back to NORMAL)
    if not await CommunityModeChange.filter(community_id=brj.id).exists():
        await CommunityModeChange.bulk_create(
            [
                CommunityModeChange(
                    community=brj,
                    from_mode="NORMAL",
                    to_mode="EMERGENCY",
                    reason="暴雨橙色预警, 启动应急模式",
                    actor=admin,
                    reassigned=1259,
                    at=now - timedelta(days=60),
                ),
                CommunityModeChange(
                    community=brj,
                    from_mode="EMERGENCY",
                    to_mode="NORMAL",
                    reason="预警解除, 恢复常态",
                    actor=admin,
                    reassigned=1259,
                    at=now - timedelta(days=57),
                ),
            ]
        )

    # 三张清单
    elevator, _ = await Need.get_or_create(
        community=brj,
        title="老旧楼栋加装电梯",
        defaults={
            "description": "6 栋住着多位独居老人, 上下楼困难",
            "submitted_by": wang,
            "created_at": now - timedelta(days=40),
        },
    )
    await Need.get_or_create(
        community=brj,
        title="四点半课堂延长到六点",
        defaults={
            "description": "双职工家庭接孩子来不及",
            "submitted_by": wang,
            "created_at": now - timedelta(days=5),
        },
    )
    lamp_need, _ = await Need.get_or_create(
        community=brj,
        title="小区路灯不亮",
        defaults={
            "description": "3 栋到 5 栋之间晚上太黑",
            "submitted_by": wang,
            "status": NeedStatus.ADOPTED,
            "created_at": now - timedelta(days=80),
        },
    )
    tax = units["武汉市税务局第一分局"]
    lift, _ = await Project.get_or_create(
        community=brj,
        title="6 栋加装电梯协调",
        defaults={
            "lead_unit": tax,
            "measures": "税务局下沉党员入户征求意见, 协调低层住户, 对接施工单位",
            "deadline": (now + timedelta(days=120)).date(),
            "created_at": now - timedelta(days=30),
        },
    )
    if elevator.project_id is None:
        await Need.filter(id=elevator.id).update(status=NeedStatus.ADOPTED, project_id=lift.id)
    lamps, _ = await Project.get_or_create(
        community=brj,
        title="路灯改造",
        defaults={
            "lead_unit": tax,
            "measures": "税务局出资, 物业施工, 党员监督",
            "deadline": (now - timedelta(days=20)).date(),
            "status": ProjectStatus.FINISHED,
            "finished_at": now - timedelta(days=25),
            "created_at": now - timedelta(days=75),
        },
    )
    await Need.filter(id=lamp_need.id).update(project_id=lamps.id)
    await Evaluation.get_or_create(
        project=lamps,
        resident=wang,
        defaults={
            "verdict": EvaluationVerdict.SATISFIED,
            "comment": "晚上出门亮堂多了",
            "at": now - timedelta(days=20),
        },
    )
    await Evaluation.get_or_create(
        project=lamps,
        resident=ctx.accounts["liu"],
        defaults={
            "verdict": EvaluationVerdict.BASICALLY_SATISFIED,
            "comment": "5 栋门口还差一盏",
            "at": now - timedelta(days=19),
        },
    )

    ctx.lines.append(
        f"members: {await Member.filter(community_id=brj.id).count()} checked in to 百瑞景社区 (liu, libo, xiongwen), "
        f"rider in 机安社区; posts, teams, orders, ratings, 熊雯–梁爹爹 pairing, the three lists"
    )
