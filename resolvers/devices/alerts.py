"""Alerts: raising them (one open per device and kind), their lifecycle, who may see and handle them.

Race safety: an open alert carries `open_key = "<device>:<kind>"` under a unique constraint, and
alerts are raised with one `INSERT … ON CONFLICT (open_key) DO UPDATE`, so two processes seeing
the same condition at once bump the same row. Lifecycle changes are conditional UPDATEs on the
status, so two people acknowledging at once get one success and one INVALID_TRANSITION.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from api import clock
from api.auth import COMMUNITY_STAFF, Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.events import Topic
from api.models.accounts import Role
from api.models.devices import (
    Alert,
    AlertEvent,
    AlertEventType,
    AlertKind,
    AlertSeverity,
    AlertStatus,
    Device,
    DeviceKind,
)
from api.models.places import Organization, OrganizationKind
from resolvers.devices.rules import ESCALATION_STEP, SEVERITY, Hit
from resolvers.devices.sql import insert_returning

OPEN = (AlertStatus.ACTIVE, AlertStatus.ACKNOWLEDGED)


@dataclass(frozen=True)
class AlertChanged:
    """Published on `alerts:<community id>` after the change committed; `version` names the state."""

    alert_id: int
    version: int
    type: str
    at: datetime
    community_id: int


ALERTS: Topic[AlertChanged] = Topic("alerts", AlertChanged)


def open_key(device_id: int, kind: AlertKind) -> str:
    return f"{device_id}:{kind.value}"


# ------------------------------------------------------------------------------------ who may


#: the kinds of device whose faults go to the community's property management (物业)
INFRASTRUCTURE = (DeviceKind.DRAIN_SENSOR, DeviceKind.PIPE_SENSOR, DeviceKind.GARBAGE_SENSOR)


def may_handle(principal: Principal, alert: Alert) -> bool:
    """The community's staff; city operators once the alert has escalated."""
    community_id: int = alert.community_id
    if principal.acts_in_community(community_id, *COMMUNITY_STAFF):
        return True
    return alert.escalation_level >= 1 and principal.has_role(Role.CITY_OPERATOR)


async def property_communities(principal: Principal) -> set[int]:
    """Communities whose property management the principal runs (ORG_ADMIN of a PROPERTY_MANAGEMENT org).

    They see and handle the alerts of the community's infrastructure sensors, nothing else.
    """
    organizations = principal.organization_ids(Role.ORG_ADMIN)
    if not organizations:
        return set()
    # tortoise types every values_list as tuples; flat=True gives the values themselves
    found = cast(
        list[int],
        await Organization.filter(
            id__in=organizations, kind=OrganizationKind.PROPERTY_MANAGEMENT, community_id__isnull=False
        ).values_list("community_id", flat=True),
    )
    return {int(c) for c in found}


async def may_read_alert(principal: Principal, alert: Alert, device_kind: DeviceKind | None = None) -> bool:
    community_id: int = alert.community_id
    if principal.oversees(community_id):
        return True
    if community_id not in await property_communities(principal):
        return False
    if device_kind is None:
        kinds = cast(list[str], await Device.filter(id=alert.device_id).values_list("kind", flat=True))
        device_kind = DeviceKind(kinds[0]) if kinds else None
    return device_kind in INFRASTRUCTURE


# ------------------------------------------------------------------------------------ raising


@dataclass(frozen=True)
class Draft:
    """An alert condition on one device, ready to be raised or folded into the open alert."""

    device_id: int
    community_id: int
    subject_id: int | None
    hit: Hit


_COLUMNS = (
    "community_id",
    "device_id",
    "subject_id",
    "kind",
    "severity",
    "status",
    "open_key",
    "raised_at",
    "last_occurred_at",
    "occurrences",
    "escalation_level",
    "escalate_at",
    "detail",
    "lat",
    "lng",
    "resolution_note",
    "version",
)
_BUMP = (
    '("open_key") DO UPDATE SET "occurrences" = "alert"."occurrences" + excluded."occurrences", '
    '"last_occurred_at" = excluded."last_occurred_at", "detail" = excluded."detail", '
    '"lat" = COALESCE(excluded."lat", "alert"."lat"), "lng" = COALESCE(excluded."lng", "alert"."lng"), '
    '"version" = "alert"."version" + 1'
)


