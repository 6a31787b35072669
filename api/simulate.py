"""`zhili simulate --devices N --rate R [--url …] [--duration S]`: simulated devices sending readings over HTTP.

The simulator registers its devices the first time (in the demo communities, through the use
cases, against the database the settings name) and reuses them afterwards, giving each a fresh
ingest key (keys are stored only as hashes, so a key can be had again only by rotating it). It
then sends realistic readings to the server at `--url`, as the devices themselves would:

- wristbands: a heart rate drifting around the wearer's resting rate, SpO2, blood pressure now and
  then, steps through the day, a battery running down, a position near home; now and then a SOS;
- water meters: water used by time of day (mornings and evenings), nothing at night;
- drain, pipe and garbage sensors: a fault now and then (DRAIN_BLOCKED, PIPE_LEAK, BIN_FULL).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from api.auth import Grant, Principal
from api.models.accounts import Role
from api.models.care import CareCategory
from api.models.devices import Device, DeviceKind
from api.models.places import Community
from api.settings import Settings

SYSTEM = Principal(username="simulator", grants=(Grant(role=Role.ADMIN),))
#: share of each kind among the simulated devices
MIX = (
    (DeviceKind.WRISTBAND, 0.6),
    (DeviceKind.WATER_METER, 0.25),
    (DeviceKind.DRAIN_SENSOR, 0.05),
    (DeviceKind.PIPE_SENSOR, 0.05),
    (DeviceKind.GARBAGE_SENSOR, 0.05),
)
FAULTS = {
    DeviceKind.DRAIN_SENSOR: "DRAIN_BLOCKED",
    DeviceKind.PIPE_SENSOR: "PIPE_LEAK",
    DeviceKind.GARBAGE_SENSOR: "BIN_FULL",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "秀英", "桂兰", "德明", "玉珍", "福生", "淑珍", "志强", "金凤", "长华")


@dataclass
class SimDevice:
    serial: str
    kind: DeviceKind
    key: str
    lat: float
    lng: float
    seq: int
    rng: random.Random
    resting_hr: float = 72.0
    heart_rate: float = 72.0
    battery: float = 100.0
    steps: int = 0

    def reading(self, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
        self.seq += 1
        hour = now.astimezone(tz).hour
        r: dict[str, Any] = {"seq": self.seq}
        if self.kind is DeviceKind.WRISTBAND:
            # mean-reverting drift, a bit higher by day
            target = self.resting_hr + (8 if 7 <= hour <= 21 else -6)
            self.heart_rate += (target - self.heart_rate) * 0.1 + self.rng.gauss(0, 2.5)
            self.battery = max(3.0, self.battery - self.rng.uniform(0.0, 0.05))
            if 7 <= hour <= 21:
                self.steps += self.rng.randint(0, 30)
            r.update(
                heartRate=round(self.heart_rate),
                spo2=self.rng.choice((95, 96, 97, 97, 98, 98, 99)),
                steps=self.steps,
                batteryPct=round(self.battery),
                lat=round(self.lat + self.rng.gauss(0, 0.0004), 6),
                lng=round(self.lng + self.rng.gauss(0, 0.0004), 6),
            )
            if self.rng.random() < 0.1:
                r.update(systolic=round(self.rng.gauss(132, 12)), diastolic=round(self.rng.gauss(84, 7)))
            if self.rng.random() < 0.002:
                r["event"] = "SOS"
            elif self.rng.random() < 0.0005:
                r["event"] = "FALL"
        elif self.kind is DeviceKind.WATER_METER:
            busy = 6 <= hour <= 9 or 17 <= hour <= 21
            awake = 7 <= hour <= 22
            used = self.rng.random() < (0.5 if busy else 0.15 if awake else 0.01)
            r["waterLitres"] = round(self.rng.uniform(0.5, 12.0), 2) if used else 0.0
        else:
            r["batteryPct"] = 80
            if self.rng.random() < 0.003:
                r.update(event="FAULT", fault=FAULTS[self.kind])
        return r


@dataclass
class Progress:
    sent: int = 0
    accepted: int = 0
    alerts: set[str] = field(default_factory=set)
    failed: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return (
            f"\r{elapsed:7.1f}s  sent {self.sent:>8}  accepted {self.accepted:>8}  "
            f"alerts {len(self.alerts):>5}  failed {self.failed:>5}  {self.accepted / elapsed:8.1f} readings/s"
        )


async def prepare(settings: Settings, count: int, *, seed: int = 7) -> list[SimDevice]:
    """Register the simulator's devices (once) and give each a fresh key; uses the database directly."""
    from api.db import close_db, init_db
    from resolvers.care import create_care_recipient
    from resolvers.devices import registry

    await init_db(settings)
    try:
        communities = list(await Community.filter(code__in=["MQC", "BRJ"]).order_by("code"))
        if not communities:
            communities = [
                await Community.get_or_none(code="SIM")
                or await Community.create(
                    code="SIM",
                    name="模拟社区",
                    city="武汉市",
                    district="武昌区",
                    street="中南路街道",
                    lat=30.5275,
                    lng=114.3297,
                    created_at=datetime.now().astimezone(),
                )
            ]
        rng = random.Random(seed)
        kinds = [k for k, share in MIX for _ in range(max(1, round(share * count)))][:count]
        while len(kinds) < count:
            kinds.append(DeviceKind.WRISTBAND)
        devices: list[SimDevice] = []
        existing = {d.serial: d for d in await Device.filter(serial__startswith="SIM-")}
        for i, kind in enumerate(kinds):
            community = communities[i % len(communities)]
            serial = f"SIM-{kind.value[:2]}-{i + 1:05d}"
            lat = (community.lat or 30.5) + rng.uniform(-0.004, 0.004)
            lng = (community.lng or 114.3) + rng.uniform(-0.004, 0.004)
            device = existing.get(serial)
            if device is None:
                wearer_id = None
                if kind in (DeviceKind.WRISTBAND, DeviceKind.WATER_METER):
                    person = await create_care_recipient(
                        principal=SYSTEM,
                        community_id=community.id,
                        name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                        category=CareCategory.ELDERLY_ALONE,
                        lat=lat,
                        lng=lng,
                    )
                    wearer_id = person.id
                registered = await registry.register_device(
                    principal=SYSTEM,
                    serial=serial,
                    kind=kind,
                    community_id=community.id,
                    wearer_id=wearer_id,
                    lat=lat,
                    lng=lng,
                )
                key = registered.ingest_key
            else:
                if device.disabled_at is not None:
                    await registry.set_disabled(principal=SYSTEM, device_id=device.id, disabled=False)
                key = (await registry.rotate_key(principal=SYSTEM, device_id=device.id)).ingest_key
                lat, lng = device.lat or lat, device.lng or lng
            devices.append(
                SimDevice(
                    serial=serial,
                    kind=kind,
                    key=key,
                    lat=lat,
                    lng=lng,
                    seq=int(time.time() * 1000),
                    rng=random.Random(seed + i),
                    resting_hr=rng.uniform(62, 80),
                )
            )
        return devices
    finally:
        await close_db()


