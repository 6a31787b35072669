"""Live feeds: alerts of a community (replayed from `since`, then live) and a device's readings.

The subscriber is authorised once, when it subscribes. Each event is then loaded once per
process (`EventHub.load_once`) with what a dashboard shows of it, and shared by every local
subscriber: a thousand dashboards on one community cost one statement per event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from tortoise.queryset import QuerySet

from api import events
from api.audit import record_reads
from api.auth import Principal
from api.errors import Forbidden
from api.events import Reconnected
from api.ids import global_id
from api.models.devices import Alert, Device, Reading
from resolvers.devices import alerts
from resolvers.devices.ingest import READINGS, ReadingsStored


@dataclass(frozen=True)
class AlertFeedItem:
    change: alerts.AlertChanged
    alert: Alert


async def alert_feed(
    *, principal: Principal, community_id: int, since: datetime | None
) -> AsyncIterator[AlertFeedItem]:
    """What happened to the community's alerts since `since` (from the database), then live, gap- and duplicate-free."""
    # property management follows only its community's infrastructure sensors
    infrastructure_only = False
    if not principal.oversees(community_id):
        if community_id not in await alerts.property_communities(principal):
            raise Forbidden("Only the community's staff and city operators follow its alerts.")
        infrastructure_only = True
    if principal.serves(community_id) and principal.account_id is not None:
        # the feed shows the people's locations and health values as they happen: the subscription
        # itself is the audited read (one entry, not one per event)
        await record_reads(
            principal,
            action="community.alertFeed",
            subject_ids=[global_id("Community", community_id)],
            reason="subscription alerts",
            fields=("alertLocation", "alertDetail", "subject"),
        )
    replayed: dict[tuple[int, int], Alert] = {}

    async def replay(start: datetime | None) -> list[alerts.AlertChanged]:
        found = await alerts.events_since(community_id, start)
        for change, alert in found:
            replayed[(change.alert_id, change.version)] = alert
        return [change for change, _ in found]

    channel = alerts.ALERTS.channel(community_id)
    hub = events.hub()
    # subscribed before replaying, so whatever is published during the replay is not lost
    async with hub.subscribe(channel) as queue:

        async def live() -> AsyncIterator[alerts.AlertChanged | Reconnected]:
            while True:
                item = await queue.get()
                if item is None:
                    return
                yield item if isinstance(item, Reconnected) else alerts.ALERTS.decode(item)

        async for change in events.replay_then_live(
            live(), replay, since=since, key=lambda c: (c.alert_id, c.version), at=lambda c: c.at
        ):
            key = (change.alert_id, change.version)
            alert = replayed.pop(key, None)
            if alert is None:
                alert = await hub.load_once((channel, *key), partial(alerts.load_for_feed, change.alert_id))
            if alert is None or (infrastructure_only and alert.device.kind not in alerts.INFRASTRUCTURE):
                continue
            yield AlertFeedItem(change=change, alert=alert)


def _readings(ids: list[int]) -> QuerySet[Reading]:
    return Reading.filter(id__in=ids).order_by("at", "id")


async def readings_feed(*, principal: Principal, device_id: int) -> AsyncIterator[Reading]:
    """A device's readings as they arrive; the subscription itself is an audited read of health data."""
    device = await Device.get_or_none(id=device_id)
    if device is None or not principal.oversees(device.community_id):
        raise Forbidden("Only the community's staff and city operators follow its devices.")
    wearer_id: int | None = device.wearer_id
    if wearer_id is not None and principal.account_id is not None:
        subject = global_id("CareRecipient", wearer_id)
        await record_reads(
            principal,
            action="careRecipient.readings",
            subject_ids=[subject],
            reason=f"subscription deviceReadings({device.serial})",
            fields=("heartRate", "spo2", "bloodPressure", "location"),
        )
    channel = READINGS.channel(device_id)
    async for item in READINGS.listen(device_id):
        if isinstance(item, Reconnected):
            continue
        assert isinstance(item, ReadingsStored)
        rows = await events.hub().load_once(
            (channel, tuple(item.reading_ids)), partial(_readings, item.reading_ids)
        )
        for row in rows:
            yield row


__all__ = ["AlertFeedItem", "alert_feed", "readings_feed"]
