"""Registering devices, ingest (202/401/413/422, all-or-nothing, idempotent), rules, ack and resolve."""

from __future__ import annotations

import asyncio

from api.auth import hash_secret
from api.models.accounts import Role
from api.models.devices import Alert, AlertEvent, Device, Reading
from tests.devices.helpers import ACK, OVERVIEW_ALERTS, REGISTER, RESOLVE, gid, send, setup


async def test_register_shows_the_key_once_and_stores_only_its_hash(api, factory):
    s = await setup(api, factory)
    device = await Device.get(serial="WB-001")
    assert s.key.startswith("zd_") and device.key_hash == hash_secret(s.key)
    assert not await Device.filter(key_hash=s.key).exists()
    again = (
        await api.data(
            REGISTER,
            {
                "serial": "WB-001",
                "kind": "WRISTBAND",
                "communityId": gid("Community", s.community.id),
                "wearerId": s.recipient_id,
            },
            as_=s.admin,
        )
    )["deviceRegister"]
    assert [e["code"] for e in again["errors"]] == ["DUPLICATE"] and again["ingestKey"] is None
    no_wearer = (
        await api.data(
            REGISTER,
            {"serial": "WB-002", "kind": "WRISTBAND", "communityId": gid("Community", s.community.id)},
            as_=s.admin,
        )
    )["deviceRegister"]
    assert [(e["field"], e["code"]) for e in no_wearer["errors"]] == [("wearerId", "REQUIRED")]


async def test_only_the_community_admin_registers_devices(api, factory):
    community = await factory.community()
    worker = await factory.account(Role.GRID_WORKER, community)
    other_admin = await factory.account(Role.COMMUNITY_ADMIN, await factory.community())
    variables = {"serial": "WM-1", "kind": "WATER_METER", "communityId": gid("Community", community.id)}
    assert await api.error_code(REGISTER, variables, as_=worker) == "FORBIDDEN"
    assert await api.error_code(REGISTER, variables, as_=other_admin) == "FORBIDDEN"
    assert await Device.all().count() == 0


async def test_sos_raises_one_alert_and_a_repeat_bumps_it(api, factory):
    s = await setup(api, factory)
    first = await send(api, s.key, {"event": "SOS", "lat": 30.12, "lng": 114.63, "heartRate": 88})
    assert first.status_code == 202, first.text
    assert first.json()["accepted"] == 1 and len(first.json()["alerts"]) == 1
    second = await send(api, s.key, {"event": "SOS"})
    assert second.json()["alerts"] == first.json()["alerts"]
    alert = await Alert.get()
    assert (alert.kind, alert.severity, alert.status, alert.occurrences) == ("SOS", "CRITICAL", "ACTIVE", 2)
    data = await api.data(OVERVIEW_ALERTS, {"id": gid("Community", s.community.id)}, as_=s.grid_worker)
    community = data["community"]
    assert community["stats"] == {"activeAlerts": 1, "devicesOnline": 1, "devicesOffline": 0}
    node = community["alerts"]["edges"][0]["node"]
    assert community["alerts"]["totalCount"] == 1
    assert node["occurrences"] == 2 and node["subject"]["name"] == "王建国"
    assert node["device"]["serial"] == "WB-001" and node["location"] == {"lat": 30.12, "lng": 114.63}
    assert [e.type for e in await AlertEvent.all().order_by("id")] == ["RAISED", "UPDATED"]


async def test_concurrent_repeats_open_one_alert(api, factory):
    s = await setup(api, factory)
    answers = await asyncio.gather(*(send(api, s.key, {"event": "FALL"}) for _ in range(8)))
    assert {a.status_code for a in answers} == {202}
    assert await Alert.filter(kind="FALL").count() == 1
    assert (await Alert.get(kind="FALL")).occurrences == 8


async def test_thresholds_fire_and_a_batch_folds_repeats(api, factory):
    s = await setup(api, factory)
    batch = {
        "readings": [
            {"heartRate": 135, "spo2": 97, "seq": 1},
            {"heartRate": 140, "spo2": 85, "seq": 2},
            {"heartRate": 72, "systolic": 175, "diastolic": 95, "batteryPct": 9, "seq": 3},
            {"heartRate": 38, "seq": 4},
        ]
    }
    answer = await send(api, s.key, batch)
    assert answer.status_code == 202 and answer.json()["accepted"] == 4
    kinds = {a.kind: a for a in await Alert.all()}
    assert set(kinds) == {
        "HEART_RATE_HIGH",
        "HEART_RATE_LOW",
        "SPO2_LOW",
        "BLOOD_PRESSURE_HIGH",
        "LOW_BATTERY",
    }
    assert kinds["HEART_RATE_HIGH"].occurrences == 2
    assert kinds["SPO2_LOW"].severity == "CRITICAL"
    device = await Device.get()
    assert device.battery_pct == 9 and device.status == "ONLINE"


