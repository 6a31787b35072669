"""Demo devices from the seed article: 茅圻村's wristbands (钟爹爹's SOS), 锦绣社区's water-flow monitor at
任婆婆's, 百瑞景社区's drain, pipe and garbage sensors. Idempotent; each run prints fresh ingest keys."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING

from api import clock, events
from api.auth import Grant, Principal
from api.models.accounts import Role
from api.models.care import CareCategory, CareRecipient
from api.models.devices import Device, DeviceKind
from resolvers.care import create_care_recipient
from resolvers.devices import alerts, ingest, registry
from resolvers.devices.rules import ReadingIn

if TYPE_CHECKING:
    from resolvers.demo import DemoContext

SYSTEM = Principal(username="demo-seed", grants=(Grant(role=Role.ADMIN),))

#: (community code, name, category, phone, guardian phone, address, lat, lng)
PEOPLE = [
    (
        "MQC",
        "钟邦时",
        CareCategory.ELDERLY_ALONE,
        "13907110001",
        "13907110002",
        "茅圻村三组12号",
        30.1192,
        114.6271,
    ),
    (
        "JXSQ",
        "任婆婆",
        CareCategory.ELDERLY_ALONE,
        "13907120003",
        "13907120004",
        "锦绣社区7栋2单元301",
        30.7047,
        111.2908,
    ),
]
#: (serial, kind, community code, wearer name or None, lat, lng)
DEVICES = [
    ("MQC-WB-001", DeviceKind.WRISTBAND, "MQC", "钟邦时", None, None),
    ("MQC-WM-001", DeviceKind.WATER_METER, "MQC", "钟邦时", 30.1192, 114.6271),
    ("JX-WM-007", DeviceKind.WATER_METER, "JXSQ", "任婆婆", 30.7047, 111.2908),
    ("BRJ-DR-001", DeviceKind.DRAIN_SENSOR, "BRJ", None, 30.5279, 114.3301),
    ("BRJ-PP-001", DeviceKind.PIPE_SENSOR, "BRJ", None, 30.5272, 114.3290),
    ("BRJ-GB-001", DeviceKind.GARBAGE_SENSOR, "BRJ", None, 30.5268, 114.3305),
]


@contextlib.asynccontextmanager
async def _hub() -> AsyncIterator[None]:
    """The seed runs outside the server: give it an in-memory hub so use cases can publish."""
    try:
        events.hub()
    except RuntimeError:
        hub = events.EventHub("memory://")
        await hub.start()
        events.install(hub)
        try:
            yield
        finally:
            events.install(None)
            await hub.stop()
        return
    yield


async def seed_demo(ctx: DemoContext) -> None:
    async with _hub():
        await _seed(ctx)


async def _seed(ctx: DemoContext) -> None:
    people: dict[str, CareRecipient] = {}
    for code, name, category, phone, guardian, address, lat, lng in PEOPLE:
        community = ctx.communities.get(code)
        if community is None:
            continue
        person = await CareRecipient.get_or_none(community_id=community.id, name=name)
        if person is None:
            person = await create_care_recipient(
                principal=SYSTEM,
                community_id=community.id,
                name=name,
                category=category,
                phone=phone,
                address=address,
                guardian_phone=guardian,
                lat=lat,
                lng=lng,
            )
        people[name] = person
    keys: list[str] = []
    devices: dict[str, tuple[Device, str, bool]] = {}
    for serial, kind, code, wearer, device_lat, device_lng in DEVICES:
        community = ctx.communities.get(code)
        if community is None:
            continue
        device = await Device.get_or_none(serial=serial)
        fresh = device is None
        if device is None:
            registered = await registry.register_device(
                principal=SYSTEM,
                serial=serial,
                kind=kind,
                community_id=community.id,
                wearer_id=people[wearer].id if wearer else None,
                lat=device_lat,
                lng=device_lng,
            )
        else:
            registered = await registry.rotate_key(principal=SYSTEM, device_id=device.id)
        devices[serial] = (registered.device, registered.ingest_key, fresh)
        keys.append(f"{serial} {registered.ingest_key}")
    if "钟邦时" in people:
        mqc = ctx.communities["MQC"]
        await registry.set_geofence(
            principal=SYSTEM,
            care_recipient_id=people["钟邦时"].id,
            lat=mqc.lat or 30.1189,
            lng=mqc.lng or 114.6268,
            radius_m=2000,
        )
    await _history(ctx, devices)
    ctx.lines.append(
        "devices: 茅圻村 钟邦时 (SOS wristband, water meter), 锦绣社区 任婆婆 (water-flow monitor), "
        "百瑞景社区 drain/pipe/garbage sensors"
    )
    ctx.lines.append(
        "device ingest keys (rotated on every seed; POST /ingest/v1/readings with "
        "'Authorization: Bearer KEY'):"
    )
    ctx.lines.extend(f"  {line}" for line in keys)


async def _history(ctx: DemoContext, devices: dict[str, tuple[Device, str, bool]]) -> None:
    """Readings and alerts for the dashboards, sent once through the ingest use case (when the device is new)."""
    now = clock.now()

    async def send(serial: str, readings: list[ReadingIn]) -> list[int]:
        if serial not in devices or not devices[serial][2]:
            return []
        device = await Device.get(serial=serial)
        return (await ingest.ingest(device=device, readings=readings)).alert_ids

    def r(minutes: float, **values: object) -> ReadingIn:
        return ReadingIn(at=now - timedelta(minutes=minutes), **values)  # type: ignore[arg-type]

    # 钟爹爹 pressed SOS: chest pain, dizzy. The grid worker answered and the volunteers took him to hospital.
    sos = await send(
        "MQC-WB-001",
        [
            r(190, heart_rate=74, spo2=97, steps=1200, battery_pct=81, lat=30.1195, lng=114.6273),
            r(180, heart_rate=118, spo2=94, battery_pct=80, lat=30.1195, lng=114.6273, event="SOS"),
        ],
    )
    grid = ctx.accounts.get("mqc-grid")
    if sos and grid is not None:
        worker = Principal(
            account_id=grid.id,
            username=grid.username,
            grants=(Grant(role=Role.GRID_WORKER, community_id=ctx.communities["MQC"].id),),
        )
        await alerts.acknowledge_alert(principal=worker, alert_id=sos[0])
        await alerts.resolve_alert(
            principal=worker,
            alert_id=sos[0],
            note="网格员与志愿者十分钟内赶到，送医后确诊心梗，抢救及时，已脱离危险。",
        )
    # today: a racing heart rate, still open on the village's big screen
    await send(
        "MQC-WB-001",
        [
            r(20, heart_rate=96, spo2=96, steps=2300, battery_pct=64, lat=30.1193, lng=114.6270),
            r(10, heart_rate=128, spo2=95, steps=2410, battery_pct=63, lat=30.1193, lng=114.6270),
            r(2, heart_rate=131, spo2=95, steps=2450, battery_pct=63, lat=30.1193, lng=114.6270),
        ],
    )
    await send(
        "MQC-WM-001", [r(60 * 7, water_litres=18.5), r(60 * 3, water_litres=4.2), r(30, water_litres=0.0)]
    )
    # 任婆婆: water used this morning
    await send("JX-WM-007", [r(60 * 5, water_litres=9.8), r(60 * 2, water_litres=2.5)])
    # 山水家园: a blocked drain and a full bin raise faults for the property management
    await send(
        "BRJ-DR-001", [r(45, battery_pct=77), r(15, event="FAULT", fault="DRAIN_BLOCKED", battery_pct=77)]
    )
    await send("BRJ-PP-001", [r(30, battery_pct=90)])
    await send("BRJ-GB-001", [r(25, battery_pct=70), r(5, event="FAULT", fault="BIN_FULL", battery_pct=70)])
