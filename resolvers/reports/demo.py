"""Demo reports from the seed article, in several states, made through the use cases themselves.

- a courier finds a dead traffic light and snaps it (江城小蜜蜂): resolved, 50 points;
- a blocked drain in 百瑞景: dispatched to the property company, in progress;
- garbage piled in a stairwell: just submitted;
- a "free eggs" scam aimed at old people (滨湖社区's story, here in 百瑞景): resolved and closed, 100 points;
- a rider's appeal about platform deductions (我的诉求): routed to the enterprise, accepted;
- a collapsed village road in 茅圻村: escalated to the town government;
- construction noise at night: rejected with a reason.

Idempotent: a story already filed by its reporter is not filed again.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from api.auth import Principal, principal_for_account
from api.models.reports import Report, ReportCategory, ReportRoute
from resolvers.reports import lifecycle
from resolvers.reports.submit import submit_report

if TYPE_CHECKING:
    from resolvers.demo import DemoContext


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small solid-colour PNG, so the demo photos are real images."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


Step = Callable[[Principal, int], Awaitable[object]]


@dataclass(frozen=True)
class Story:
    reporter: str
    community: str
    category: ReportCategory
    description: str
    address: str
    lat: float
    lng: float
    anonymous: bool = False
    photo: tuple[int, int, int] | None = None
    #: (username acting, step) in order
    steps: tuple[tuple[str, Callable[[DemoContext], Step]], ...] = ()


def _accept(ctx: DemoContext) -> Step:
    return lambda p, rid: lifecycle.accept_report(principal=p, report_id=rid)


def _start(ctx: DemoContext) -> Step:
    return lambda p, rid: lifecycle.start_report(principal=p, report_id=rid)


def _resolve(note: str) -> Callable[[DemoContext], Step]:
    return lambda ctx: lambda p, rid: lifecycle.resolve_report(principal=p, report_id=rid, note=note)


def _close(ctx: DemoContext) -> Step:
    return lambda p, rid: lifecycle.close_report(principal=p, report_id=rid, note="已确认解决，谢谢")


def _dispatch(org: str) -> Callable[[DemoContext], Step]:
    return lambda ctx: (
        lambda p, rid: lifecycle.dispatch_report(
            principal=p, report_id=rid, assignee_id=ctx.organizations[org].id
        )
    )


def _escalate(reason: str) -> Callable[[DemoContext], Step]:
    return lambda ctx: lambda p, rid: lifecycle.escalate_report(principal=p, report_id=rid, reason=reason)


def _reject(reason: str) -> Callable[[DemoContext], Step]:
    return lambda ctx: lambda p, rid: lifecycle.reject_report(principal=p, report_id=rid, reason=reason)


STORIES = [
    Story(
        "rider",
        "JASQ",
        ReportCategory.SAFETY_HAZARD,
        "路口红绿灯失灵，车辆和行人通行混乱",
        "黄鹤楼街道司门口路口",
        30.5449,
        114.3018,
        photo=(200, 30, 30),
        steps=(
            ("ja-admin", _accept),
            ("ja-admin", _start),
            ("ja-admin", _resolve("已联系交管部门修复信号灯")),
        ),
    ),
    Story(
        "wang",
        "BRJ",
        ReportCategory.FACILITY_FAULT,
        "小区3栋门口下水道堵塞，污水漫到路面",
        "百瑞景社区3栋",
        30.5277,
        114.3295,
        photo=(90, 70, 40),
        steps=(("brj-grid", _accept), ("brj-admin", _dispatch("百瑞景物业服务中心")), ("property", _start)),
    ),
    Story(
        "wang",
        "BRJ",
        ReportCategory.ENVIRONMENT,
        "5栋2单元楼道里垃圾堆放多日，有异味",
        "百瑞景社区5栋2单元",
        30.5272,
        114.3299,
    ),
    Story(
        "liu",
        "BRJ",
        ReportCategory.SECURITY_CLUE,
        "有人在小区门口给老人发鸡蛋，登记老人身份证和电话，疑似保健品推销诈骗",
        "百瑞景社区东门",
        30.5279,
        114.3301,
        anonymous=True,
        steps=(
            ("brj-grid", _accept),
            ("brj-grid", _start),
            ("brj-grid", _resolve("治保主任到场驱离推销人员，已提醒老人")),
            ("liu", _close),
        ),
    ),
    Story(
        "rider",
        "JASQ",
        ReportCategory.APPEAL_RIGHTS,
        "平台超时扣款规则不合理，恶劣天气也照常扣款",
        "机安社区",
        30.5446,
        114.3015,
        steps=(("ja-admin", _accept),),
    ),
    Story(
        "zhao",
        "MQC",
        ReportCategory.SAFETY_HAZARD,
        "村道靠近鱼塘一段路基塌陷，夜间有落水危险",
        "茅圻村二组村道",
        30.1192,
        114.6271,
        steps=(("mqc-grid", _accept), ("mqc-admin", _escalate("需镇里协调修路资金"))),
    ),
    Story(
        "wang",
        "BRJ",
        ReportCategory.DAILY_GOVERNANCE,
        "楼上装修晚上十点后还在施工",
        "百瑞景社区2栋",
        30.5274,
        114.3296,
        steps=(("brj-grid", _reject("夜间施工噪音请直接拨打110，社区已提醒物业加强管理")),),
    ),
]


async def _routes(ctx: DemoContext) -> None:
    """Appeals of gig workers in 机安社区 go to their enterprise and the industry committee."""
    for code, category, org in (
        ("JASQ", ReportCategory.APPEAL_RIGHTS, "顺丰速运武昌营业部"),
        ("JASQ", ReportCategory.APPEAL_INDUSTRY, "武汉快递行业党委"),
        ("BRJ", ReportCategory.APPEAL_RIGHTS, "顺丰速运武昌营业部"),
        ("BRJ", ReportCategory.APPEAL_INDUSTRY, "武汉快递行业党委"),
    ):
        await ReportRoute.get_or_create(
            community=ctx.communities[code],
            category=category,
            defaults={"organization": ctx.organizations[org], "sla_hours": 120, "points": 0},
        )


async def seed(ctx: DemoContext) -> None:
    await _routes(ctx)
    made = 0
    for story in STORIES:
        reporter = ctx.accounts[story.reporter]
        if await Report.exists(reporter_id=reporter.id, description=story.description):
            continue
        report = await submit_report(
            principal=await principal_for_account(reporter),
            settings=ctx.settings,
            category=story.category,
            description=story.description,
            address=story.address,
            lat=story.lat,
            lng=story.lng,
            anonymous=story.anonymous,
            community_id=ctx.communities[story.community].id,
            photos=[_png(32, 24, story.photo)] if story.photo else [],
        )
        for username, make in story.steps:
            await make(ctx)(await principal_for_account(ctx.accounts[username]), report.id)
        made += 1
    states = await Report.all().values_list("status", flat=True)
    summary = ", ".join(f"{s} {states.count(s)}" for s in dict.fromkeys(sorted(states)))
    ctx.lines.append(f"reports: {len(states)} ({summary}){f', {made} new' if made else ''}")
