"""The demo data: the seed article's devices, alerts a dashboard shows at once, idempotent."""

from __future__ import annotations

from api.models.devices import Alert, Device, Reading
from resolvers.demo import seed_demo


async def test_demo_devices_and_alerts_are_seeded_once(settings, clock):
    lines = await seed_demo(settings)
    assert any("MQC-WB-001 zd_" in line for line in lines)
    counts = (await Device.all().count(), await Reading.all().count(), await Alert.all().count())
    await seed_demo(settings)
    assert (await Device.all().count(), await Reading.all().count(), await Alert.all().count()) == counts
    sos = await Alert.get(kind="SOS")
    assert sos.status == "RESOLVED" and sos.acknowledged_by_id is not None and sos.resolution_note
    assert {a.detail for a in await Alert.filter(kind="SENSOR_FAULT", status="ACTIVE")} == {
        "DRAIN_BLOCKED",
        "BIN_FULL",
    }
    assert await Alert.filter(kind="HEART_RATE_HIGH", status="ACTIVE").count() == 1