async def run(
    devices: list[SimDevice], *, url: str, rate: float, duration: float, timezone: str, out: Any = sys.stderr
) -> Progress:
    """Each device sends `rate` readings per second until `duration` (0: until interrupted)."""
    progress = Progress()
    tz = ZoneInfo(timezone)
    interval = 1.0 / rate if rate > 0 else 1.0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:

        async def one(device: SimDevice) -> None:
            body = device.reading(datetime.now().astimezone(), tz)
            try:
                answer = await client.post(
                    "/ingest/v1/readings", json=body, headers={"Authorization": f"Bearer {device.key}"}
                )
            except httpx.HTTPError:
                progress.failed += 1
                return
            progress.sent += 1
            if answer.status_code == 202:
                progress.accepted += 1
                progress.alerts.update(answer.json().get("alerts", []))
            else:
                progress.failed += 1

        deadline = time.monotonic() + duration if duration > 0 else None
        tick = time.monotonic()
        while deadline is None or time.monotonic() < deadline:
            await asyncio.gather(*(one(d) for d in devices))
            print(progress.line(), end="", file=out, flush=True)
            tick += interval
            await asyncio.sleep(max(0.0, tick - time.monotonic()))
    print(file=out)
    return progress


def main(args: argparse.Namespace, settings: Settings) -> int:
    if args.devices < 1 or args.rate <= 0:
        print("error: --devices must be at least 1 and --rate above 0", file=sys.stderr)
        return 2
    devices = asyncio.run(prepare(settings, args.devices))
    kinds = {k.value: sum(d.kind is k for d in devices) for k, _ in MIX}
    print(
        f"simulating {len(devices)} devices ({', '.join(f'{k} {n}' for k, n in kinds.items() if n)}) "
        f"at {args.rate}/s each → {args.url}; Ctrl-C stops",
        file=sys.stderr,
    )
    try:
        progress = asyncio.run(
            run(
                devices,
                url=args.url,
                rate=args.rate,
                duration=args.duration,
                timezone=settings.default_timezone,
            )
        )
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 0
    return 0 if progress.accepted else 1
