"""Timers (offline, no water, escalation) moved by the clock, and the rules and geofences that shape alerts."""

from __future__ import annotations

from datetime import timedelta

from api.models.accounts import Role
from api.models.devices import Alert, AlertEvent, Device
from api.scheduler import Scheduler
from resolvers.devices import run_timers
from resolvers.timers import JOBS
from tests.devices.helpers import ACK, OVERVIEW_ALERTS, gid, send, setup

SET_RULES = """
mutation SetAlertRules($deviceId: ID!, $heartRateMin: Int, $heartRateMax: Int, $spo2Min: Int, $systolicMax: Int,
                       $noWaterHours: Int, $offlineMinutes: Int) {
  alertRulesSet(input: { deviceId: $deviceId, heartRateMin: $heartRateMin, heartRateMax: $heartRateMax,
                         spo2Min: $spo2Min, systolicMax: $systolicMax, noWaterHours: $noWaterHours,
                         offlineMinutes: $offlineMinutes }) {
    rules { heartRateMin heartRateMax spo2Min systolicMax noWaterHours offlineMinutes }
    errors { field code message }
  }
}"""
SET_GEOFENCE = """
mutation SetGeofence($careRecipientId: ID!, $center: GeoPointInput!, $radiusM: Int!) {
  geofenceSet(input: { careRecipientId: $careRecipientId, center: $center, radiusM: $radiusM }) {
    geofence { id center { lat lng } radiusM }
    errors { field code message }
  }
}"""


async def test_a_silent_water_meter_raises_no_water_usage_once(api, factory, clock):
    s = await setup(api, factory, kind="WATER_METER", serial="WM-001")
    assert (await send(api, s.key, {"waterLitres": 20.0})).status_code == 202
    clock.advance(hours=6)
    await send(api, s.key, {"waterLitres": 0})  # the meter reports, but nobody used water
    clock.advance(hours=5, minutes=59)
    assert await run_timers(now=clock.now()) == 0
    clock.advance(minutes=2)
    assert await run_timers(now=clock.now()) == 1
    alert = await Alert.get()
    assert (alert.kind, alert.severity, alert.status) == ("NO_WATER_USAGE", "WARNING", "ACTIVE")
    clock.advance(hours=1)
    assert await run_timers(now=clock.now()) == 0  # the same silence does not raise twice
    await send(api, s.key, {"waterLitres": 3.5})  # water used again: the alert clears itself
    assert (await Alert.get()).status == "RESOLVED"


async def test_no_water_hours_follow_the_devices_rules(api, factory, clock):
    s = await setup(api, factory, kind="WATER_METER", serial="WM-002")
    rules = (await api.data(SET_RULES, {"deviceId": s.device_id, "noWaterHours": 3}, as_=s.admin))[
        "alertRulesSet"
    ]
    assert (
        rules["errors"] == []
        and rules["rules"]["noWaterHours"] == 3
        and rules["rules"]["heartRateMax"] == 120
    )
    await send(api, s.key, {"waterLitres": 8})
    clock.advance(hours=3, minutes=1)
    await send(api, s.key, {"waterLitres": 0})
    assert await run_timers(now=clock.now()) == 1


async def test_a_device_that_goes_silent_is_offline_with_one_alert_and_back_online_clears_it(
    api, factory, clock
):
    s = await setup(api, factory)
    await send(api, s.key, {"heartRate": 72})
    clock.advance(minutes=29)
    assert await run_timers(now=clock.now()) == 0
    clock.advance(minutes=2)
    assert await run_timers(now=clock.now()) == 1
    assert (await Device.get()).status == "OFFLINE"
    alert = await Alert.get()
    assert alert.kind == "DEVICE_OFFLINE" and alert.severity == "INFO"
    clock.advance(minutes=30)
    assert await run_timers(now=clock.now()) == 0
    stats = (await api.data(OVERVIEW_ALERTS, {"id": gid("Community", s.community.id)}, as_=s.admin))[
        "community"
    ]["stats"]
    assert stats == {"activeAlerts": 1, "devicesOnline": 0, "devicesOffline": 1}
    await send(api, s.key, {"heartRate": 70})
    assert (await Device.get()).status == "ONLINE" and (await Alert.get()).status == "RESOLVED"


