"""Demo committee members of 襄阳 滨湖社区 (政协e家), their room and slots for two weeks. Idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from api import clock
from api.auth import passwords
from api.models.accounts import Account, Role, RoleGrant
from api.models.consultations import (
    CommitteeMember,
    CommitteeMemberCommunity,
    ConsultationMode,
    ConsultationSlot,
    Room,
)

if TYPE_CHECKING:
    from resolvers.demo import DemoContext

ZONE = ZoneInfo("Asia/Shanghai")


#: (username, display name, sector, title, expertise, bio, weekly slots: (ISO weekday, local hour, mode))
MEMBERS = [
    (
        "weiyuan",
        "周委员",
        "社会福利和社会保障界",
        "襄城区政协委员、社区工作者",
        ["社区治理", "养老服务", "社会保障"],
        "长期关注社区养老与社会保障，欢迎居民来活动室面谈。",
        [(2, 19, ConsultationMode.IN_PERSON), (6, 10, ConsultationMode.ONLINE)],
    ),
    (
        "hexiangang",
        "何显刚",
        "法律界",
        "襄城区政协委员、执业律师",
        ["法律", "遗嘱", "婚姻家庭"],
        "专业律师，曾免费为社区老人办理遗嘱事宜。",
        [(3, 19, ConsultationMode.IN_PERSON), (5, 20, ConsultationMode.ONLINE)],
    ),
    (
        "pengqiong",
        "彭琼",
        "教育界",
        "襄城区政协委员、襄阳市海容小学校长",
        ["教育", "儿童心理", "家校协作"],
        "在滨湖社区开办儿童心理讲座，欢迎家长咨询教育问题。",
        [(4, 19, ConsultationMode.IN_PERSON), (6, 15, ConsultationMode.ONLINE)],
    ),
]
DAYS_AHEAD = 14


async def seed_demo(ctx: DemoContext) -> None:
    from resolvers.demo import DEMO_PASSWORD

    binhu = ctx.communities.get("BHSQ")
    if binhu is None:
        return
    now = clock.now()
    room, _ = await Room.get_or_create(
        community=binhu,
        name="委员在身边活动室",
        defaults={"address": "襄城区真武山街道滨湖社区党群服务中心二楼", "created_at": now},
    )
    hashed: str | None = None
    today = now.astimezone(ZONE).date()
    slots = 0
    for username, display, sector, title, expertise, bio, weekly in MEMBERS:
        account = ctx.accounts.get(username) or await Account.get_or_none(username=username)
        if account is None:
            hashed = hashed or await passwords(ctx.settings).hash(DEMO_PASSWORD)
            account = await Account.create(
                username=username, display_name=f"{display}委员", password_hash=hashed, created_at=now
            )
        for role in (Role.COMMITTEE_MEMBER, Role.RESIDENT):
            await RoleGrant.get_or_create(
                account=account, role=role, community=binhu, organization=None, defaults={"created_at": now}
            )
        member, _ = await CommitteeMember.get_or_create(
            account=account,
            defaults={
                "name": display,
                "sector": sector,
                "title": title,
                "expertise": "\n".join(expertise),
                "bio": bio,
                "created_at": now,
            },
        )
        await CommitteeMemberCommunity.get_or_create(member=member, community=binhu)
        for offset in range(1, DAYS_AHEAD + 1):
            day = today + timedelta(days=offset)
            for weekday, hour, mode in weekly:
                if day.isoweekday() != weekday:
                    continue
                starts = datetime.combine(day, time(hour, 0), tzinfo=ZONE).astimezone(UTC)
                _, created = await ConsultationSlot.get_or_create(
                    member=member,
                    starts_at=starts,
                    defaults={
                        "ends_at": starts + timedelta(hours=1),
                        "mode": mode,
                        "room": room if mode is ConsultationMode.IN_PERSON else None,
                        "created_at": now,
                    },
                )
                slots += created
    ctx.lines.append(
        f"committee members of 滨湖社区: {', '.join(m[0] for m in MEMBERS)} "
        f"({slots} new slots in the next {DAYS_AHEAD} days)"
    )