async def test_retried_upload_is_idempotent_by_seq(api, factory):
    s = await setup(api, factory)
    batch = {"readings": [{"event": "SOS", "seq": 10}, {"heartRate": 70, "seq": 11}]}
    first = await send(api, s.key, batch)
    retry = await send(api, s.key, batch)
    assert retry.status_code == 202 and retry.json()["accepted"] == 2 and retry.json()["stored"] == 0
    assert retry.json()["alerts"] == []
    assert await Reading.all().count() == 2
    assert (await Alert.get()).occurrences == 1 and first.json()["alerts"]


async def test_bad_ingest_changes_nothing(api, factory, settings):
    s = await setup(api, factory)
    assert (await send(api, "zd_wrong", {"heartRate": 70})).status_code == 401
    assert (await api.http.post("/ingest/v1/readings", json={"heartRate": 70})).status_code == 401
    bad = await send(
        api,
        s.key,
        {
            "readings": [
                {"heartRate": 70},
                {"event": "SOS"},
                {"heartRate": "fast", "spo2": 130},
                {"lat": 30.1},
                {"at": "yesterday"},
            ]
        },
    )
    assert bad.status_code == 422
    found = {(e["index"], e["field"]) for e in bad.json()["errors"]}
    assert found == {(2, "heartRate"), (2, "spo2"), (3, "lng"), (4, "at")}
    too_many = await send(api, s.key, {"readings": [{"heartRate": 70}] * (settings.max_ingest_batch + 1)})
    assert too_many.status_code == 422
    huge = await api.http.post(
        "/ingest/v1/readings",
        content=b"{" + b" " * settings.max_ingest_body_bytes + b"}",
        headers={"Authorization": f"Bearer {s.key}", "Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert (
        await api.http.post(
            "/ingest/v1/readings", content=b"{nope", headers={"Authorization": f"Bearer {s.key}"}
        )
    ).status_code == 422
    assert await Reading.all().count() == 0 and await Alert.all().count() == 0
    device = await Device.get()
    assert device.last_seen_at is None and device.status == "OFFLINE"


async def test_rotated_key_and_disabled_device_are_refused(api, factory):
    s = await setup(api, factory)
    rotate = "mutation($id: ID!) { deviceKeyRotate(input: {id: $id}) { ingestKey errors { code } } }"
    new_key = (await api.data(rotate, {"id": s.device_id}, as_=s.admin))["deviceKeyRotate"]["ingestKey"]
    assert (await send(api, s.key, {"heartRate": 70})).status_code == 401
    assert (await send(api, new_key, {"heartRate": 70})).status_code == 202
    disable = "mutation($id: ID!) { deviceDisable(input: {id: $id}) { device { disabled } errors { code } } }"
    assert (await api.data(disable, {"id": s.device_id}, as_=s.admin))["deviceDisable"]["device"][
        "disabled"
    ] is True
    assert (await send(api, new_key, {"heartRate": 70})).status_code == 401


async def test_acknowledge_then_resolve_records_who_and_when(api, factory, clock):
    s = await setup(api, factory)
    alert_id = (await send(api, s.key, {"event": "SOS"})).json()["alerts"][0]
    clock.advance(minutes=1)
    ack = (await api.data(ACK, {"id": alert_id}, as_=s.grid_worker))["alertAcknowledge"]
    assert ack["errors"] == [] and ack["alert"]["status"] == "ACKNOWLEDGED"
    assert ack["alert"]["acknowledgedBy"]["id"] == gid("Account", s.grid_worker.id)
    assert ack["alert"]["acknowledgedAt"].startswith("2026-07-01T01:01")
    again = (await api.data(ACK, {"id": alert_id}, as_=s.admin))["alertAcknowledge"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_TRANSITION"]
    no_note = (await api.data(RESOLVE, {"id": alert_id, "note": " "}, as_=s.grid_worker))["alertResolve"]
    assert [e["code"] for e in no_note["errors"]] == ["REQUIRED"]
    done = (await api.data(RESOLVE, {"id": alert_id, "note": "上门查看，老人无恙"}, as_=s.grid_worker))[
        "alertResolve"
    ]
    assert done["errors"] == [] and done["alert"]["status"] == "RESOLVED" and done["alert"]["resolvedAt"]
    row = await Alert.get()
    assert row.resolution_note == "上门查看，老人无恙" and row.open_key is None
    # the next SOS is a new alert
    assert (await send(api, s.key, {"event": "SOS"})).json()["alerts"] != [alert_id]
    assert await Alert.all().count() == 2


async def test_other_communities_staff_see_and_handle_nothing(api, factory):
    s = await setup(api, factory)
    alert_id = (await send(api, s.key, {"event": "SOS"})).json()["alerts"][0]
    other = await factory.community()
    outsider = await factory.account(Role.GRID_WORKER, other)
    outsider_admin = await factory.account(Role.COMMUNITY_ADMIN, other)
    resident = await factory.account(Role.RESIDENT, s.community)
    for who in (outsider, outsider_admin):
        assert (
            await api.error_code(OVERVIEW_ALERTS, {"id": gid("Community", s.community.id)}, as_=who)
            == "FORBIDDEN"
        )
        listed = await api.data("{ alerts { totalCount } devices { totalCount } }", as_=who)
        assert listed == {"alerts": {"totalCount": 0}, "devices": {"totalCount": 0}}
        errors = (await api.data(ACK, {"id": alert_id}, as_=who))["alertAcknowledge"]["errors"]
        assert [e["code"] for e in errors] == ["NOT_FOUND"]
        node = await api.data("query($id: ID!) { node(id: $id) { id } }", {"id": alert_id}, as_=who)
        assert node["node"] is None
    assert await api.error_code("{ alerts { totalCount } }", as_=resident) == "FORBIDDEN"
    assert (await Alert.get()).status == "ACTIVE"


async def test_city_operator_reads_everything_but_handles_only_escalated(api, factory):
    s = await setup(api, factory)
    alert_id = (await send(api, s.key, {"event": "SOS"})).json()["alerts"][0]
    city = await factory.account(Role.CITY_OPERATOR)
    data = await api.data(OVERVIEW_ALERTS, {"id": gid("Community", s.community.id)}, as_=city)
    node = data["community"]["alerts"]["edges"][0]["node"]
    assert (
        node["subject"]["name"] == "王**" and node["location"] is None
    )  # personal data stays with the community
    assert await api.error_code(ACK, {"id": alert_id}, as_=city) == "FORBIDDEN"
    await Alert.filter().update(escalation_level=1)
    assert (await api.data(ACK, {"id": alert_id}, as_=city))["alertAcknowledge"]["errors"] == []


async def test_two_people_acknowledging_at_once_one_wins(api, factory):
    s = await setup(api, factory)
    alert_id = (await send(api, s.key, {"event": "SOS"})).json()["alerts"][0]
    first, second = await asyncio.gather(
        api.data(ACK, {"id": alert_id}, as_=s.grid_worker), api.data(ACK, {"id": alert_id}, as_=s.admin)
    )
    outcomes = sorted(tuple(e["code"] for e in r["alertAcknowledge"]["errors"]) for r in (first, second))
    assert outcomes == [(), ("INVALID_TRANSITION",)]
    assert await AlertEvent.filter(type="ACKNOWLEDGED").count() == 1


async def test_reading_health_data_is_audited(api, factory):
    from api.models.audit import AuditEntry
    from tests.devices.helpers import DEVICE_BOARD

    s = await setup(api, factory)
    await send(api, s.key, {"readings": [{"heartRate": 71, "seq": 1}, {"heartRate": 74, "seq": 2}]})
    query = """query($id: ID!) { node(id: $id) { ... on Device { serial readings(first: 10) {
                 totalCount edges { node { heartRate } } } } } }"""
    history = (await api.data(query, {"id": s.device_id}, as_=s.grid_worker))["node"]["readings"]
    assert history["totalCount"] == 2 and [e["node"]["heartRate"] for e in history["edges"]] == [74, 71]
    await api.data(DEVICE_BOARD, {"communityId": gid("Community", s.community.id)}, as_=s.grid_worker)
    entries = await AuditEntry.filter(actor_id=s.grid_worker.id)
    assert len(entries) == 2 and {e.subject_id for e in entries} == {s.recipient_id}
    assert all("readings" in e.fields_read for e in entries)
