"""The simulator's readings are ones the ingest endpoint accepts, and they look like the real thing."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from api.models.devices import DeviceKind
from api.simulate import SimDevice
from resolvers.devices.ingest import parse_batch


def test_simulated_readings_are_valid_and_realistic():
    now = datetime(2026, 7, 1, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai: the morning water peak
    tz = ZoneInfo("Asia/Shanghai")
    band = SimDevice("SIM-WR-1", DeviceKind.WRISTBAND, "k", 30.1, 114.6, seq=0, rng=random.Random(1))
    meter = SimDevice("SIM-WA-1", DeviceKind.WATER_METER, "k", 30.1, 114.6, seq=0, rng=random.Random(2))
    drain = SimDevice("SIM-DR-1", DeviceKind.DRAIN_SENSOR, "k", 30.1, 114.6, seq=0, rng=random.Random(3))
    readings = [d.reading(now, tz) for d in (band, meter, drain) for _ in range(400)]
    parsed = parse_batch({"readings": readings[:1000]}, max_batch=1000, now=now)
    assert len(parsed) == 1000
    rates = [r["heartRate"] for r in readings if "heartRate" in r]
    assert 55 < sum(rates) / len(rates) < 95 and len(set(rates)) > 5  # drifting, not constant
    assert [r["seq"] for r in readings[:400]] == list(range(1, 401))
    water = [r["waterLitres"] for r in readings if "waterLitres" in r]
    assert any(w > 0 for w in water) and any(w == 0 for w in water)
