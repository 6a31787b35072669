"""Devices (智能手环、水表、传感器), their readings, rules, geofences and live alerts."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Hashable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self, TypeVar

import strawberry
from graphql import OperationType
from strawberry import relay

from api.models.accounts import Account as AccountRow
from api.models.accounts import Role
from api.models.care import CareRecipient as CareRecipientRow
from api.models.devices import Alert as AlertRow
from api.models.devices import AlertEventType, AlertKind, AlertSeverity, AlertStatus, DeviceKind, DeviceStatus
from api.models.devices import Device as DeviceRow
from api.models.devices import Geofence as GeofenceRow
from api.models.devices import Reading as ReadingRow
from api.privacy import mask_name
from resolvers.devices import alerts, feeds, registry
from resolvers.devices.rules import Thresholds, thresholds
from schema.base import (
    Connection,
    GeoPoint,
    GeoPointInput,
    HasRole,
    IsAuthenticated,
    ModelNode,
    UserErrorType,
    connection,
    decode_id,
    decode_optional,
    mutate,
)
from schema.care import CareRecipient, audit_read
from schema.context import Info
from schema.sharing import audience_of

T = TypeVar("T")
#: alert kinds whose detail says nothing about the person (a fault code, a battery level)
NOT_PERSONAL_KINDS = frozenset({AlertKind.SENSOR_FAULT, AlertKind.DEVICE_OFFLINE, AlertKind.LOW_BATTERY})

if TYPE_CHECKING:
    from schema.accounts import Account
    from schema.places import Community

DeviceKindEnum = strawberry.enum(DeviceKind, name="DeviceKind", description="What a device is.")
DeviceStatusEnum = strawberry.enum(
    DeviceStatus, name="DeviceStatus", description="ONLINE while it reports within its `offlineMinutes`."
)
AlertKindEnum = strawberry.enum(AlertKind, name="AlertKind", description="What an alert is about.")
AlertSeverityEnum = strawberry.enum(AlertSeverity, name="AlertSeverity")
AlertStatusEnum = strawberry.enum(
    AlertStatus, name="AlertStatus", description="ACTIVE → ACKNOWLEDGED → RESOLVED."
)
AlertEventTypeEnum = strawberry.enum(
    AlertEventType, name="AlertEventType", description="What happened to an alert."
)

STAFF = (Role.GRID_WORKER, Role.COMMUNITY_ADMIN, Role.CITY_OPERATOR)


def _prefetched(row: Any, name: str) -> tuple[bool, Any]:
    """Whether `select_related` loaded the relation `name`, and its value."""
    key = f"_{name}"
    return (True, getattr(row, key)) if hasattr(row, key) else (False, None)


def _account(info: Info, row: Any, name: str, pk: int | None) -> Account | Awaitable[Account | None] | None:
    """The account in `row.<name>`: at once when prefetched (the live feed), else an awaitable batched load."""
    from schema.accounts import Account

    loaded, value = _prefetched(row, name)
    if loaded or pk is None:
        return Account.from_model(value) if value is not None else None

    async def load() -> Account | None:
        found = await info.context.loaders.by_id(AccountRow).load(pk)
        return Account.from_model(found) if found is not None else None

    return load()


@strawberry.type(
    description="One reading of a device. Health data: shown to the community's staff, reads audited."
)
class DeviceReading:
    at: datetime
    heart_rate: int | None = strawberry.field(description="Beats per minute.")
    spo2: int | None = strawberry.field(description="Blood oxygen saturation, percent.")
    systolic: int | None = strawberry.field(description="Blood pressure, mmHg.")
    diastolic: int | None = strawberry.field(description="Blood pressure, mmHg.")
    steps: int | None
    battery_pct: int | None
    water_litres: float | None = strawberry.field(description="Litres used since the previous reading.")
    location: GeoPoint | None
    event: str | None = strawberry.field(description="SOS, FALL or FAULT, if the reading carried one.")
    fault: str | None = strawberry.field(description="The fault code of a FAULT event, e.g. DRAIN_BLOCKED.")

    @classmethod
    def from_model(cls, r: ReadingRow) -> Self:
        return cls(
            at=r.at,
            heart_rate=r.heart_rate,
            spo2=r.spo2,
            systolic=r.systolic,
            diastolic=r.diastolic,
            steps=r.steps,
            battery_pct=r.battery_pct,
            water_litres=r.water_litres,
            location=GeoPoint.maybe(r.lat, r.lng),
            event=r.event,
            fault=r.fault,
        )


@strawberry.type(
    name="AlertRules", description="A device's thresholds in effect (its own or its kind's default)."
)
class AlertRulesType:
    heart_rate_min: int
    heart_rate_max: int
    spo2_min: int
    systolic_max: int
    no_water_hours: int = strawberry.field(
        description="NO_WATER_USAGE after this many hours without water used."
    )
    offline_minutes: int = strawberry.field(
        description="DEVICE_OFFLINE after this many minutes without a reading."
    )

    @classmethod
    def of(cls, t: Thresholds) -> Self:
        return cls(
            heart_rate_min=t.heart_rate_min,
            heart_rate_max=t.heart_rate_max,
            spo2_min=t.spo2_min,
            systolic_max=t.systolic_max,
            no_water_hours=t.no_water_hours,
            offline_minutes=t.offline_minutes,
        )


@strawberry.type(description="A device: wristband, water meter or infrastructure sensor.")
class Device(ModelNode):
    model = DeviceRow
    id: relay.NodeID[int]
    serial: str
    kind: DeviceKindEnum  # type: ignore[valid-type]
    status: DeviceStatusEnum  # type: ignore[valid-type]
    last_seen_at: datetime | None = strawberry.field(description="The time of its newest reading.")
    battery_pct: int | None
    created_at: datetime
    row: strawberry.Private[DeviceRow]

    @classmethod
    def from_model(cls, obj: DeviceRow) -> Self:
        return cls(
            id=obj.id,
            serial=obj.serial,
            kind=obj.kind,
            status=obj.status,
            last_seen_at=obj.last_seen_at,
            battery_pct=obj.battery_pct,
            created_at=obj.created_at,
            row=obj,
        )

    @classmethod
    async def visible(cls, info: Info, rows: list[DeviceRow]) -> list[bool]:  # type: ignore[override]
        return [info.context.principal.oversees(r.community_id) for r in rows]

    @strawberry.field(description="A disabled device's key is refused and its timers stop.")
    def disabled(self) -> bool:
        return self.row.disabled_at is not None

    @strawberry.field(
        description="Where the device is installed: for a sensor, to anyone who sees the device; for a "
        "wristband or a meter (someone's home), to the community's staff only."
    )
    def location(self, info: Info) -> GeoPoint | None:
        personal = self.row.kind not in alerts.INFRASTRUCTURE
        if personal and not info.context.principal.serves(self.row.community_id):
            return None
        return GeoPoint.maybe(self.row.lat, self.row.lng)

    @strawberry.field(
        description="The person wearing it, or living where it is installed; null for those who may not "
        "see that person (property management)."
    )
    async def wearer(self, info: Info) -> CareRecipient | None:
        return await CareRecipient.load_visible(info, self.row.wearer_id)

    @strawberry.field
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy("schema.places")]:
        from schema.places import Community

        found = await Community.load(info, self.row.community_id)
        assert found is not None
        return found

    @strawberry.field(description="The newest reading (one statement for a whole list of devices).")
    async def latest_reading(self, info: Info) -> DeviceReading | None:
        pk = self.row.latest_reading_id
        if pk is None:
            return None
        row = await info.context.loaders.by_id(ReadingRow).load(pk)
        if row is None:
            return None
        wearer_id = self.row.wearer_id
        if wearer_id is not None:
            await audit_read(info, wearer_id, "readings")
        return DeviceReading.from_model(row)

    @strawberry.field(description="The thresholds in effect for this device.")
    async def rules(self, info: Info) -> AlertRulesType:
        found = await info.context.loaders.get("AlertRulesByDevice", registry.rules_by_device).load(self.id)
        return AlertRulesType.of(thresholds(self.row.kind, found))

    @strawberry.field(description="Past readings, newest first.")
    async def readings(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[DeviceReading]:
        wearer_id = self.row.wearer_id
        if wearer_id is not None:
            await audit_read(info, wearer_id, "readings")
        return await connection(
            info,
            registry.readings(device_id=self.id),
            DeviceReading.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.type(description="电子围栏: a circle a person is expected to stay within.")
class Geofence(ModelNode):
    model = GeofenceRow
    id: relay.NodeID[int]
    radius_m: int = strawberry.field(description="Metres.")
    row: strawberry.Private[GeofenceRow]

    @classmethod
    def from_model(cls, obj: GeofenceRow) -> Self:
        return cls(id=obj.id, radius_m=obj.radius_m, row=obj)

    @strawberry.field(
        description="The centre, usually the person's home: for the community's staff only (reads audited)."
    )
    async def center(self, info: Info) -> GeoPoint | None:
        person = await info.context.loaders.by_id(CareRecipientRow).load(self.row.care_recipient_id)
        if person is None or not info.context.principal.serves(person.community_id):
            return None
        await audit_read(info, person.id, "geofence")
        return GeoPoint(lat=self.row.lat, lng=self.row.lng)

    @classmethod
    async def visible(cls, info: Info, rows: list[GeofenceRow]) -> list[bool]:  # type: ignore[override]
        people = await info.context.loaders.by_id(CareRecipientRow).load_many(
            [r.care_recipient_id for r in rows]
        )
        return [p is not None and info.context.principal.oversees(p.community_id) for p in people]

    @strawberry.field
    async def care_recipient(self, info: Info) -> CareRecipient | None:
        return await CareRecipient.load(info, self.row.care_recipient_id)


@strawberry.type(
    description="An alarm raised by a device's readings or by a timer. One is open per device and kind."
)
class Alert(ModelNode):
    model = AlertRow
    id: relay.NodeID[int]
    kind: AlertKindEnum  # type: ignore[valid-type]
    severity: AlertSeverityEnum  # type: ignore[valid-type]
    status: AlertStatusEnum  # type: ignore[valid-type]
    raised_at: datetime
    last_occurred_at: datetime = strawberry.field(description="When the condition was last seen.")
    occurrences: int = strawberry.field(description="How many times the condition was seen while open.")
    escalation_level: int = strawberry.field(
        description="0; 1 and up after going unacknowledged (critical alerts), visible to city operators to handle."
    )
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    row: strawberry.Private[AlertRow]

    @classmethod
    def from_model(cls, obj: AlertRow) -> Self:
        return cls(
            id=obj.id,
            kind=obj.kind,
            severity=obj.severity,
            status=obj.status,
            raised_at=obj.raised_at,
            last_occurred_at=obj.last_occurred_at,
            occurrences=obj.occurrences,
            escalation_level=obj.escalation_level,
            acknowledged_at=obj.acknowledged_at,
            resolved_at=obj.resolved_at,
            row=obj,
        )

    @classmethod
    async def visible(cls, info: Info, rows: list[AlertRow]) -> list[bool]:  # type: ignore[override]
        principal = info.context.principal
        if all(principal.oversees(r.community_id) for r in rows):
            return [True] * len(rows)
        devices = await info.context.loaders.by_id(DeviceRow).load_many([r.device_id for r in rows])
        return [
            await alerts.may_read_alert(principal, r, d.kind if d else None)
            for r, d in zip(rows, devices, strict=True)
        ]

    def _personal(self, info: Info) -> bool:
        return info.context.principal.serves(self.row.community_id)

    # The relations below are plain functions: the live feed prefetches them, and a thousand subscribers
    # resolving them synchronously cost graphql-core far less than as many awaited coroutines. Without the
    # prefetch they return an awaitable (a batched load), which graphql-core awaits.
    @strawberry.field
    def device(self, info: Info) -> Device:
        loaded, row = _prefetched(self.row, "device")
        if loaded:
            return Device.from_model(row)

        async def load() -> Device:
            found = await info.context.loaders.by_id(DeviceRow).load(self.row.device_id)
            assert found is not None  # the foreign key is not null, and cascades
            return Device.from_model(found)

        return load()  # type: ignore[return-value]

    @strawberry.field(
        description="The person wearing the device; the name is masked for those outside the community."
    )
    def subject(self, info: Info) -> CareRecipient | None:
        loaded, row = _prefetched(self.row, "subject")
        subject_id = self.row.subject_id
        if loaded or subject_id is None:
            return self._person(info, row)

        async def load() -> CareRecipient | None:
            found = await info.context.loaders.by_id(CareRecipientRow).load(subject_id)
            return self._person(info, found)

        return load()  # type: ignore[return-value]

    def _person(self, info: Info, row: CareRecipientRow | None) -> CareRecipient | None:
        if row is None:
            return None
        person = CareRecipient.from_model(row)
        return person if self._personal(info) else replace(person, name=mask_name(person.name) or "")

    def _audited(self, info: Info, field: str, value: T) -> T:
        """A staff read of the person's data: recorded per query; a live feed's reads were recorded
        once, when it subscribed. Kept synchronous for the feed (a thousand subscribers)."""
        subject = self.row.subject_id
        if value is None or subject is None or info.operation.operation is OperationType.SUBSCRIPTION:
            return value

        async def recorded() -> T:
            await audit_read(info, subject, field)
            return value

        return recorded()  # type: ignore[return-value]

    @strawberry.field(
        description="What triggered it: a fault code, or a health value such as `heartRate=134` (health "
        "data: for the community's staff only, reads audited)."
    )
    def detail(self, info: Info) -> str | None:
        if self.row.kind in NOT_PERSONAL_KINDS:
            return self.row.detail
        return self._audited(info, "alertDetail", self.row.detail) if self._personal(info) else None

    @strawberry.field(description="Where it happened: for the community's staff only (reads audited).")
    def location(self, info: Info) -> GeoPoint | None:
        if not self._personal(info):
            return None
        return self._audited(info, "alertLocation", GeoPoint.maybe(self.row.lat, self.row.lng))

    @strawberry.field
    def acknowledged_by(self, info: Info) -> Annotated[Account, strawberry.lazy("schema.accounts")] | None:
        return _account(info, self.row, "acknowledged_by", self.row.acknowledged_by_id)  # type: ignore[return-value]

    @strawberry.field
    def resolved_by(self, info: Info) -> Annotated[Account, strawberry.lazy("schema.accounts")] | None:
        return _account(info, self.row, "resolved_by", self.row.resolved_by_id)  # type: ignore[return-value]

    @strawberry.field(description="The note left when it was resolved.")
    def resolution_note(self) -> str | None:
        return self.row.resolution_note or None

    @strawberry.field
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy("schema.places")]:
        from schema.places import Community

        found = await Community.load(info, self.row.community_id)
        assert found is not None
        return found


@strawberry.type(description="Something that happened to an alert, as the `alerts` subscription delivers it.")
class AlertEvent:
    type: AlertEventTypeEnum  # type: ignore[valid-type]
    at: datetime
    version: int = strawberry.field(description="The alert's version after this event.")
    alert: Alert
    #: lets subscribers with the same grants share one execution of this event (`schema.sharing`)
    share_key: strawberry.Private[Hashable | None] = None


# ------------------------------------------------------------------------------------ inputs


@strawberry.input(description="Which devices to list; all given conditions apply.")
class DeviceFilter:
    community_id: strawberry.ID | None = None
    kind: list[DeviceKindEnum] | None = None  # type: ignore[valid-type]
    status: list[DeviceStatusEnum] | None = None  # type: ignore[valid-type]
    wearer_id: strawberry.ID | None = None


@strawberry.input(description="Which alerts to list; all given conditions apply.")
class AlertFilter:
    community_id: strawberry.ID | None = None
    status: list[AlertStatusEnum] | None = None  # type: ignore[valid-type]
    kind: list[AlertKindEnum] | None = None  # type: ignore[valid-type]
    severity: list[AlertSeverityEnum] | None = None  # type: ignore[valid-type]
    escalated: bool | None = strawberry.field(
        default=None, description="Only alerts that escalated (or not)."
    )
    device_id: strawberry.ID | None = None


@strawberry.input
class DeviceRegisterInput:
    serial: str
    kind: DeviceKindEnum  # type: ignore[valid-type]
    community_id: strawberry.ID
    wearer_id: strawberry.ID | None = strawberry.field(default=None, description="Required for a wristband.")
    location: GeoPointInput | None = strawberry.field(default=None, description="Where it is installed.")


@strawberry.type
class DeviceRegisterPayload:
    device: Device | None = None
    ingest_key: str | None = strawberry.field(
        default=None,
        description="The key the device sends as `Authorization: Bearer …`: shown this once only.",
    )
    errors: list[UserErrorType]


@strawberry.input
class DeviceInput:
    id: strawberry.ID


@strawberry.type
class DevicePayload:
    device: Device | None = None
    errors: list[UserErrorType]


@strawberry.input(description="Null values go back to the default of the device's kind.")
class AlertRulesSetInput:
    device_id: strawberry.ID
    heart_rate_min: int | None = None
    heart_rate_max: int | None = None
    spo2_min: int | None = None
    systolic_max: int | None = None
    no_water_hours: int | None = None
    offline_minutes: int | None = None


@strawberry.type
class AlertRulesSetPayload:
    rules: AlertRulesType | None = None
    device: Device | None = None
    errors: list[UserErrorType]


@strawberry.input
class GeofenceSetInput:
    care_recipient_id: strawberry.ID
    center: GeoPointInput
    radius_m: int = strawberry.field(description="Metres, 20 to 50,000.")


@strawberry.type
class GeofenceSetPayload:
    geofence: Geofence | None = None
    errors: list[UserErrorType]


@strawberry.input
class AlertAcknowledgeInput:
    id: strawberry.ID


@strawberry.input
class AlertResolveInput:
    id: strawberry.ID
    note: str = strawberry.field(description="What was done (required).")


@strawberry.type
class AlertPayload:
    alert: Alert | None = None
    errors: list[UserErrorType]


# ------------------------------------------------------------------------------------ roots


async def _alerts_queryset(info: Info, filter: AlertFilter | None, community_id: int | None = None) -> Any:
    f = filter or AlertFilter()
    return await alerts.alerts(
        principal=info.context.principal,
        community_id=community_id
        if community_id is not None
        else decode_optional(f.community_id, "Community", field="communityId"),
        statuses=f.status,
        kinds=f.kind,
        severities=f.severity,
        escalated=f.escalated,
        device_id=decode_optional(f.device_id, Device, field="deviceId"),
    )


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[HasRole(*STAFF)],
        description="Devices in the communities you serve (city operators: all).",
    )
    async def devices(
        self,
        info: Info,
        filter: DeviceFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Device]:
        f = filter or DeviceFilter()
        qs = registry.devices(
            principal=info.context.principal,
            community_id=decode_optional(f.community_id, "Community", field="communityId"),
            kinds=f.kind,
            statuses=f.status,
            wearer_id=decode_optional(f.wearer_id, CareRecipient, field="wearerId"),
        )
        return await connection(
            info, qs, Device.from_model, first=first, after=after, last=last, before=before
        )

    @strawberry.field(
        permission_classes=[HasRole(*STAFF, Role.ORG_ADMIN)],
        description="Alerts you may see, most recent first; `escalated: true` is the city operators' queue; "
        "property management sees its communities' infrastructure sensors.",
    )
    async def alerts(
        self,
        info: Info,
        filter: AlertFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Alert]:
        return await connection(
            info,
            await _alerts_queryset(info, filter),
            Alert.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN)],
        description="Register a device (COMMUNITY_ADMIN); its ingest key is in the payload, once.",
    )
    async def device_register(self, info: Info, input: DeviceRegisterInput) -> DeviceRegisterPayload:
        return await mutate(
            DeviceRegisterPayload,
            lambda: registry.register_device(
                principal=info.context.principal,
                serial=input.serial,
                kind=input.kind,
                community_id=decode_id(input.community_id, "Community", field="communityId"),
                wearer_id=decode_optional(input.wearer_id, CareRecipient, field="wearerId"),
                lat=input.location.lat if input.location else None,
                lng=input.location.lng if input.location else None,
            ),
            lambda r: {"device": Device.from_model(r.device), "ingest_key": r.ingest_key},
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN)],
        description="Give a device a new ingest key (shown once); the old one stops working.",
    )
    async def device_key_rotate(self, info: Info, input: DeviceInput) -> DeviceRegisterPayload:
        return await mutate(
            DeviceRegisterPayload,
            lambda: registry.rotate_key(
                principal=info.context.principal, device_id=decode_id(input.id, Device, field="id")
            ),
            lambda r: {"device": Device.from_model(r.device), "ingest_key": r.ingest_key},
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN)],
        description="Disable a device: its key is refused and its timers stop.",
    )
    async def device_disable(self, info: Info, input: DeviceInput) -> DevicePayload:
        return await mutate(
            DevicePayload,
            lambda: registry.set_disabled(
                principal=info.context.principal,
                device_id=decode_id(input.id, Device, field="id"),
                disabled=True,
            ),
            lambda d: {"device": Device.from_model(d)},
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN)], description="Enable a disabled device."
    )
    async def device_enable(self, info: Info, input: DeviceInput) -> DevicePayload:
        return await mutate(
            DevicePayload,
            lambda: registry.set_disabled(
                principal=info.context.principal,
                device_id=decode_id(input.id, Device, field="id"),
                disabled=False,
            ),
            lambda d: {"device": Device.from_model(d)},
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN)],
        description="Set a device's alert thresholds (COMMUNITY_ADMIN).",
    )
    async def alert_rules_set(self, info: Info, input: AlertRulesSetInput) -> AlertRulesSetPayload:
        return await mutate(
            AlertRulesSetPayload,
            lambda: registry.set_rules(
                principal=info.context.principal,
                device_id=decode_id(input.device_id, Device, field="deviceId"),
                heart_rate_min=input.heart_rate_min,
                heart_rate_max=input.heart_rate_max,
                spo2_min=input.spo2_min,
                systolic_max=input.systolic_max,
                no_water_hours=input.no_water_hours,
                offline_minutes=input.offline_minutes,
            ),
            lambda r: {"rules": AlertRulesType.of(r.values), "device": Device.from_model(r.device)},
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN)],
        description="Set the geofence (circle) of a person cared for (COMMUNITY_ADMIN).",
    )
    async def geofence_set(self, info: Info, input: GeofenceSetInput) -> GeofenceSetPayload:
        return await mutate(
            GeofenceSetPayload,
            lambda: registry.set_geofence(
                principal=info.context.principal,
                care_recipient_id=decode_id(input.care_recipient_id, CareRecipient, field="careRecipientId"),
                lat=input.center.lat,
                lng=input.center.lng,
                radius_m=input.radius_m,
            ),
            lambda g: {"geofence": Geofence.from_model(g)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Acknowledge an alert: it stops escalating and shows who is on it.",
    )
    async def alert_acknowledge(self, info: Info, input: AlertAcknowledgeInput) -> AlertPayload:
        return await mutate(
            AlertPayload,
            lambda: alerts.acknowledge_alert(
                principal=info.context.principal, alert_id=decode_id(input.id, Alert, field="id")
            ),
            lambda a: {"alert": Alert.from_model(a)},
        )

    @strawberry.mutation(permission_classes=[IsAuthenticated], description="Resolve an alert with a note.")
    async def alert_resolve(self, info: Info, input: AlertResolveInput) -> AlertPayload:
        return await mutate(
            AlertPayload,
            lambda: alerts.resolve_alert(
                principal=info.context.principal,
                alert_id=decode_id(input.id, Alert, field="id"),
                note=input.note,
            ),
            lambda a: {"alert": Alert.from_model(a)},
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="The community's alert events; with `since`, what happened since is replayed first, "
        "with no gap and no duplicate.",
    )
    async def alerts(
        self, info: Info, community_id: strawberry.ID, since: datetime | None = None
    ) -> AsyncGenerator[AlertEvent, None]:
        cid = decode_id(community_id, "Community", field="communityId")
        audience = audience_of(info.context.principal)
        async for item in feeds.alert_feed(principal=info.context.principal, community_id=cid, since=since):
            yield AlertEvent(
                type=AlertEventType(item.change.type),
                at=item.change.at,
                version=item.change.version,
                alert=Alert.from_model(item.alert),
                share_key=("alerts", cid, item.change.alert_id, item.change.version, audience),
            )

    @strawberry.subscription(
        permission_classes=[IsAuthenticated], description="A device's readings as they arrive."
    )
    async def device_readings(
        self, info: Info, device_id: strawberry.ID
    ) -> AsyncGenerator[DeviceReading, None]:
        pk = decode_id(device_id, Device, field="deviceId")
        async for row in feeds.readings_feed(principal=info.context.principal, device_id=pk):
            yield DeviceReading.from_model(row)


# ------------------------------------------------------------------------------------ on a community


@strawberry.type
class DevicesStats:
    community_id: strawberry.Private[int]

    async def _device_counts(self, info: Info) -> dict[DeviceStatus, int]:
        return await info.context.loaders.get(
            "DeviceStatusCountsByCommunity", registry.device_status_counts
        ).load(self.community_id)

    @strawberry.field(
        description="Alerts not yet resolved (ACTIVE or ACKNOWLEDGED); staff of the community only."
    )
    async def active_alerts(self, info: Info) -> int | None:
        if not info.context.principal.oversees(self.community_id):
            return None
        return await info.context.loaders.get("OpenAlertCountByCommunity", alerts.open_alert_counts).load(
            self.community_id
        )

    @strawberry.field(description="Enabled devices reporting in time; staff of the community only.")
    async def devices_online(self, info: Info) -> int | None:
        if not info.context.principal.oversees(self.community_id):
            return None
        return (await self._device_counts(info)).get(DeviceStatus.ONLINE, 0)

    @strawberry.field(
        description="Enabled devices that went silent (or never reported); staff of the community only."
    )
    async def devices_offline(self, info: Info) -> int | None:
        if not info.context.principal.oversees(self.community_id):
            return None
        return (await self._device_counts(info)).get(DeviceStatus.OFFLINE, 0)


@strawberry.type
class CommunityDevices:
    id: relay.NodeID[int]

    @strawberry.field(description="The community's alerts, most recent first (its staff and city operators).")
    async def alerts(
        self,
        info: Info,
        filter: AlertFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Alert] | None:
        from api.errors import Forbidden

        principal = info.context.principal
        if not principal.oversees(self.id) and self.id not in await alerts.property_communities(principal):
            raise Forbidden("Only the community's staff and city operators see its alerts.")
        return await connection(
            info,
            await _alerts_queryset(info, filter, community_id=self.id),
            Alert.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(description="The community's devices (its staff and city operators).")
    async def devices(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Device] | None:
        from api.errors import Forbidden

        if not info.context.principal.oversees(self.id):
            raise Forbidden("Only the community's staff and city operators see its devices.")
        qs = registry.devices(principal=info.context.principal, community_id=self.id)
        return await connection(
            info, qs, Device.from_model, first=first, after=after, last=last, before=before
        )
