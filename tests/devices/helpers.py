"""Shared by the devices tests: the contract's operations and a setup of one community with a wristband."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from api import events
from api.models.accounts import Account, Role
from api.models.places import Community

ALERT_FIELDS = """
fragment AlertFields on Alert {
  id kind severity status raisedAt lastOccurredAt occurrences escalationLevel
  device { id serial kind }
  subject { id name }
  location { lat lng }
  acknowledgedBy { id displayName }
}"""
CREATE_RECIPIENT = """
mutation CreateCareRecipient($communityId: ID!, $name: String!, $category: CareCategory!) {
  careRecipientCreate(input: {communityId: $communityId, name: $name, category: $category}) {
    careRecipient { id name } errors { field code message }
  }
}"""
REGISTER = """
mutation RegisterDevice($serial: String!, $kind: DeviceKind!, $communityId: ID!, $wearerId: ID, $location: GeoPointInput) {
  deviceRegister(input: { serial: $serial, kind: $kind, communityId: $communityId, wearerId: $wearerId, location: $location }) {
    device { id serial kind status }
    ingestKey
    errors { field code message }
  }
}"""
ACK = """
mutation AckAlert($id: ID!) {
  alertAcknowledge(input: { id: $id }) {
    alert { id status acknowledgedAt acknowledgedBy { id } }
    errors { field code message }
  }
}"""
RESOLVE = """
mutation ResolveAlert($id: ID!, $note: String!) {
  alertResolve(input: { id: $id, note: $note }) {
    alert { id status resolvedAt }
    errors { field code message }
  }
}"""
FEED = (
    ALERT_FIELDS
    + """
subscription AlertFeed($communityId: ID!, $since: DateTime) {
  alerts(communityId: $communityId, since: $since) { type at alert { ...AlertFields } }
}"""
)
OVERVIEW_ALERTS = (
    ALERT_FIELDS
    + """
query CommunityOverview($id: ID!) {
  community(id: $id) {
    id name
    stats { activeAlerts devicesOnline devicesOffline }
    alerts(filter: { status: [ACTIVE, ACKNOWLEDGED] }, first: 50) { totalCount edges { node { ...AlertFields } } }
  }
}"""
)
DEVICE_BOARD = """
query DeviceBoard($communityId: ID!) {
  devices(filter: { communityId: $communityId }, first: 100) {
    totalCount
    edges { node { id serial kind status lastSeenAt batteryPct wearer { id name }
      latestReading { at heartRate spo2 systolic diastolic waterLitres location { lat lng } } } }
  }
}"""
DEVICE_LIVE = """
subscription DeviceLive($deviceId: ID!) {
  deviceReadings(deviceId: $deviceId) { at heartRate spo2 systolic diastolic steps waterLitres batteryPct location { lat lng } }
}"""


def gid(type_name: str, pk: int) -> str:
    from schema.base import encode_id

    return encode_id(type_name, pk)


@dataclass
class Setup:
    community: Community
    admin: Account
    grid_worker: Account
    recipient_id: str
    device_id: str
    key: str


async def setup(
    api: Any,
    factory: Any,
    *,
    kind: str = "WRISTBAND",
    serial: str = "WB-001",
    community: Community | None = None,
) -> Setup:
    community = community or await factory.community()
    admin = await factory.account(Role.COMMUNITY_ADMIN, community)
    worker = await factory.account(Role.GRID_WORKER, community, display_name="陈网格员")
    person = (
        await api.data(
            CREATE_RECIPIENT,
            {"communityId": gid("Community", community.id), "name": "王建国", "category": "ELDERLY_ALONE"},
            as_=admin,
        )
    )["careRecipientCreate"]
    assert person["errors"] == []
    registered = (
        await api.data(
            REGISTER,
            {
                "serial": serial,
                "kind": kind,
                "communityId": gid("Community", community.id),
                "wearerId": person["careRecipient"]["id"],
                "location": {"lat": 30.1189, "lng": 114.6268},
            },
            as_=admin,
        )
    )["deviceRegister"]
    assert registered["errors"] == [], registered
    return Setup(
        community=community,
        admin=admin,
        grid_worker=worker,
        recipient_id=person["careRecipient"]["id"],
        device_id=registered["device"]["id"],
        key=registered["ingestKey"],
    )


async def send(api: Any, key: str, body: Any) -> Any:
    return await api.http.post("/ingest/v1/readings", json=body, headers={"Authorization": f"Bearer {key}"})


class Statements:
    """Counts the SQL statements run while it is open (tortoise logs each at DEBUG)."""

    def __init__(self) -> None:
        import logging

        self.count = 0
        self._logger = logging.getLogger("tortoise.db_client")
        outer = self

        class _Counter(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                outer.count += 1

        self._handler = _Counter(level=logging.DEBUG)

    def __enter__(self) -> Statements:
        import logging

        self._level = self._logger.level
        self._logger.setLevel(logging.DEBUG)
        self._logger.addHandler(self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._level)


async def wait_for_subscribers(channel: str, n: int) -> None:
    for _ in range(500):
        if len(events.hub()._local.get(channel, ())) == n:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{n} subscriptions did not register")