async def raise_alerts(
    conn: BaseDBAsyncClient, drafts: Sequence[Draft], *, now: datetime, bump: bool = True
) -> list[AlertChanged]:
    """Open an alert per draft, or bump the open one of that device and kind (`bump=False`: leave it).

    One statement for all drafts, one for their events; the caller publishes the result after commit.
    """
    rows = []
    for d in drafts:
        severity = SEVERITY[d.hit.kind]
        # counted from when the server learned of it: an upload of old readings must not escalate at once
        escalate_at = now + ESCALATION_STEP if severity is AlertSeverity.CRITICAL else None
        rows.append(
            (
                d.community_id,
                d.device_id,
                d.subject_id,
                d.hit.kind,
                severity,
                AlertStatus.ACTIVE,
                open_key(d.device_id, d.hit.kind),
                d.hit.first_at,
                d.hit.last_at,
                d.hit.count,
                0,
                escalate_at,
                d.hit.detail[:128],
                d.hit.lat,
                d.hit.lng,
                "",
                1,
            )
        )
    found = await insert_returning(
        conn,
        "alert",
        _COLUMNS,
        rows,
        on_conflict=_BUMP if bump else '("open_key") DO NOTHING',
        returning=("id", "version", "community_id"),
    )
    changes = [
        AlertChanged(
            alert_id=r["id"],
            version=r["version"],
            at=now,
            community_id=r["community_id"],
            type=(AlertEventType.RAISED if r["version"] == 1 else AlertEventType.UPDATED).value,
        )
        for r in found
    ]
    await record_events(conn, changes)
    return changes


async def record_events(
    conn: BaseDBAsyncClient, changes: Iterable[AlertChanged], *, actor_id: int | None = None, note: str = ""
) -> None:
    events = [
        AlertEvent(
            alert_id=c.alert_id,
            community_id=c.community_id,
            type=AlertEventType(c.type),
            at=c.at,
            version=c.version,
            actor_id=actor_id,
            note=note,
        )
        for c in changes
    ]
    if events:
        await AlertEvent.bulk_create(events, using_db=conn)


async def publish(changes: Iterable[AlertChanged]) -> None:
    for change in changes:
        await ALERTS.publish(change.community_id, change)


# ------------------------------------------------------------------------------------ lifecycle


async def _readable(principal: Principal, alert_id: int) -> Alert:
    alert = await Alert.get_or_none(id=alert_id)
    if alert is None or not await may_read_alert(principal, alert):
        raise UserError(ErrorCode.NOT_FOUND, "No such alert.", "id")
    if not may_handle(principal, alert) and alert.community_id not in await property_communities(principal):
        raise Forbidden(
            "Only the community's staff handle this alert (city operators once it has escalated)."
        )
    return alert


async def _transition(
    *,
    alert: Alert,
    allowed_from: Sequence[AlertStatus],
    event: AlertEventType,
    actor_id: int | None,
    note: str = "",
    changes: dict[str, object],
) -> Alert:
    now = clock.now()
    async with transaction() as conn:
        done = (
            await Alert.filter(id=alert.id, status__in=list(allowed_from))
            .using_db(conn)
            .update(version=F("version") + 1, **changes)
        )
        if not done:
            raise UserError(
                ErrorCode.INVALID_TRANSITION, f"The alert cannot become {event.value.lower()} now.", "id"
            )
        fresh = await Alert.get(id=alert.id, using_db=conn)
        change = AlertChanged(
            alert_id=fresh.id,
            version=fresh.version,
            type=event.value,
            at=now,
            community_id=fresh.community_id,
        )
        await record_events(conn, [change], actor_id=actor_id, note=note)
    await publish([change])
    return fresh


async def acknowledge_alert(*, principal: Principal, alert_id: int) -> Alert:
    """ACTIVE → ACKNOWLEDGED, recording who and when; stops the escalation."""
    alert = await _readable(principal, alert_id)
    return await _transition(
        alert=alert,
        allowed_from=(AlertStatus.ACTIVE,),
        event=AlertEventType.ACKNOWLEDGED,
        actor_id=principal.account_id,
        changes={
            "status": AlertStatus.ACKNOWLEDGED,
            "acknowledged_by_id": principal.account_id,
            "acknowledged_at": clock.now(),
            "escalate_at": None,
        },
    )


