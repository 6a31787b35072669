"""Live alerts and readings over websockets: delivery, replay with `since`, per-subscriber visibility, one load."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from api.models.accounts import Role
from resolvers.devices import alerts as alerts_module
from tests.conftest import subscribe
from tests.devices.helpers import ACK, DEVICE_BOARD, DEVICE_LIVE, FEED, RESOLVE, gid, send, setup


async def test_sos_reaches_a_subscribed_dashboard_then_ack_and_resolve_are_pushed(api, factory):
    s = await setup(api, factory)
    async with api.websocket() as ws:
        sub = await subscribe(
            ws,
            FEED,
            {"communityId": gid("Community", s.community.id)},
            token=await factory.token(s.grid_worker),
        )
        await asyncio.sleep(0)  # let the server start the subscription before the reading is sent
        await _ready(api, s)
        alert_id = (await send(api, s.key, {"event": "SOS", "lat": 30.12, "lng": 114.63})).json()["alerts"][0]
        raised = (await sub.next())["alerts"]
        assert raised["type"] == "RAISED" and raised["alert"]["id"] == alert_id
        assert raised["alert"]["kind"] == "SOS" and raised["alert"]["severity"] == "CRITICAL"
        assert raised["alert"]["subject"]["name"] == "王建国" and raised["alert"]["location"] == {
            "lat": 30.12,
            "lng": 114.63,
        }
        await send(api, s.key, {"event": "SOS"})
        repeat = (await sub.next())["alerts"]
        assert repeat["type"] == "UPDATED" and repeat["alert"]["occurrences"] == 2
        await api.data(ACK, {"id": alert_id}, as_=s.grid_worker)
        acked = (await sub.next())["alerts"]
        assert (
            acked["type"] == "ACKNOWLEDGED" and acked["alert"]["acknowledgedBy"]["displayName"] == "陈网格员"
        )
        await api.data(RESOLVE, {"id": alert_id, "note": "已处置"}, as_=s.grid_worker)
        resolved = (await sub.next())["alerts"]
        assert resolved["type"] == "RESOLVED" and resolved["alert"]["status"] == "RESOLVED"


async def _ready(api, s) -> None:
    """Wait until the subscription is registered with the hub (no sleeping on a timer)."""
    from api import events

    channel = alerts_module.ALERTS.channel(s.community.id)
    for _ in range(200):
        if channel in events.hub()._local:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the subscription never started")


async def test_since_replays_what_was_missed_then_goes_live_without_duplicates(api, factory, clock):
    s = await setup(api, factory)
    before = clock.now()
    clock.advance(seconds=1)
    missed = (await send(api, s.key, {"event": "FALL"})).json()["alerts"][0]
    await api.data(ACK, {"id": missed}, as_=s.grid_worker)
    clock.advance(seconds=1)
    async with api.websocket() as ws:
        sub = await subscribe(
            ws,
            FEED,
            {"communityId": gid("Community", s.community.id), "since": before.isoformat()},
            token=await factory.token(s.admin),
        )
        first, second = (await sub.next())["alerts"], (await sub.next())["alerts"]
        assert (first["type"], first["alert"]["id"]) == ("RAISED", missed)
        assert second["type"] == "ACKNOWLEDGED"
        await _ready(api, s)
        sos = (await send(api, s.key, {"event": "SOS"})).json()["alerts"][0]
        live = (await sub.next())["alerts"]
        assert (live["type"], live["alert"]["id"]) == ("RAISED", sos)


async def test_fields_a_role_may_not_see_stay_hidden_per_subscriber_and_the_alert_is_loaded_once(
    api, factory, monkeypatch
):
    s = await setup(api, factory)
    city = await factory.account(Role.CITY_OPERATOR)
    loads = []
    original = alerts_module.load_for_feed

    async def counting(alert_id: int):
        loads.append(alert_id)
        return await original(alert_id)

    monkeypatch.setattr(alerts_module, "load_for_feed", counting)
    variables = {"communityId": gid("Community", s.community.id)}
    async with contextlib.AsyncExitStack() as stack:
        # one socket each: a test client reads one socket's messages for one subscription
        sockets = [await stack.enter_async_context(api.websocket()) for _ in range(4)]
        worker_subs = [
            await subscribe(ws, FEED, variables, token=await factory.token(s.grid_worker))
            for ws in sockets[:3]
        ]
        city_sub = await subscribe(sockets[3], FEED, variables, token=await factory.token(city))
        from api import events

        channel = alerts_module.ALERTS.channel(s.community.id)
        for _ in range(200):  # all four subscriptions registered
            if len(events.hub()._local.get(channel, ())) == 4:
                break
            await asyncio.sleep(0.01)
        await send(api, s.key, {"event": "SOS", "lat": 30.12, "lng": 114.63})
        for sub in worker_subs:
            alert = (await sub.next())["alerts"]["alert"]
            assert alert["subject"]["name"] == "王建国" and alert["location"] is not None
        seen_by_city = (await city_sub.next())["alerts"]["alert"]
        assert seen_by_city["subject"]["name"] == "王**" and seen_by_city["location"] is None
    assert len(loads) == 1


async def test_other_communities_staff_cannot_subscribe(api, factory):
    s = await setup(api, factory)
    outsider = await factory.account(Role.COMMUNITY_ADMIN, await factory.community())
    async with api.websocket() as ws:
        sub = await subscribe(
            ws, FEED, {"communityId": gid("Community", s.community.id)}, token=await factory.token(outsider)
        )
        with pytest.raises(AssertionError) as refused:
            await sub.next()
        assert (
            "FORBIDDEN" in str(refused.value)
            or "not allowed" in str(refused.value).lower()
            or "staff" in str(refused.value)
        )


async def test_device_board_and_live_readings(api, factory):
    s = await setup(api, factory)
    water = await setup(api, factory, kind="WATER_METER", serial="WM-001", community=s.community)
    async with api.websocket() as ws:
        sub = await subscribe(
            ws, DEVICE_LIVE, {"deviceId": s.device_id}, token=await factory.token(s.grid_worker)
        )
        from api import events
        from resolvers.devices.ingest import READINGS

        for _ in range(200):
            if READINGS.channel(int(_pk(s.device_id))) in events.hub()._local:
                break
            await asyncio.sleep(0.01)
        await send(
            api,
            s.key,
            {
                "readings": [
                    {"heartRate": 76, "spo2": 97, "seq": 1},
                    {
                        "heartRate": 78,
                        "systolic": 128,
                        "diastolic": 82,
                        "seq": 2,
                        "lat": 30.1189,
                        "lng": 114.6268,
                        "batteryPct": 64,
                    },
                ]
            },
        )
        first, second = (await sub.next())["deviceReadings"], (await sub.next())["deviceReadings"]
        assert (first["heartRate"], second["heartRate"]) == (76, 78)
        assert second["location"] == {"lat": 30.1189, "lng": 114.6268} and second["batteryPct"] == 64
    await send(api, water.key, {"waterLitres": 12.5})
    board = (
        await api.data(DEVICE_BOARD, {"communityId": gid("Community", s.community.id)}, as_=s.grid_worker)
    )["devices"]
    assert board["totalCount"] == 2
    by_serial = {e["node"]["serial"]: e["node"] for e in board["edges"]}
    band = by_serial["WB-001"]
    assert band["status"] == "ONLINE" and band["batteryPct"] == 64 and band["wearer"]["name"] == "王建国"
    assert band["latestReading"]["heartRate"] == 78 and band["latestReading"]["systolic"] == 128
    assert by_serial["WM-001"]["latestReading"]["waterLitres"] == 12.5


def _pk(global_id: str) -> str:
    from strawberry import relay

    return relay.GlobalID.from_id(global_id).node_id


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(os.environ.get("ZHILI_TEST_BACKEND") != "postgres", reason="needs PostgreSQL and Redis")
async def test_an_alert_raised_on_one_server_process_reaches_a_subscriber_on_another(api, factory, settings):
    s = await setup(api, factory)
    port = _free_port()
    env = {
        **os.environ,
        "ZHILI_DATABASE_URL": settings.database_url,
        "ZHILI_BROADCAST_URL": settings.broadcast_url,
        "ZHILI_BROADCAST_PREFIX": settings.broadcast_prefix,
        "ZHILI_ENV": "test",
        "ZHILI_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as other:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if (await other.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    server.terminate()
                    raise AssertionError(
                        f"the second process did not start: {server.communicate()[1][-3000:]!r}"
                    )
                await asyncio.sleep(0.1)
            async with api.websocket() as ws:
                sub = await subscribe(
                    ws,
                    FEED,
                    {"communityId": gid("Community", s.community.id)},
                    token=await factory.token(s.grid_worker),
                )
                await _ready(api, s)
                answer = await other.post(
                    "/ingest/v1/readings", json={"event": "SOS"}, headers={"Authorization": f"Bearer {s.key}"}
                )
                assert answer.status_code == 202
                event = (await sub.next(timeout=15))["alerts"]
                assert event["type"] == "RAISED" and event["alert"]["id"] == answer.json()["alerts"][0]
    finally:
        server.terminate()
        server.wait(timeout=10)


async def test_after_a_broadcast_outage_the_feed_replays_what_it_missed(api, factory, clock, monkeypatch):
    from api import events

    s = await setup(api, factory)
    async with api.websocket() as ws:
        sub = await subscribe(
            ws,
            FEED,
            {"communityId": gid("Community", s.community.id)},
            token=await factory.token(s.grid_worker),
        )
        await _ready(api, s)
        clock.advance(seconds=5)

        async def lost(changes):  # the broadcast is down: the change commits, its event never arrives
            return None

        monkeypatch.setattr(alerts_module, "publish", lost)
        missed = (await send(api, s.key, {"event": "SOS"})).json()["alerts"][0]
        monkeypatch.undo()
        for queue in events.hub()._local[alerts_module.ALERTS.channel(s.community.id)]:
            queue.put_nowait(events.RECONNECTED)  # what the hub does once the broadcast is back
        replayed = (await sub.next())["alerts"]
        assert (replayed["type"], replayed["alert"]["id"]) == ("RAISED", missed)
        clock.advance(seconds=5)
        await send(api, s.key, {"event": "SOS"})
        live = (await sub.next())["alerts"]
        assert live["type"] == "UPDATED" and live["alert"]["occurrences"] == 2
