"""Staff reads of the people's locations and health values behind alerts are written to the audit log;
others see them withheld."""

from __future__ import annotations

from api.models.accounts import Role
from api.models.audit import AuditEntry
from resolvers.devices import alerts as alerts_module
from tests.conftest import subscribe
from tests.devices.helpers import FEED, gid, send, setup, wait_for_subscribers

ALERTS = "{ alerts { edges { node { kind detail location { lat } } } } }"


async def test_a_staff_query_of_alert_health_and_place_is_audited(api, factory):
    s = await setup(api, factory)
    await send(api, s.key, {"heartRate": 150, "lat": 30.12, "lng": 114.63})
    seen = (await api.data(ALERTS, as_=s.grid_worker))["alerts"]["edges"][0]["node"]
    assert seen["kind"] == "HEART_RATE_HIGH" and seen["detail"] == "heartRate=150" and seen["location"]
    entries = await AuditEntry.filter(actor_id=s.grid_worker.id)
    assert {f for e in entries for f in e.fields_read.split(",")} == {"alertDetail", "alertLocation"}
    assert {e.subject_id for e in entries} == {s.recipient_id}


async def test_city_operators_see_the_alert_without_the_persons_health_or_place(api, factory):
    s = await setup(api, factory)
    await send(api, s.key, {"heartRate": 150, "lat": 30.12, "lng": 114.63})
    city = await factory.account(Role.CITY_OPERATOR)
    seen = (await api.data(ALERTS, as_=city))["alerts"]["edges"][0]["node"]
    assert seen == {"kind": "HEART_RATE_HIGH", "detail": None, "location": None}
    fence = """mutation($id: ID!) { geofenceSet(input: {careRecipientId: $id, center: {lat: 30.1, lng: 114.6}, radiusM: 300}) {
      geofence { id } errors { code } } }"""
    geofence_id = (await api.data(fence, {"id": s.recipient_id}, as_=s.admin))["geofenceSet"]["geofence"][
        "id"
    ]
    read = "query($id: ID!) { node(id: $id) { ... on Geofence { radiusM center { lat } } } }"
    assert (await api.data(read, {"id": geofence_id}, as_=city))["node"] == {"radiusM": 300, "center": None}
    assert (await api.data(read, {"id": geofence_id}, as_=s.grid_worker))["node"]["center"] == {"lat": 30.1}
    assert await AuditEntry.filter(actor_id=city.id).count() == 0


async def test_subscribing_to_the_alert_feed_is_one_audited_read(api, factory):
    s = await setup(api, factory)
    async with api.websocket() as ws:
        sub = await subscribe(
            ws,
            FEED,
            {"communityId": gid("Community", s.community.id)},
            token=await factory.token(s.grid_worker),
        )
        await wait_for_subscribers(alerts_module.ALERTS.channel(s.community.id), 1)
        await send(api, s.key, {"event": "SOS", "lat": 30.12, "lng": 114.63})
        await sub.next()
        await send(api, s.key, {"event": "SOS", "lat": 30.12, "lng": 114.63})
        await sub.next()
    entries = await AuditEntry.filter(actor_id=s.grid_worker.id, action="community.alertFeed")
    assert len(entries) == 1 and entries[0].subject_id == gid("Community", s.community.id)