async def resolve_alert(*, principal: Principal, alert_id: int, note: str) -> Alert:
    """ACTIVE or ACKNOWLEDGED → RESOLVED with a note; the next occurrence opens a new alert."""
    v = Validator()
    note_ = v.text("note", note, max_length=1000)
    v.raise_if_any()
    alert = await _readable(principal, alert_id)
    return await _transition(
        alert=alert,
        allowed_from=OPEN,
        event=AlertEventType.RESOLVED,
        actor_id=principal.account_id,
        note=note_ or "",
        changes={
            "status": AlertStatus.RESOLVED,
            "resolved_by_id": principal.account_id,
            "resolved_at": clock.now(),
            "resolution_note": note_,
            "open_key": None,
            "escalate_at": None,
        },
    )


async def clear_open(
    conn: BaseDBAsyncClient, device_id: int, kinds: Sequence[AlertKind], *, now: datetime, note: str
) -> list[AlertChanged]:
    """Resolve the device's open alerts of `kinds` because the condition ended (the device is back…)."""
    keys = [open_key(device_id, k) for k in kinds]
    found = await Alert.filter(open_key__in=keys).using_db(conn).values("id", "version", "community_id")
    if not found:
        return []
    await (
        Alert.filter(id__in=[r["id"] for r in found], status__in=list(OPEN))
        .using_db(conn)
        .update(
            status=AlertStatus.RESOLVED,
            resolved_at=now,
            resolution_note=note,
            open_key=None,
            escalate_at=None,
            version=F("version") + 1,
        )
    )
    changes = [
        AlertChanged(
            alert_id=r["id"],
            version=r["version"] + 1,
            type=AlertEventType.RESOLVED.value,
            at=now,
            community_id=r["community_id"],
        )
        for r in found
    ]
    await record_events(conn, changes, note=note)
    return changes


# ------------------------------------------------------------------------------------ reading


async def alerts(
    *,
    principal: Principal,
    community_id: int | None = None,
    statuses: Sequence[AlertStatus] | None = None,
    kinds: Sequence[AlertKind] | None = None,
    severities: Sequence[AlertSeverity] | None = None,
    escalated: bool | None = None,
    device_id: int | None = None,
) -> QuerySet[Alert]:
    """The alerts the principal may see, newest first; other communities' staff see none of theirs."""
    qs = Alert.all()
    if not principal.reads_everything:
        ids = principal.community_ids(*COMMUNITY_STAFF)
        if ids is not None:
            visible = Q(community_id__in=ids)
            managed = await property_communities(principal)
            if managed:
                visible |= Q(community_id__in=managed, device__kind__in=list(INFRASTRUCTURE))
            qs = qs.filter(visible)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    if severities:
        qs = qs.filter(severity__in=list(severities))
    if escalated is not None:
        qs = qs.filter(escalation_level__gte=1) if escalated else qs.filter(escalation_level=0)
    if device_id is not None:
        qs = qs.filter(device_id=device_id)
    return qs.order_by("-last_occurred_at", "-id")


async def open_alert_counts(community_ids: list[int]) -> list[int]:
    """`OpenAlertCountByCommunity`: unresolved alerts per community, in one statement."""
    rows = await (
        Alert.filter(community_id__in=community_ids, status__in=list(OPEN))
        .annotate(n=Count("id"))
        .group_by("community_id")
        .values("community_id", "n")
    )
    counts = {r["community_id"]: r["n"] for r in rows}
    return [counts.get(c, 0) for c in community_ids]


async def events_since(community_id: int, since: datetime | None) -> list[tuple[AlertChanged, Alert]]:
    """The community's alert events at or after `since`, in order, each with its alert (two statements)."""
    if since is None:
        return []
    rows = await AlertEvent.filter(community_id=community_id, at__gte=since).order_by("at", "id")
    alerts_by_id = (
        {
            a.id: a
            for a in await Alert.filter(id__in={r.alert_id for r in rows}).select_related(
                "device", "subject", "acknowledged_by"
            )
        }
        if rows
        else {}
    )
    return [
        (
            AlertChanged(
                alert_id=r.alert_id,
                version=r.version,
                type=r.type.value,
                at=r.at,
                community_id=r.community_id,
            ),
            alerts_by_id[r.alert_id],
        )
        for r in rows
    ]


async def load_for_feed(alert_id: int) -> Alert | None:
    """An alert with what a dashboard shows of it (device, subject, acknowledger), in one statement."""
    return await Alert.filter(id=alert_id).select_related("device", "subject", "acknowledged_by").first()


__all__ = ["ALERTS", "AlertChanged", "Device"]