async def test_an_unacknowledged_sos_escalates_and_an_acknowledged_one_does_not(api, factory, clock):
    s = await setup(api, factory)
    sos = (await send(api, s.key, {"event": "SOS"})).json()["alerts"][0]
    band2 = await setup(api, factory, serial="WB-002", community=s.community)
    fall = (await send(api, band2.key, {"event": "FALL"})).json()["alerts"][0]
    await api.data(ACK, {"id": fall}, as_=s.grid_worker)
    clock.advance(minutes=4)
    assert await run_timers(now=clock.now()) == 0
    clock.advance(minutes=1)
    assert await run_timers(now=clock.now()) == 1
    escalated = await Alert.get(kind="SOS")
    assert escalated.escalation_level == 1 and escalated.status == "ACTIVE"
    assert (await Alert.get(kind="FALL")).escalation_level == 0
    event = await AlertEvent.get(type="ESCALATED")
    assert event.version == escalated.version
    # visible to the next level: the city operator's escalated queue, and they may act on it
    city = await factory.account(Role.CITY_OPERATOR)
    queue = await api.data(
        "{ alerts(filter: {escalated: true}) { edges { node { id escalationLevel } } } }", as_=city
    )
    assert [e["node"]["id"] for e in queue["alerts"]["edges"]] == [sos]
    clock.advance(minutes=5)
    assert await run_timers(now=clock.now()) == 1
    clock.advance(minutes=20)
    await run_timers(now=clock.now())
    assert await AlertEvent.filter(type="ESCALATED").count() == 2  # the last level
    assert (await Alert.get(kind="SOS")).escalation_level == 2
    assert (await api.data(ACK, {"id": sos}, as_=city))["alertAcknowledge"]["errors"] == []


async def test_the_scheduler_runs_the_devices_timers_from_one_process(api, factory, clock):
    s = await setup(api, factory)
    await send(api, s.key, {"event": "SOS"})
    one, two = Scheduler(JOBS), Scheduler(JOBS)
    clock.advance(minutes=6)
    assert (await one.run_once(clock.now()))["devices"] == 1
    assert await two.run_once(clock.now()) is None


async def test_rules_and_geofence_raise_their_alerts(api, factory):
    s = await setup(api, factory)
    rules = (
        await api.data(SET_RULES, {"deviceId": s.device_id, "heartRateMax": 100, "spo2Min": 93}, as_=s.admin)
    )["alertRulesSet"]
    assert rules["errors"] == [] and rules["rules"]["heartRateMax"] == 100 and rules["rules"]["spo2Min"] == 93
    fence = (
        await api.data(
            SET_GEOFENCE,
            {"careRecipientId": s.recipient_id, "center": {"lat": 30.1189, "lng": 114.6268}, "radiusM": 500},
            as_=s.admin,
        )
    )["geofenceSet"]
    assert fence["errors"] == [] and fence["geofence"]["radiusM"] == 500
    await send(api, s.key, {"heartRate": 105, "spo2": 92, "lat": 30.1195, "lng": 114.6270})  # ~70 m away
    assert {a.kind for a in await Alert.all()} == {"HEART_RATE_HIGH", "SPO2_LOW"}
    await send(api, s.key, {"lat": 30.1389, "lng": 114.6268})  # ~2.2 km away
    assert await Alert.filter(kind="GEOFENCE_EXIT").count() == 1


async def test_rules_and_geofences_are_the_community_admins(api, factory):
    s = await setup(api, factory)
    bad = (
        await api.data(
            SET_RULES,
            {"deviceId": s.device_id, "heartRateMin": 130, "heartRateMax": 100, "noWaterHours": 0},
            as_=s.admin,
        )
    )["alertRulesSet"]
    assert {(e["field"], e["code"]) for e in bad["errors"]} == {
        ("noWaterHours", "OUT_OF_RANGE"),
        ("heartRateMin", "INVALID"),
    }
    assert (
        await api.error_code(SET_RULES, {"deviceId": s.device_id, "heartRateMax": 100}, as_=s.grid_worker)
        == "FORBIDDEN"
    )
    outsider = await factory.account(Role.COMMUNITY_ADMIN, await factory.community())
    errors = (
        await api.data(
            SET_GEOFENCE,
            {"careRecipientId": s.recipient_id, "center": {"lat": 30.1, "lng": 114.6}, "radiusM": 300},
            as_=outsider,
        )
    )["geofenceSet"]["errors"]
    assert [e["code"] for e in errors] == ["NOT_FOUND"]
    tiny = (
        await api.data(
            SET_GEOFENCE,
            {"careRecipientId": s.recipient_id, "center": {"lat": 30.1, "lng": 114.6}, "radiusM": 5},
            as_=s.admin,
        )
    )["geofenceSet"]["errors"]
    assert [e["code"] for e in tiny] == ["OUT_OF_RANGE"]


async def test_disabled_devices_stop_their_timers(api, factory, clock):
    s = await setup(api, factory)
    await send(api, s.key, {"heartRate": 70})
    await api.data(
        "mutation($id: ID!) { deviceDisable(input: {id: $id}) { errors { code } } }",
        {"id": s.device_id},
        as_=s.admin,
    )
    clock.advance(timedelta(hours=2))
    assert await run_timers(now=clock.now()) == 0
    stats = (await api.data(OVERVIEW_ALERTS, {"id": gid("Community", s.community.id)}, as_=s.admin))[
        "community"
    ]["stats"]
    assert stats["devicesOnline"] == 0 and stats["devicesOffline"] == 0
